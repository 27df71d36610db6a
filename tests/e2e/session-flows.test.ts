// What README promises of sessions, in a real browser: the login screen and the redirect back to
// the screen asked for, signing out; a wall paired by its link; and an administrator's changes
// taking effect at once on other people's open screens — a disabled user's duty console and a
// revoked wall leave for the login screen without a reload. Also the admin's silence revoke and
// kiosk tab, which no other browser test clicks.
import { join } from 'node:path'
import { mkdirSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, signIn } from '../../scripts/lib/api-client.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

let server: RunningServer
let browser: Browser
let admin: ApiSession
const contexts: BrowserContext[] = []

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  admin = await signIn(server, 'admin', 'demo-admin-2026')
})
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  await admin?.dispose()
  await browser?.close()
  await server?.stop()
})

async function newPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' })
  contexts.push(context)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return { context, page, errors }
}

const path = (page: Page) => new URL(page.url()).pathname

describe('sessions in a real browser', () => {
  it('the login screen sends a signed-out user there and back to the screen asked for; signing out returns to it', async () => {
    await admin.send('/api/v1/users', { username: 'e2e-duty', displayName: '测试值班员', password: 'e2e-duty-password-2026', roles: ['duty'] })
    const { page, errors } = await newPage()
    await page.goto(`${server.url}/duty`)
    await page.waitForURL((u) => u.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/duty')

    await page.locator('input[name="username"]').fill('e2e-duty')
    await page.locator('input[name="password"]').fill('wrong-password-2026')
    await page.locator('button[type="submit"]').click()
    await page.locator('[data-test="login-error"]').waitFor()
    expect(path(page)).toBe('/login')

    await page.locator('input[name="password"]').fill('e2e-duty-password-2026')
    await page.locator('button[type="submit"]').click()
    await page.waitForURL((u) => u.pathname === '/duty')
    await page.screenshot({ path: join(ARTIFACTS, 'session-signed-in.png') })

    await page.locator('button.sign-out').click()
    await page.waitForURL((u) => u.pathname === '/login')
    // Signed out for real: the screen asks again.
    await page.goto(`${server.url}/duty`)
    await page.waitForURL((u) => u.pathname === '/login')
    expect(errors).toEqual([])
  })

  it('an administrator disabling a user signs that user’s open duty console out at once', async () => {
    const user = await admin.send<{ id: number }>('/api/v1/users', { username: 'e2e-leaving', displayName: '测试离岗', password: 'e2e-leaving-password-2026', roles: ['duty'] })
    const duty = await newPage()
    await signInContext(duty.context, server, 'e2e-leaving', 'e2e-leaving-password-2026')
    await duty.page.goto(`${server.url}/duty`)
    // Live: the console hears of the change over its socket (it polls REST only while offline).
    await duty.page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 20_000 })
    expect(path(duty.page)).toBe('/duty')

    const adminPage = await newPage()
    await signInContext(adminPage.context, server, 'admin', 'demo-admin-2026')
    await adminPage.page.goto(`${server.url}/admin`)
    await adminPage.page.locator('[data-test="user-edit-e2e-leaving"]').click()
    await adminPage.page.locator('[data-test="user-edit-disabled"]').check()
    await adminPage.page.locator('[data-test="user-edit-save"]').click()
    await adminPage.page.locator('[data-test="user-row-e2e-leaving"].disabled').waitFor()

    // The periodic session check is a minute away and a refused socket retries after 15 s; the
    // console leaves well before either.
    await duty.page.waitForURL((u) => u.pathname === '/login', { timeout: 10_000 })
    const users = await admin.get<Array<{ id: number; disabled: boolean }>>('/api/v1/users')
    expect(users.find((u) => u.id === user.id)?.disabled).toBe(true)
    expect([...duty.errors, ...adminPage.errors]).toEqual([])
  })

  it('a wall paired by its link shows the county; revoking the pairing in the kiosk tab sends it away at once', async () => {
    const adminPage = await newPage()
    await signInContext(adminPage.context, server, 'admin', 'demo-admin-2026')
    await adminPage.page.goto(`${server.url}/admin`)
    await adminPage.page.locator('[data-test="admin-tab-kiosks"]').click()
    await adminPage.page.locator('[data-test="kiosk-name"]').fill('e2e 指挥中心大屏')
    await adminPage.page.locator('[data-test="kiosk-create"]').click()
    const link = (await adminPage.page.locator('[data-test="once-secret-url"]').innerText()).trim()
    // A link a person can open on another machine: absolute, to this server's wall.
    expect(link.startsWith(`${server.url}/wall?pair=`)).toBe(true)
    await adminPage.page.locator('[data-test="once-secret-dismiss"]').click()

    const wall = await newPage()
    await wall.page.goto(link)
    await wall.page.locator('[data-test="wall"]').waitFor({ timeout: 20_000 })
    // The token leaves the address bar once used.
    await wall.page.waitForURL((u) => u.pathname === '/wall' && !u.searchParams.has('pair'))
    await wall.page.screenshot({ path: join(ARTIFACTS, 'session-paired-wall.png') })

    const row = adminPage.page.locator('[data-test="kiosk-row"][data-name="e2e 指挥中心大屏"]')
    await row.locator('[data-test="kiosk-revoke"]').click()
    await adminPage.page.locator('[data-test="kiosk-row"][data-name="e2e 指挥中心大屏"].disabled').waitFor()
    await wall.page.waitForURL((u) => u.pathname === '/login', { timeout: 10_000 })
    // The link does not pair again.
    await wall.page.goto(link)
    await wall.page.waitForURL((u) => u.pathname === '/login')
    expect(new URL(wall.page.url()).searchParams.get('reason')).toBe('pairing')
    expect([...wall.errors, ...adminPage.errors]).toEqual([])
  })

  it('revokes a silence from the admin screen', async () => {
    const townships = await admin.get<Array<{ code: string }>>('/api/v1/townships')
    const created = await admin.send<{ id: number }>('/api/v1/silences', {
      matchers: { township: townships[0]!.code, level: 'yellow' },
      reason: 'e2e：撤销测试',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    })
    const { page, errors } = await newPage()
    await signInContext(page.context(), server, 'admin', 'demo-admin-2026')
    await page.goto(`${server.url}/admin`)
    await page.locator('[data-test="admin-tab-silences"]').click()
    const row = page.locator('[data-test="silence-row"]').filter({ hasText: 'e2e：撤销测试' })
    expect(await row.getAttribute('data-active')).toBe('true')
    const revoked = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`/api/v1/silences/${created.id}`))
    await row.locator('[data-test="silence-revoke"]').click()
    expect((await revoked).status()).toBe(200)
    // Kept in the list, marked revoked, with nothing left to revoke.
    await row.locator('[data-test="silence-state"]').waitFor()
    expect(await row.locator('[data-test="silence-state"]').innerText()).toBe('已撤销')
    expect(await row.locator('[data-test="silence-revoke"]').count()).toBe(0)
    const silences = await admin.get<{ items: Array<{ id: number; active: boolean }> }>('/api/v1/silences')
    expect(silences.items.find((s) => s.id === created.id)?.active ?? false).toBe(false)
    expect(errors).toEqual([])
  })
})
