// The rules workbench end to end (docs/architecture.md §5, §11): an analyst drafts from the live set, sees a CEL
// error at its position, fixes it, saves, backtests the last 30 days, publishes and rolls back —
// every step in the UI, checked through the REST API.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, createFeed, postEvents, signIn } from '../../scripts/lib/api-client.ts'
import { COLLECTIVE_THRESHOLD } from '../../server/contract/taxonomy.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

interface Version {
  id: number
  status: 'draft' | 'published' | 'retired'
  document: { rules: Array<{ id: string; when?: string }> }
}
interface BacktestAlert {
  key: string
  township: string | { code: string }
  ruleId: string | null
  level: string
}
interface Backtest {
  alerts: BacktestAlert[]
  signals: Array<{ township: string; ruleId: string }>
  diff: { added: BacktestAlert[]; removed: BacktestAlert[]; changed: Array<{ before: BacktestAlert; after: BacktestAlert }> }
}

const RULE = 'collective-petition'
const BROKEN = "source == 'petition' && peopleCount >= 'five'"
// Raising the collective-petition threshold far above any gathering: its alerts should go.
const FIXED = "source == 'petition' && peopleCount >= 500"

let server: RunningServer
let browser: Browser
let analyst: ApiSession

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  analyst = await signIn(server, 'analyst', 'demo-analyst-2026')
})
afterAll(async () => {
  await analyst?.dispose()
  await browser?.close()
  await server?.stop()
})

/** The last 30 days as the workbench's day inputs (centre time), and the instants they stand for. */
function last30Days(): { from: string; to: string; instants: { from: string; to: string } } {
  const day = (epoch: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(epoch))
  const to = day(Date.now())
  const from = day(Date.now() - 29 * 86_400_000)
  const next = day(Date.parse(`${to}T12:00:00+08:00`) + 86_400_000)
  return { from, to, instants: { from: `${from}T00:00:00+08:00`, to: `${next}T00:00:00+08:00` } }
}

const code = (t: BacktestAlert['township']) => (typeof t === 'string' ? t : t.code)

/** Replaces the text of a CodeMirror editor as a person would: select all, type. */
async function typeInto(editor: Locator, page: Page, text: string): Promise<void> {
  const content = editor.locator('.cm-content')
  await content.click()
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Backspace')
  await page.keyboard.type(text)
  await page.waitForFunction(([el, want]) => (el as HTMLElement).innerText.replace(/\u200b/g, '').trim() === want, [await content.elementHandle(), text] as const)
}

