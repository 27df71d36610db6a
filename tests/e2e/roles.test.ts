// Each role in a real browser: the header lists that role's screens only, the duty console offers
// only the actions the role may take, and a deep link to a screen the role lacks says why in Chinese.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, createFeed, postEvents, signIn } from '../../scripts/lib/api-client.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

let server: RunningServer
let browser: Browser
let admin: ApiSession

const PASSWORD: Record<string, string> = {
  admin: 'demo-admin-2026',
  analyst: 'demo-analyst-2026',
  duty: 'demo-duty-2026',
  leader: 'demo-leader-2026',
  township: 'demo-township-2026',
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  admin = await signIn(server, 'admin', PASSWORD['admin']!)
  // A mass incident in 城关街道 (the township officer's own) so every queue has an alert to open.
  const token = await createFeed(admin, `e2e-roles-${Date.now()}`)
  const result = await postEvents(server, token, [
    { source: 'incident', externalId: `e2e-roles-${Date.now()}`, township: '990100001', category: 'mass', severity: 4, peopleCount: 30, occurredAt: new Date().toISOString(), title: 'e2e 群体性事件' },
  ])
  expect(result.rejected).toEqual([])
  // Wait for the engine to raise it (a condition, not a verdict: the tests below need an alert).
  const deadline = Date.now() + 15_000
  while ((await admin.get<{ items: unknown[] }>('/api/v1/alerts?township=990100001&limit=5')).items.length === 0) {
    if (Date.now() > deadline) throw new Error('no alert in 城关街道 after 15 s')
    await new Promise((r) => setTimeout(r, 200))
  }
})
afterAll(async () => {
  await admin?.dispose()
  await browser?.close()
  await server?.stop()
})

async function pageAs(role: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
  await signInContext(context, server, role, PASSWORD[role]!)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return { page, errors, close: () => context.close() }
}

const nav = async (page: Page): Promise<string[]> => {
  await page.locator('header.chrome nav a').first().waitFor({ timeout: 15_000 })
  return page.locator('header.chrome nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))
}

const HEADERS: Record<string, { home: string; links: string[]; refused: string }> = {
  admin: { home: '/admin', links: ['/wall', '/imports', '/admin'], refused: '/duty' },
  analyst: { home: '/rules', links: ['/wall', '/duty', '/rules'], refused: '/admin' },
  duty: { home: '/duty', links: ['/wall', '/duty', '/imports'], refused: '/rules' },
  leader: { home: '/duty', links: ['/wall', '/duty'], refused: '/admin' },
  township: { home: '/duty', links: ['/wall', '/duty', '/township/990100001'], refused: '/rules' },
}

describe('each role sees its own screens and actions', () => {
  it('serves the app for a screen typed with a trailing slash', async () => {
    for (const path of ['/wall/', '/duty/', '/imports/', '/rules/', '/admin/', '/login/']) {
      const res = await fetch(`${server.url}${path}`)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type'), path).toContain('text/html')
    }
  })

  for (const [role, want] of Object.entries(HEADERS)) {
    it(`${role}: the header lists exactly its screens, and a refused deep link explains itself`, async () => {
      const { page, errors, close } = await pageAs(role)
      await page.goto(`${server.url}${want.home}`)
      expect(await nav(page)).toEqual(want.links)
      await page.goto(`${server.url}${want.refused}`)
      const reason = page.locator('[data-test="refused-reason"]')
      await reason.waitFor({ timeout: 15_000 })
      const text = (await reason.textContent()) ?? ''
      expect(text).toMatch(/没有「.+」的权限。此页面只对.+开放。/)
      expect(text).not.toMatch(/[A-Za-z]/)
      // It says where to go instead: the role's own screens.
      const go = await page.locator('[data-test="refused"] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
      expect(go).toEqual(want.links)
      await page.screenshot({ path: join(ARTIFACTS, `roles-refused-${role}.png`) })
      expect(errors).toEqual([])
      await close()
    })
  }

  const ACTIONS = ['ack', 'dispatch', 'resolve', 'close', 'escalate', 'comment']
  const MAY: Record<string, string[]> = { duty: ACTIONS, township: ['ack', 'dispatch', 'resolve', 'comment'], leader: [], analyst: [] }
  for (const [role, may] of Object.entries(MAY)) {
    it(`${role}: the alert drawer shows ${may.length ? 'only the actions it may take' : 'no action buttons'}`, async () => {
      const { page, errors, close } = await pageAs(role)
      await page.goto(`${server.url}/duty`)
      const row = page.locator('[data-test="case-row"]').first()
      await row.waitFor({ timeout: 15_000 })
      await row.locator('[data-test="case-township"]').click()
      await page.locator('[data-test="drawer-state"]').waitFor({ timeout: 10_000 })
      const shown = await page.locator('[data-test^="action-"]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-test')!.slice('action-'.length)))
      expect(shown.filter((a) => ACTIONS.includes(a))).toEqual(may)
      expect(errors).toEqual([])
      await close()
    })
  }

  it('township: another township’s page names both townships and offers the own one', async () => {
    const { page, errors, close } = await pageAs('township')
    await page.goto(`${server.url}/township/990100010`)
    const reason = page.locator('[data-test="refused-reason"]')
    await reason.waitFor({ timeout: 15_000 })
    expect(await reason.textContent()).toContain('您的账号属于城关街道，只能查看本乡镇的情况')
    expect(await page.getByText('加载失败').count()).toBe(0)
    await page.locator('[data-test="refused-go-/township/990100001"]').click()
    await page.locator('[data-test="township-screen"]').waitFor({ timeout: 15_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'roles-township-other.png') })
    expect(errors).toEqual([])
    await close()
  })
})
