// The admin screen end to end (docs/architecture.md §8, §11): an administrator creates a user with a role, a
// feed token (shown once) and a silence, then finds all three in the audit log.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, postEvents, signIn } from '../../scripts/lib/api-client.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

let server: RunningServer
let browser: Browser
let admin: ApiSession

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  admin = await signIn(server, 'admin', 'demo-admin-2026')
})
afterAll(async () => {
  await admin?.dispose()
  await browser?.close()
  await server?.stop()
})

/** A `datetime-local` value in centre time (the admin forms' zone). */
function centreInput(epoch: number): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
      .formatToParts(new Date(epoch))
      .map((x) => [x.type, x.value]),
  )
  return `${p['year']}-${p['month']}-${p['day']}T${p['hour'] === '24' ? '00' : p['hour']}:${p['minute']}`
}

/** Filters the audit log by action in the UI; returns the rows' targets and notes. */
async function auditRows(page: Page, action: string): Promise<string[]> {
  await page.locator('[data-test="audit-action"]').fill(action)
  const searched = page.waitForResponse((r) => r.url().includes('/api/v1/audit?') && r.url().includes(`action=${encodeURIComponent(action)}`))
  await page.locator('[data-test="audit-search"]').click()
  expect((await searched).status()).toBe(200)
  const rows = page.locator('[data-test="audit-row"]')
  await rows.first().waitFor()
  // Only rows of that action, once the old page's rows are gone.
  await page.waitForFunction((a) => [...document.querySelectorAll('[data-test="audit-row"]')].every((el) => el.getAttribute('data-action') === a), action)
  return rows.evaluateAll((els) => els.map((el) => (el as HTMLElement).innerText))
}

describe('the admin screen, in a real browser', () => {
  it('creates a user, a feed token and a silence, and finds each in the audit log', async () => {
    const townships = await admin.get<Array<{ code: string; name: string }>>('/api/v1/townships')
    const township = townships[1]!
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' })
    await signInContext(context, server, 'admin', 'demo-admin-2026')
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${server.url}/admin`)
    await page.locator('[data-test="user-row-admin"]').waitFor({ timeout: 15_000 })

    // A user: a township officer, bound to one township.
    await page.locator('[data-test="user-username"]').fill('e2e-officer')
    await page.locator('[data-test="user-display-name"]').fill('测试乡镇干部')
    await page.locator('[data-test="user-password"]').fill('e2e-officer-password-2026')
    await page.locator('[data-test="user-role-township"]').check()
    await page.locator('[data-test="user-township"]').selectOption(township.code)
    await page.locator('[data-test="user-create"]').click()
    const userRow = page.locator('[data-test="user-row-e2e-officer"]')
    await userRow.waitFor()
    expect(await userRow.innerText()).toContain(township.name)
    const users = await admin.get<Array<{ username: string; roles: string[]; township: string | null }>>('/api/v1/users')
    expect(users.find((u) => u.username === 'e2e-officer')).toMatchObject({ roles: ['township'], township: township.code })
    // The new account signs in, with the role it was given.
    const officer = await signIn(server, 'e2e-officer', 'e2e-officer-password-2026')
    expect((await officer.get<{ user: { roles: string[]; township?: string } }>('/api/v1/session')).user).toMatchObject({ roles: ['township'], township: township.code })
    await officer.dispose()

    // A feed: its token is shown once, works, and is gone once dismissed.
    await page.locator('[data-test="admin-tab-feeds"]').click()
    await page.locator('[data-test="feed-name"]').fill('e2e-ledger')
    await page.locator('[data-test="feed-create"]').click()
    await page.locator('[data-test="once-secret"]').waitFor()
    const token = (await page.locator('[data-test="once-secret-token"]').innerText()).trim()
    expect(token.length).toBeGreaterThan(16)
    await page.locator('[data-test="feed-row"][data-name="e2e-ledger"]').waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'admin-feed-token.png') })
    const posted = await postEvents(server, token, [{ source: 'dispute', externalId: 'e2e-admin-1', township: township.code, category: 'neighbour', occurredAt: new Date().toISOString() }])
    expect(posted).toMatchObject({ accepted: 1, rejected: [] })
    await page.locator('[data-test="once-secret-dismiss"]').click()
    await page.locator('[data-test="once-secret"]').waitFor({ state: 'detached' })
    expect(await page.content()).not.toContain(token)
    const feeds = await admin.get<Array<{ name: string }>>('/api/v1/feeds')
    expect(feeds.map((f) => f.name)).toContain('e2e-ledger')
    expect(JSON.stringify(feeds)).not.toContain(token)

    // A silence: this township's yellow alerts, for two days, with a reason.
    await page.locator('[data-test="admin-tab-silences"]').click()
    await page.locator('[data-test="silence-township"]').selectOption(township.code)
    await page.locator('[data-test="silence-level"]').selectOption('yellow')
    await page.locator('[data-test="silence-reason"]').fill('e2e：乡镇换届期间，黄色预警另行处理')
    await page.locator('[data-test="silence-expires"]').fill(centreInput(Date.now() + 2 * 86_400_000))
    await page.locator('[data-test="silence-create"]').click()
    const silenceRow = page.locator('[data-test="silence-row"]').filter({ hasText: 'e2e：乡镇换届期间' })
    await silenceRow.waitFor()
    expect(await silenceRow.innerText()).toContain(township.name)
    const silences = await admin.get<{ items: Array<{ reason: string; matchers: Record<string, string>; createdBy: string; active: boolean }> }>('/api/v1/silences')
    expect(silences.items.find((s) => s.reason.startsWith('e2e：'))).toMatchObject({ matchers: { township: township.code, level: 'yellow' }, createdBy: 'admin', active: true })

    // The audit log has all three, each found by its action.
    await page.locator('[data-test="admin-tab-audit"]').click()
    await page.locator('[data-test="audit-row"]').first().waitFor()
    expect((await auditRows(page, 'user.create')).some((t) => t.includes('e2e-officer'))).toBe(true)
    const feedAudit = await auditRows(page, 'feed.create')
    expect(feedAudit.some((t) => t.includes('e2e-ledger'))).toBe(true)
    const silenceAudit = await auditRows(page, 'silence.create')
    expect(silenceAudit.some((t) => t.includes('admin') && t.includes('e2e：乡镇换届期间'))).toBe(true)
    await page.screenshot({ path: join(ARTIFACTS, 'admin-audit.png'), fullPage: true })
    expect(errors).toEqual([])
    await context.close()
  })
})
