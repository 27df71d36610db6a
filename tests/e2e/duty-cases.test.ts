// The duty queue of cases end to end (docs/architecture.md §6, "Cases"; issue 16): one mass incident
// raises a rule alert and a level alert; the queue shows one case holding both, live; one 签收 in
// the UI acknowledges both, and another officer's open console follows without a reload.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, createFeed, postEvents, signIn } from '../../scripts/lib/api-client.ts'
import { allAlerts } from '../helpers/server-process.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

interface Alert {
  id: number
  state: string
  level: string
  ruleId: string | null
  ruleName: string | null
  raisedAt: string
  caseId: number | null
  township: { code: string; name: string }
}
interface CaseRow {
  id: number
  status: string
  openedAt: string
  township: { code: string }
}

let server: RunningServer
let browser: Browser
let duty: ApiSession
let admin: ApiSession

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  ;[duty, admin] = await Promise.all([signIn(server, 'duty', 'demo-duty-2026'), signIn(server, 'admin', 'demo-admin-2026')])
}, 120_000)
afterAll(async () => {
  await duty?.dispose()
  await admin?.dispose()
  await browser?.close()
  await server?.stop()
})

async function openCases(): Promise<CaseRow[]> {
  const out: CaseRow[] = []
  let cursor: string | null = null
  do {
    const page: { items: CaseRow[]; nextCursor: string | null } = await duty.get(`/api/v1/cases?status=open&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return out
}

/**
 * A township where a mass incident raises a fresh 群体性事件 alert and a fresh level alert in a new
 * case: no open mass-incident or level alert, no case recent enough to take them, the lowest score.
 */
async function quietTownship(): Promise<{ code: string; name: string }> {
  // The demo's history is raised and handled just after start: wait until the alerts stand still.
  const fingerprint = (list: Array<{ id: number; state: string }>) => JSON.stringify(list.map((a) => [a.id, a.state]).sort())
  let alerts = await allAlerts(server, duty)
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1_000))
    const again = await allAlerts(server, duty)
    const still = fingerprint(again) === fingerprint(alerts)
    alerts = again
    if (still) break
  }
  const [townships, cases] = await Promise.all([admin.get<Array<{ code: string; name: string; score: number; level: string }>>('/api/v1/townships'), openCases()])
  const busy = new Set(alerts.filter((a) => a.state !== 'closed' && (a.ruleId === 'mass-incident' || a.ruleId === null)).map((a) => a.township.code))
  const recent = new Set(cases.filter((c) => Date.now() - Date.parse(c.openedAt) < 2 * 3_600_000).map((c) => c.township.code))
  // A blue township rises to red with the incident, so its level alert is raised afresh.
  const candidates = townships
    .filter((t) => !busy.has(t.code) && t.level === 'blue')
    .sort((a, b) => Number(recent.has(a.code)) - Number(recent.has(b.code)) || a.score - b.score)
  expect(candidates.length).toBeGreaterThan(0)
  return candidates[0]!
}

async function dutyPage(locale = 'zh-CN'): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'Asia/Shanghai', locale })
  await signInContext(context, server, 'duty', 'demo-duty-2026')
  if (locale === 'en') await context.addInitScript(() => localStorage.setItem('shaowang.locale', 'en'))
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return { context, page, errors }
}

describe('the duty queue lists cases, in a real browser', () => {
  it('one mass incident: one case row with both alerts, acknowledged once, both alerts follow live', async () => {
    const town = await quietTownship()
    const desk = await dutyPage()
    const watcher = await dutyPage()
    const writes: string[] = []
    desk.page.on('request', (r: Request) => {
      if (r.method() === 'POST') writes.push(new URL(r.url()).pathname)
    })
    for (const p of [desk.page, watcher.page]) {
      await p.goto(`${server.url}/duty`)
      await p.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 20_000 })
    }

    // The incident is posted while both consoles are open: the case arrives over /live.
    const posted = Date.now()
    const token = await createFeed(admin, `e2e-cases-${posted}`)
    const result = await postEvents(server, token, [
      { source: 'incident', externalId: `e2e-case-${town.code}-${posted}`, township: town.code, category: 'mass', severity: 4, peopleCount: 30, occurredAt: new Date(posted).toISOString(), title: 'e2e 群体性事件' },
    ])
    expect(result.rejected).toEqual([])
    let fresh: Alert[] = []
    await expect
      .poll(async () => {
        fresh = (await duty.get<{ items: Alert[] }>(`/api/v1/alerts?township=${town.code}&limit=200`)).items.filter((a) => Date.parse(a.raisedAt) >= posted - 2_000)
        return fresh.map((a) => a.ruleId ?? 'level').sort()
      }, { timeout: 15_000 })
      .toEqual(['level', 'mass-incident'])
    const rule = fresh.find((a) => a.ruleId === 'mass-incident')!
    const level = fresh.find((a) => a.ruleId === null)!
    expect(rule.caseId).not.toBeNull()
    expect(level.caseId).toBe(rule.caseId)

    for (const p of [desk.page, watcher.page]) {
      // Exactly one row holds either alert, and it holds both.
      const row = p.locator(`[data-test="case-row"][data-alerts~="${rule.id}"]`)
      await row.waitFor({ timeout: 15_000 })
      expect(await p.locator(`[data-test="case-row"][data-alerts~="${rule.id}"], [data-test="case-row"][data-alerts~="${level.id}"]`).count()).toBe(1)
      expect((await row.getAttribute('data-alerts'))!.split(' ').map(Number).sort()).toEqual([rule.id, level.id].sort())
      expect(await row.getAttribute('data-id')).toBe(String(rule.caseId))
      expect(await row.getAttribute('data-state')).toBe('new')
    }
    const row = desk.page.locator(`[data-test="case-row"][data-id="${rule.caseId}"]`)
    const rowText = (await row.textContent()) ?? ''
    expect(rowText).toContain(town.name)
    expect(rowText).toContain('群体性事件')
    expect(rowText).toContain('30 人')
    expect(rowText).toContain('2 条预警')
    expect(await row.locator('[data-test="case-countdown"]').getAttribute('data-kind')).toBe('ack')
    expect(await row.locator('[data-test="case-countdown"]').textContent()).toMatch(/^剩余 \d+ 分钟$/)

    // The members, expanded in the row: the rule's name and the level alert.
    await row.locator('[data-test="case-members-toggle"]').click()
    const members = desk.page.locator(`[data-test="case-members"][data-id="${rule.caseId}"] [data-test="case-member"]`)
    await expect.poll(() => members.count()).toBe(2)
    // Oldest member first, as the case lists them.
    const names = [rule, level].sort((x, y) => x.id - y.id).map((a) => expect.stringContaining(a === rule ? '群体性事件' : '等级预警'))
    expect(await members.allTextContents()).toEqual(names)
    await desk.page.screenshot({ path: join(ARTIFACTS, 'duty-cases-queue.png') })

    // 签收 once, on the case.
    await row.locator('[data-test="case-township"]').click()
    const drawer = desk.page.locator(`[data-test="case-drawer"][data-id="${rule.caseId}"]`)
    await drawer.locator('[data-test="drawer-state"][data-state="new"]').waitFor({ timeout: 10_000 })
    await expect.poll(() => drawer.locator('[data-test="drawer-member"]').count()).toBe(2)
    await drawer.locator('[data-test="action-ack"]').click()
    await drawer.locator('[data-test="drawer-state"][data-state="acknowledged"]').waitFor({ timeout: 10_000 })
    expect(writes).toEqual([`/api/v1/cases/${rule.caseId}/ack`])

    // Both member alerts are acknowledged, each by this officer.
    for (const a of [rule, level]) {
      const d = await duty.get<{ alert: Alert; timeline: Array<{ action: string; actor: string; fromState: string | null; toState: string }> }>(`/api/v1/alerts/${a.id}`)
      expect(d.alert.state).toBe('acknowledged')
      expect(d.timeline.filter((e) => e.action === 'ack')).toEqual([expect.objectContaining({ actor: 'duty', fromState: 'new', toState: 'acknowledged' })])
    }
    await expect.poll(() => drawer.locator('[data-test="drawer-member"][data-state="acknowledged"]').count()).toBe(2)
    await drawer.locator('[data-test="timeline-entry"][data-action="ack"]').first().waitFor()
    await expect.poll(() => row.getAttribute('data-state')).toBe('acknowledged')
    await desk.page.screenshot({ path: join(ARTIFACTS, 'duty-cases-acknowledged.png') })

    // The other console, which did nothing, follows over /live without a reload.
    const watched = watcher.page.locator(`[data-test="case-row"][data-id="${rule.caseId}"]`)
    await expect.poll(() => watched.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged')
    expect(await watched.locator('[data-test="case-state"]').textContent()).toBe('已签收')
    expect(await watcher.page.locator(`[data-test="case-row"][data-alerts~="${rule.id}"]`).count()).toBe(1)

    expect(desk.errors).toEqual([])
    expect(watcher.errors).toEqual([])
    await desk.context.close()
    await watcher.context.close()

    // The same queue in English, for the screenshot.
    const en = await dutyPage('en')
    await en.page.goto(`${server.url}/duty`)
    await en.page.locator(`[data-test="case-row"][data-id="${rule.caseId}"] [data-test="case-township"]`).click()
    await en.page.locator('[data-test="case-drawer"] [data-test="drawer-member"]').first().waitFor({ timeout: 10_000 })
    await en.page.screenshot({ path: join(ARTIFACTS, 'duty-cases-en.png') })
    expect(en.errors).toEqual([])
    await en.context.close()
  }, 120_000)
})
