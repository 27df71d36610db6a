// Two promises of the shared live client and the contract's zone (docs/architecture.md):
// - every screen shows and counts times in the centre's zone (the server's TZ_DISPLAY), whatever the
//   browser's zone; a time the user types is read in the centre's zone too;
// - the duty console keeps one live connection like the wall: it shows when the server is gone and
//   catches up by itself after a restart, without a reload.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, createFeed, postEvents, signIn } from '../../scripts/lib/api-client.ts'
import { allAlerts } from '../helpers/server-process.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

const CENTRE = 'Europe/Berlin'

/** A browser zone whose calendar date differs from the centre's right now (one of the two always does). */
function browserZoneOtherDay(now: number): string {
  const day = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
  const zone = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'].find((z) => day(z) !== day(CENTRE))
  if (!zone) throw new Error('no browser zone on another calendar day than the centre')
  return zone
}

function parts(ms: number, zone: string): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
  return Object.fromEntries(fmt.formatToParts(ms).map((p) => [p.type, p.value === '24' ? '00' : p.value]))
}
const clock = (ms: number, zone: string) => `${parts(ms, zone)['hour']}:${parts(ms, zone)['minute']}`
const inputValue = (ms: number, zone: string) => {
  const p = parts(ms, zone)
  return `${p['year']}-${p['month']}-${p['day']}T${p['hour']}:${p['minute']}`
}
/** The instant the centre's day began. */
function centreMidnight(now: number): number {
  const p = parts(now, CENTRE)
  let guess = Date.UTC(Number(p['year']), Number(p['month']) - 1, Number(p['day']))
  // Walk back by the zone's offset (at most ±14 h) until the local clock reads 00:00 of that day.
  for (let i = 0; i < 2; i += 1) {
    const q = parts(guess, CENTRE)
    const localAsUtc = Date.UTC(Number(q['year']), Number(q['month']) - 1, Number(q['day']), Number(q['hour']), Number(q['minute']))
    guess -= localAsUtc - Date.UTC(Number(p['year']), Number(p['month']) - 1, Number(p['day']))
  }
  return guess
}

interface Alert {
  id: number
  township: { code: string; name: string }
  raisedAt: string
  state: string
}

let browser: Browser

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

async function signedInPage(server: RunningServer, user: string, password: string, timezoneId: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId, locale: 'zh-CN' })
  await signInContext(context, server, user, password)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return { context, page, errors }
}

const mass = (township: string, occurredAt: string) => ({
  source: 'incident',
  externalId: `zone-mass-${township}-${Date.now()}-${Math.random()}`,
  township,
  category: 'mass',
  severity: 4,
  peopleCount: 40,
  occurredAt,
  title: '群体性事件（时区测试）',
})

