// The duty console end to end (docs/architecture.md §6, §11): one alert's case through its whole life, every
// step done in the UI and checked in the drawer and, for the alert, through the REST API; and two officers
// acting at once.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, createFeed, postEvents, signIn } from '../../scripts/lib/api-client.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

interface Alert {
  id: number
  state: string
  level: string
  version: number
  township: { code: string; name: string }
  department: string | null
  leadOfficial: string | null
  deadline: string | null
  resolution: string | null
  followUp: string | null
  satisfaction: string | null
  caseId: number | null
}
interface Detail {
  alert: Alert
  timeline: Array<{ action: string; actor: string; fromState: string | null; toState: string }>
}

const TZ = 'Asia/Shanghai'

let server: RunningServer
let browser: Browser
let duty: ApiSession

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  duty = await signIn(server, 'duty', 'demo-duty-2026')
})
afterAll(async () => {
  await duty?.dispose()
  await browser?.close()
  await server?.stop()
})

/** Ids of alerts in state `new`; raises red ones with `mass` incidents when the backfill left too few. */
async function newAlerts(wanted: number): Promise<number[]> {
  const list = async () => (await duty.get<{ items: Alert[] }>('/api/v1/alerts?state=new&limit=200')).items.map((a) => a.id)
  let ids = await list()
  if (ids.length >= wanted) return ids
  const admin = await signIn(server, 'admin', 'demo-admin-2026')
  try {
    const token = await createFeed(admin, `e2e-duty-${Date.now()}`)
    const townships = await admin.get<Array<{ code: string }>>('/api/v1/townships')
    const now = new Date().toISOString()
    // One per township: a township whose mass-incident alert is already open only updates it.
    const events = townships.map((t) => ({ source: 'incident', externalId: `e2e-mass-${t.code}-${Date.now()}`, township: t.code, category: 'mass', severity: 4, peopleCount: 30, occurredAt: now, title: 'e2e 群体性事件' }))
    const result = await postEvents(server, token, events)
    expect(result.rejected).toEqual([])
  } finally {
    await admin.dispose()
  }
  await expect.poll(async () => (ids = await list()).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(wanted)
  return ids
}

async function dutyPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: TZ, locale: 'zh-CN' })
  await signInContext(context, server, 'duty', 'demo-duty-2026')
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return { context, page, errors }
}

/** A `datetime-local` value in the browser's zone, and the instant it stands for. */
function localInput(epoch: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
      .formatToParts(new Date(epoch))
      .map((p) => [p.type, p.value]),
  )
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour'] === '24' ? '00' : parts['hour']}:${parts['minute']}`
}

const detail = (id: number) => duty.get<Detail>(`/api/v1/alerts/${id}`)

async function drawerState(page: Page, state: string): Promise<void> {
  await page.locator(`[data-test="drawer-state"][data-state="${state}"]`).waitFor({ timeout: 10_000 })
}