describe('the rules workbench, in a real browser', () => {
  it('drafts, checks, saves, backtests, publishes and rolls back a rule set', async () => {
    const live = await analyst.get<Version>('/api/v1/rulesets/live')
    const range = last30Days()
    // The data the diff needs, whatever the demo history holds: a collective petition two hours ago,
    // which the live set raises an alert for and the draft's threshold of 500 does not.
    const township = (await analyst.get<Array<{ code: string }>>('/api/v1/townships'))[0]!.code
    const token = await createFeed(server, 'e2e-rules-feed')
    const petition = { source: 'petition', externalId: `e2e-collective-${Date.now()}`, township, category: 'labour', peopleCount: COLLECTIVE_THRESHOLD + 7, occurredAt: new Date(Date.now() - 2 * 3_600_000).toISOString() }
    expect(await postEvents(server, token, petition)).toMatchObject({ accepted: 1, rejected: [] })
    // What the live set itself produces over the range: the collective-petition alerts the change should remove.
    const liveRun = await analyst.post<Backtest>(`/api/v1/rulesets/${live.id}/backtest`, range.instants)
    expect(liveRun.status).toBe(200)
    const collective = liveRun.body.alerts.filter((a) => a.ruleId === RULE)
    expect(collective.map((a) => code(a.township))).toContain(township)

    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' })
    await signInContext(context, server, 'analyst', 'demo-analyst-2026')
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${server.url}/rules`)
    await page.locator(`[data-test="rules-version-${live.id}"]`).waitFor({ timeout: 15_000 })
    await page.locator('[data-test="rules-status-chip"][data-status="published"]').first().waitFor()

    // A draft from the live set.
    await page.locator('[data-test="rules-new-draft"]').click()
    const card = page.locator(`[data-test="rule-card"][data-rule-id="${RULE}"]`)
    const editor = card.locator('[data-test="rule-when"]')
    await editor.locator('.cm-content').waitFor()

    // A type error: marked at its position, with the reason.
    await typeInto(editor, page, BROKEN)
    const marked = editor.locator('.cm-lintRange-error')
    await marked.first().waitFor({ timeout: 10_000 })
    const markedText = (await marked.allTextContents()).join('')
    // On the bad comparison (the checker points at its operand), not the whole expression.
    expect(markedText.length).toBeGreaterThan(0)
    expect("peopleCount >= 'five'").toContain(markedText)
    const message = card.locator('[data-test="cel-error"]').first()
    await message.waitFor()
    expect((await message.textContent())!.length).toBeGreaterThan(0)
    await page.locator('[data-test="rules-issue-count"]').waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'rules-cel-error.png') })

    // Fixed: the marks go, the set is valid.
    await typeInto(editor, page, FIXED)
    await page.locator('[data-test="rules-valid"]').waitFor({ timeout: 10_000 })
    expect(await editor.locator('.cm-lintRange-error').count()).toBe(0)
    expect(await card.locator('[data-test="cel-error"]').count()).toBe(0)

    // Saved as a draft.
    await page.locator('[data-test="rules-save-comment"]').fill('集体访阈值提高到 500 人（e2e）')
    const savedResponse = page.waitForResponse((r) => r.url().endsWith('/api/v1/rulesets') && r.request().method() === 'POST')
    await page.locator('[data-test="rules-save"]').click()
    const created = await savedResponse
    expect(created.status()).toBe(201)
    const draft = (await created.json()) as { id: number; status: string }
    expect(draft.status).toBe('draft')
    await page.locator(`[data-test="rules-version-${draft.id}"]`).waitFor()
    expect((await analyst.get<Array<{ id: number }>>('/api/v1/rulesets')).map((v) => v.id).sort()).toEqual([live.id, draft.id].sort())
    const saved = await analyst.get<Version>(`/api/v1/rulesets/${draft.id}`)
    expect(saved.document.rules.find((r) => r.id === RULE)?.when).toBe(FIXED)
    await page.locator(`[data-test="rules-version-${draft.id}"] [data-test="rules-status-chip"][data-status="draft"]`).waitFor()

    // Backtest over the last 30 days: the chart, and the diff against the live set.
    await page.locator('[data-test="rules-tab-backtest"]').click()
    await page.locator('[data-test="backtest-from"]').fill(range.from)
    await page.locator('[data-test="backtest-to"]').fill(range.to)
    const ran = page.waitForResponse((r) => r.url().endsWith(`/api/v1/rulesets/${draft.id}/backtest`))
    await page.locator('[data-test="backtest-run"]').click()
    expect((await ran).status()).toBe(200)
    const expected = await analyst.post<Backtest>(`/api/v1/rulesets/${draft.id}/backtest`, range.instants)
    const { diff } = expected.body
    // The changed rule no longer fires at all; whatever it raised under the live set is gone.
    expect(expected.body.signals.filter((s) => s.ruleId === RULE)).toEqual([])
    expect(diff.removed.filter((a) => a.ruleId === RULE).map((a) => a.key).sort()).toEqual(collective.map((a) => a.key).sort())
    expect(diff.added.filter((a) => a.ruleId === RULE)).toEqual([])
    await page.locator('[data-test="backtest-chart"] canvas').waitFor({ timeout: 10_000 })
    const touched = new Set([...diff.added, ...diff.removed].map((a) => code(a.township)).concat(diff.changed.map((c) => code(c.after.township))))
    expect(touched).toContain(township)
    await page.locator('[data-test="backtest-diff"]').waitFor()
    const rows = page.locator('[data-test="backtest-diff-row"]')
    await expect.poll(() => rows.count()).toBe(touched.size)
    const shown = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-township')))
    expect(new Set(shown)).toEqual(touched)
    // Every township that lost a collective-petition alert shows a removal.
    for (const a of collective) expect(await page.locator(`[data-test="backtest-diff-row"][data-township="${code(a.township)}"] td.removed div`).count()).toBeGreaterThan(0)
    expect(await page.locator('[data-test="backtest-no-diff"]').count()).toBe(0)
    await page.screenshot({ path: join(ARTIFACTS, 'rules-backtest.png'), fullPage: true })

    // Published with a comment: the draft is live.
    await page.locator('[data-test="publish-comment"]').fill('试行：集体访阈值 500 人')
    await page.locator('[data-test="publish-submit"]').click()
    await page.locator(`[data-test="rules-version-${draft.id}"] [data-test="rules-status-chip"][data-status="published"]`).waitFor({ timeout: 10_000 })
    expect((await analyst.get<Version>('/api/v1/rulesets/live')).id).toBe(draft.id)

    // Rolled back from the history: the previous version is live again.
    await page.locator('[data-test="rules-tab-history"]').click()
    await page.locator(`[data-test="history-row-${live.id}"]`).waitFor()
    await page.locator(`[data-test="history-rollback-${live.id}"]`).click()
    await page.locator('[data-test="rollback-form"]').waitFor()
    await page.locator('[data-test="rollback-comment"]').fill('回滚：恢复默认阈值')
    await page.locator('[data-test="rollback-submit"]').click()
    await page.locator(`[data-test="history-row-${live.id}"] [data-test="rules-status-chip"][data-status="published"]`).waitFor({ timeout: 10_000 })
    await page.locator('[data-test="rollback-form"]').waitFor({ state: 'detached' })
    expect((await analyst.get<Version>('/api/v1/rulesets/live')).id).toBe(live.id)
    expect(await page.locator(`[data-test="history-row-${draft.id}"] [data-test="rules-status-chip"]`).getAttribute('data-status')).not.toBe('published')
    await page.screenshot({ path: join(ARTIFACTS, 'rules-rollback.png'), fullPage: true })
    expect(errors).toEqual([])
    await context.close()
  })
})