describe(`with TZ_DISPLAY=${CENTRE} and the browser elsewhere`, () => {
  let server: RunningServer
  let duty: ApiSession
  let admin: ApiSession
  let token: string

  beforeAll(async () => {
    server = await startServer({ TZ_DISPLAY: CENTRE })
    ;[duty, admin] = await Promise.all([signIn(server, 'duty', 'demo-duty-2026'), signIn(server, 'admin', 'demo-admin-2026')])
    token = await createFeed(admin, `zone-${Date.now()}`)
  }, 120_000)
  afterAll(async () => {
    await duty?.dispose()
    await admin?.dispose()
    await server?.stop()
  })

  it('the wall, the duty console and the township page show and count times in the centre zone', async () => {
    const now = Date.now()
    const zone = browserZoneOtherDay(now)
    const townships = await admin.get<Array<{ code: string; name: string }>>('/api/v1/townships')
    // One whose demo history left no mass-incident alert open, so the event below raises a new one.
    const busy = new Set((await allAlerts(server, duty)).filter((a) => a.ruleId === 'mass-incident' && a.state !== 'closed').map((a) => a.township.code))
    const town = townships.find((t) => !busy.has(t.code))!
    // A minute ago: today in the centre, another calendar day in the browser's zone.
    const occurredAt = new Date(now - 60_000).toISOString()
    const result = await postEvents(server, token, [mass(town.code, occurredAt)])
    expect(result.rejected).toEqual([])
    let alert: Alert | undefined
    await expect
      .poll(async () => (alert = (await duty.get<{ items: Alert[] }>(`/api/v1/alerts?township=${town.code}&limit=200`)).items.find((a) => Date.parse(a.raisedAt) >= Date.parse(occurredAt) - 1_000)), { timeout: 15_000 })
      .toBeTruthy()

    // The oracle for "today": the events the API holds since the centre's midnight.
    const since = new Date(centreMidnight(now)).toISOString()
    const today = await duty.get<{ items: unknown[] }>(`/api/v1/events?from=${encodeURIComponent(since)}&to=${encodeURIComponent(new Date(now + 60_000).toISOString())}&limit=500`)

    const wall = await signedInPage(server, 'leader', 'demo-leader-2026', zone)
    await wall.page.goto(`${server.url}/wall`)
    await wall.page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 20_000 })
    const total = wall.page.locator('[data-test="kpi-events-total"] b')
    await expect.poll(async () => Number((await total.textContent())?.trim()), { timeout: 15_000 }).toBe(today.items.length)
    const ticker = wall.page.locator(`[data-test="ticker-item"][data-id="${alert!.id}"] .time`)
    await ticker.waitFor({ timeout: 15_000 })
    expect((await ticker.textContent())?.trim()).toBe(clock(Date.parse(alert!.raisedAt), CENTRE))
    const feedTime = wall.page.locator('[data-test="event-item"] .time').first()
    await feedTime.waitFor({ timeout: 15_000 })
    expect((await feedTime.textContent())?.trim()).toBe(clock(Date.parse(occurredAt), CENTRE))
    await wall.page.screenshot({ path: join(ARTIFACTS, 'wall-berlin.png') })
    expect(wall.errors).toEqual([])
    await wall.context.close()

    // The duty console: the alert's timeline reads the centre's clock, not the browser's.
    const desk = await signedInPage(server, 'duty', 'demo-duty-2026', zone)
    await desk.page.goto(`${server.url}/duty`)
    // The queue's row is the alert's case (docs/architecture.md §6, "Cases").
    const row = desk.page.locator(`[data-test="case-row"][data-alerts~="${alert!.id}"]`)
    await row.waitFor({ timeout: 15_000 })
    await row.locator('[data-test="case-township"]').click()
    const timeline = desk.page.locator('[data-test="timeline"]')
    await timeline.waitFor({ timeout: 10_000 })
    // The timeline lists the alert's changes at the moment they were made (raising it: at ingest).
    const raised = (await duty.get<{ timeline: Array<{ at: string }> }>(`/api/v1/alerts/${alert!.id}`)).timeline[0]!
    await expect.poll(async () => (await timeline.textContent()) ?? '', { timeout: 10_000 }).toContain(clock(Date.parse(raised.at), CENTRE))
    const text = (await timeline.textContent()) ?? ''
    expect(text).not.toContain(clock(Date.parse(raised.at), zone))
    expect(desk.errors).toEqual([])
    await desk.context.close()

    // The township page lists the event at the centre's clock.
    const page = await signedInPage(server, 'duty', 'demo-duty-2026', zone)
    await page.page.goto(`${server.url}/township/${town.code}`)
    await page.page.getByText('群体性事件（时区测试）').first().waitFor({ timeout: 15_000 })
    const body = (await page.page.locator('main, body').first().textContent()) ?? ''
    expect(body).toContain(clock(Date.parse(occurredAt), CENTRE))
    expect(page.errors).toEqual([])
    await page.context.close()
  }, 120_000)

  it('reads a time the administrator types in the centre zone (a silence two hours ahead)', async () => {
    const zone = browserZoneOtherDay(Date.now())
    const { context, page, errors } = await signedInPage(server, 'admin', 'demo-admin-2026', zone)
    await page.goto(`${server.url}/admin`)
    await page.locator('[data-test="admin-tab-silences"]').click()
    await page.locator('[data-test="admin-silences"]').waitFor({ timeout: 15_000 })
    const expires = Date.now() + 2 * 3_600_000
    const reason = `时区测试 ${Date.now()}`
    await page.locator('[data-test="silence-level"]').selectOption('yellow')
    await page.locator('[data-test="silence-reason"]').fill(reason)
    await page.locator('[data-test="silence-expires"]').fill(inputValue(expires, CENTRE))
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/silences') && r.request().method() === 'POST')
    await page.locator('[data-test="silence-create"]').click()
    const res = await created
    expect(res.status()).toBe(201)
    const silence = (await res.json()) as { expiresAt: string }
    // Minute precision, read as the centre's wall clock (a browser-zone reading is hours off).
    expect(Math.abs(Date.parse(silence.expiresAt) - expires)).toBeLessThan(60_000)
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)
})

describe('the duty console across a server restart', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer()
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  it('shows the server gone, reconnects by itself and lists the alert raised meanwhile, without a reload', async () => {
    const admin = await signIn(server, 'admin', 'demo-admin-2026')
    const token = await createFeed(admin, `restart-${Date.now()}`)
    const townships = await admin.get<Array<{ code: string }>>('/api/v1/townships')
    await admin.dispose()

    const { context, page, errors } = await signedInPage(server, 'duty', 'demo-duty-2026', 'Asia/Shanghai')
    await page.goto(`${server.url}/duty`)
    await page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 20_000 })
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true))

    await server.kill()
    await page.locator('[data-test="connection-badge"][data-state="offline"]').waitFor({ timeout: 20_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'duty-offline.png') })

    await server.restart()
    // Raised while the console is still reconnecting (it retries with back-off and jitter).
    const started = Date.now()
    const result = await postEvents(server, token, [mass(townships.at(-1)!.code, new Date().toISOString())])
    expect(result.rejected).toEqual([])
    const duty = await signIn(server, 'duty', 'demo-duty-2026')
    let alert: Alert | undefined
    await expect
      .poll(async () => (alert = (await duty.get<{ items: Alert[] }>(`/api/v1/alerts?township=${townships.at(-1)!.code}&limit=200`)).items.find((a) => Date.parse(a.raisedAt) >= started - 5_000)), { timeout: 15_000 })
      .toBeTruthy()
    await duty.dispose()

    await page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 60_000 })
    await page.locator(`[data-test="case-row"][data-alerts~="${alert!.id}"]`).waitFor({ timeout: 20_000 })
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    await page.screenshot({ path: join(ARTIFACTS, 'duty-recovered.png') })
    expect(errors).toEqual([])
    await context.close()
  }, 150_000)
})