describe('the duty console, in a real browser', () => {
  it('takes an alert from new to closed: acknowledge, dispatch, resolve, close', async () => {
    const [id] = await newAlerts(1)
    const { context, page, errors } = await dutyPage()
    await page.goto(`${server.url}/duty`)
    // The queue's row is the alert's case; acting on it acts on the alert.
    const row = page.locator(`[data-test="case-row"][data-alerts~="${id}"]`)
    await row.waitFor({ timeout: 15_000 })
    expect(await row.getAttribute('data-state')).toBe('new')
    await row.locator('[data-test="case-township"]').click()
    await drawerState(page, 'new')

    // 签收
    await page.locator('[data-test="action-ack"]').click()
    await drawerState(page, 'acknowledged')
    let d = await detail(id!)
    expect(d.alert.state).toBe('acknowledged')
    expect(d.timeline.findLast((e) => e.action === 'ack')).toMatchObject({ action: 'ack', actor: 'duty', fromState: 'new', toState: 'acknowledged' })
    await page.locator('[data-test="timeline-entry"][data-action="ack"]').first().waitFor()

    // 分流: department, lead official, a deadline three days ahead
    const deadline = Date.now() + 3 * 86_400_000
    await page.locator('[data-test="action-dispatch"]').click()
    await page.locator('[data-test="action-submit"]').click()
    await page.locator('[data-test="error-department"]').waitFor() // required fields are checked first
    await page.locator('[data-test="field-department"]').fill('县信访局')
    await page.locator('[data-test="field-leadOfficial"]').fill('王副县长')
    await page.locator('[data-test="field-deadline"]').fill(localInput(deadline))
    await page.locator('[data-test="action-submit"]').click()
    await drawerState(page, 'dispatched')
    await expect.poll(async () => page.locator('[data-test="drawer-department"]').textContent()).toBe('县信访局')
    expect(await page.locator('[data-test="drawer-leadOfficial"]').textContent()).toBe('王副县长')
    await page.locator('[data-test="drawer-countdown"]').waitFor()
    d = await detail(id!)
    expect(d.alert).toMatchObject({ state: 'dispatched', department: '县信访局', leadOfficial: '王副县长' })
    // The form has minute precision, in the browser's zone.
    expect(Math.abs(Date.parse(d.alert.deadline!) - deadline)).toBeLessThan(60_000)
    expect(d.timeline.findLast((e) => e.action === 'dispatch')).toMatchObject({ action: 'dispatch', actor: 'duty', toState: 'dispatched' })

    // 办结
    await page.locator('[data-test="action-resolve"]').click()
    await page.locator('[data-test="field-resolution"]').fill('已约谈双方，补发工资，现场平息。')
    await page.locator('[data-test="action-submit"]').click()
    await drawerState(page, 'resolved')
    d = await detail(id!)
    expect(d.alert).toMatchObject({ state: 'resolved', resolution: '已约谈双方，补发工资，现场平息。' })
    expect(d.timeline.findLast((e) => e.action === 'resolve')).toMatchObject({ action: 'resolve', toState: 'resolved' })

    // 回访
    await page.locator('[data-test="action-close"]').click()
    await page.locator('[data-test="field-followUp"]').fill('电话回访当事人，表示认可处理结果。')
    await page.locator('[data-test="field-satisfaction-satisfied"]').check()
    await page.locator('[data-test="action-submit"]').click()
    await drawerState(page, 'closed')
    d = await detail(id!)
    expect(d.alert).toMatchObject({ state: 'closed', followUp: '电话回访当事人，表示认可处理结果。', satisfaction: 'satisfied' })
    expect(d.timeline.map((e) => e.action).filter((a) => ['ack', 'dispatch', 'resolve', 'close'].includes(a))).toEqual(['ack', 'dispatch', 'resolve', 'close'])

    // The drawer's timeline shows every step, and no action is left to take but comments.
    for (const action of ['ack', 'dispatch', 'resolve', 'close']) await page.locator(`[data-test="timeline-entry"][data-action="${action}"]`).first().waitFor()
    expect(await page.locator('[data-test="action-resolve"]').isDisabled()).toBe(true)
    await page.screenshot({ path: join(ARTIFACTS, 'duty-lifecycle.png') })
    expect(errors).toEqual([])
    await context.close()
  })

  it('says so and refreshes when someone else changed the case first (409)', async () => {
    const ids = await newAlerts(2)
    const { context, page, errors } = await dutyPage()
    // The live feed reaches this page through a relay that can hold messages back, so the other
    // officer's change arrives late, as it can in the field, and this page acts on what it saw.
    let holding = false
    const held: Array<() => void> = []
    await page.routeWebSocket(/\/socket\.io\//, (ws: WebSocketRoute) => {
      const upstream = ws.connectToServer()
      upstream.onMessage((m) => {
        if (holding) held.push(() => ws.send(m))
        else ws.send(m)
      })
    })
    await page.goto(`${server.url}/duty`)
    await page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 15_000 })
    const id = ids[0]!
    const row = page.locator(`[data-test="case-row"][data-alerts~="${id}"]`)
    await row.waitFor({ timeout: 15_000 })
    await row.locator('[data-test="case-township"]').click()
    await drawerState(page, 'new')
    await page.locator('[data-test="action-ack"]').click()
    await drawerState(page, 'acknowledged')

    // Another duty officer dispatches the case through the API while this page still shows "acknowledged".
    holding = true
    const caseId = (await detail(id)).alert.caseId!
    const seen = (await duty.get<{ case: { version: number } }>(`/api/v1/cases/${caseId}`)).case
    const other = await duty.post<{ alerts: Alert[] }>(`/api/v1/cases/${caseId}/dispatch`, {
      version: seen.version,
      department: '县人社局',
      leadOfficial: '李局长',
      deadline: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    })
    expect(other.status).toBe(200)
    expect(await page.locator('[data-test="drawer-state"]').getAttribute('data-state')).toBe('acknowledged')

    // This page dispatches too, with the version it saw: the server refuses, the page says why.
    await page.locator('[data-test="action-dispatch"]').click()
    await page.locator('[data-test="field-department"]').fill('县司法局')
    await page.locator('[data-test="field-leadOfficial"]').fill('赵主任')
    await page.locator('[data-test="field-deadline"]').fill(localInput(Date.now() + 86_400_000))
    const response = page.waitForResponse((r) => r.url().endsWith(`/api/v1/cases/${caseId}/dispatch`))
    await page.locator('[data-test="action-submit"]').click()
    expect((await response).status()).toBe(409)
    const notice = page.locator('[data-test="notice"].notice-warn span').first()
    await notice.waitFor()
    expect(await notice.textContent()).toMatch(/已被 duty 于 \d\d:\d\d 更新，已刷新/)
    // Refreshed: the other officer's dispatch is what the drawer now shows, not this page's.
    await drawerState(page, 'dispatched')
    await expect.poll(async () => page.locator('[data-test="drawer-department"]').textContent()).toBe('县人社局')
    await page.locator('[data-test="timeline-entry"][data-action="dispatch"]').first().waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'duty-conflict.png') })
    const d = await detail(id)
    expect(d.alert).toMatchObject({ state: 'dispatched', department: '县人社局', version: other.body.alerts.find((a) => a.id === id)!.version })

    // The held live messages arrive late and change nothing further.
    holding = false
    for (const send of held.splice(0)) send()
    await drawerState(page, 'dispatched')
    expect(errors).toEqual([])
    await context.close()
  })
})
