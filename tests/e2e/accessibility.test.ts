// Accessibility of every screen in a real browser (issue 17, point 10): axe-core runs on each
// screen of the client router, as the role that uses it, in zh-CN, once its data has loaded, and
// on the states that matter (the open case drawer and its action form, each admin and rules tab,
// a refused deep link, the login error). No violation of impact "serious" or "critical" is
// allowed, nor any of the rules the outside review named (heading order, empty table headers, a
// role an element may not have). The wall is checked as a leader and as a paired wall display.
import { AxeBuilder } from '@axe-core/playwright'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, createFeed, postEvents, signIn } from '../../scripts/lib/api-client.ts'
import { launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

const PASSWORD: Record<string, string> = {
  admin: 'demo-admin-2026',
  analyst: 'demo-analyst-2026',
  duty: 'demo-duty-2026',
  leader: 'demo-leader-2026',
  township: 'demo-township-2026',
}
const OWN_TOWNSHIP = '990100001'
/** Reported whatever their impact: the findings of the review (most axe rates "moderate" or "minor"). */
const ALWAYS = new Set(['heading-order', 'empty-table-header', 'aria-allowed-role', 'landmark-unique', 'page-has-heading-one'])

let server: RunningServer
let browser: Browser
let admin: ApiSession
let kioskToken: string
/** A draft that switches the mass-incident rule off: its backtest and its history have a diff to show. */
let draftId: number
/** Route names of the client router, read from the running app. */
let routeNames: string[] = []
/** Route names a check ran on. */
const visited = new Set<string>()

beforeAll(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  admin = await signIn(server, 'admin', PASSWORD['admin']!)
  // A mass incident in the township officer's own township: every queue has a case to open.
  const token = await createFeed(admin, `e2e-a11y-${Date.now()}`)
  const result = await postEvents(server, token, [
    { source: 'incident', externalId: `e2e-a11y-${Date.now()}`, township: OWN_TOWNSHIP, category: 'mass', severity: 4, peopleCount: 30, occurredAt: new Date().toISOString(), title: 'e2e 群体性事件' },
  ])
  expect(result.rejected).toEqual([])
  const deadline = Date.now() + 15_000
  while ((await admin.get<{ items: unknown[] }>(`/api/v1/alerts?township=${OWN_TOWNSHIP}&limit=5`)).items.length === 0) {
    if (Date.now() > deadline) throw new Error('no alert in 城关街道 after 15 s')
    await new Promise((r) => setTimeout(r, 200))
  }
  const kiosk = await admin.send<{ token: string }>('/api/v1/kiosks', { name: 'e2e 大屏' })
  kioskToken = kiosk.token
  // A disabled account: its row on the admin screen is drawn muted, and must stay legible.
  const user = await admin.send<{ id: number }>('/api/v1/users', { username: 'e2e-a11y-retired', password: 'e2e-a11y-password-2026', roles: ['duty'] })
  await admin.send(`/api/v1/users/${user.id}`, { disabled: true }, 'PATCH')
  const analyst = await signIn(server, 'analyst', PASSWORD['analyst']!)
  const live = await analyst.get<{ document: { rules: Array<{ id: string }> } }>('/api/v1/rulesets/live')
  const rules = live.document.rules.map((r) => (r.id === 'mass-incident' ? { ...r, enabled: false } : r))
  draftId = (await analyst.send<{ id: number }>('/api/v1/rulesets', { ...live.document, rules, comment: 'e2e：无障碍检查' })).id
  analyst.dispose()
})
afterAll(async () => {
  await admin?.dispose()
  await browser?.close()
  await server?.stop()
})

interface Opened {
  context: BrowserContext
  page: Page
  errors: string[]
  /** Resolves once no request of the page has been in flight for a while. */
  quiet: () => Promise<void>
}

/** A zh-CN browser context, signed in as `role` (or signed out). The app's CSP forbids injected scripts, so axe needs bypassCSP (STACK.md). */
async function open(role: string | null, viewport = { width: 1440, height: 900 }): Promise<Opened> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', bypassCSP: true, reducedMotion: 'reduce' })
  if (role) await signInContext(context, server, role, PASSWORD[role]!)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  const inFlight = new Set<unknown>()
  page.on('request', (r) => inFlight.add(r))
  page.on('requestfinished', (r) => inFlight.delete(r))
  page.on('requestfailed', (r) => inFlight.delete(r))
  const quiet = async () => {
    let calm = 0
    const deadline = Date.now() + 20_000
    while (calm < 4 && Date.now() < deadline) {
      await page.waitForTimeout(100)
      calm = inFlight.size === 0 ? calm + 1 : 0
    }
    await page.evaluate(async () => {
      await document.fonts.ready
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
    })
  }
  return { context, page, errors, quiet }
}

/** The client router's screens (its named routes), as the running app has them. */
async function readRoutes(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    interface Routed {
      config: { globalProperties: { $router: { getRoutes(): Array<{ name?: unknown; redirect?: unknown }> } } }
    }
    const app = (document.querySelector('#app') as unknown as { __vue_app__?: Routed }).__vue_app__
    if (!app) throw new Error('no Vue app on #app')
    return app.config.globalProperties.$router
      .getRoutes()
      .filter((r) => !r.redirect && typeof r.name === 'string')
      .map((r) => r.name as string)
  })
}

/** The current route's name, from the running app. */
function currentRoute(page: Page): Promise<string> {
  return page.evaluate(() => {
    const app = (document.querySelector('#app') as unknown as { __vue_app__?: { config: { globalProperties: { $route: { name?: unknown } } } } }).__vue_app__
    return String(app?.config.globalProperties.$route.name ?? '')
  })
}

/** Runs axe on the page; returns the violations that fail the check, one readable block each. */
async function violations(page: Page, label: string): Promise<string[]> {
  visited.add(await currentRoute(page))
  const results = await new AxeBuilder({ page }).analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || ALWAYS.has(v.id))
    .map((v) =>
      [
        `[${label}] ${v.id} (${v.impact}): ${v.help}`,
        ...v.nodes.slice(0, 6).map((n) => `    ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`),
        ...(v.nodes.length > 6 ? [`    … and ${v.nodes.length - 6} more`] : []),
      ].join('\n'),
    )
}

/** Collects the failures of several states of one screen, then fails once with all of them. */
async function check(o: Opened, states: Array<[label: string, reach: () => Promise<void>]>): Promise<void> {
  const found: string[] = []
  try {
    for (const [label, reach] of states) {
      await reach()
      await o.quiet()
      found.push(...(await violations(o.page, label)))
    }
    expect(o.errors).toEqual([])
  } finally {
    await o.context.close()
  }
  expect(found, `axe found:\n${found.join('\n')}`).toEqual([])
}

/** Clicks through every tab of a tab list, checking each. */
async function eachTab(o: Opened, prefix: string, ready: (tab: string) => Promise<void>): Promise<Array<[string, () => Promise<void>]>> {
  const tabs = await o.page.locator(`[role="tab"][data-test^="${prefix}"]`).evaluateAll((bs) => bs.map((b) => b.getAttribute('data-test')!))
  expect(tabs.length).toBeGreaterThan(1)
  return tabs.map((tab) => [
    tab,
    async () => {
      await o.page.locator(`[data-test="${tab}"]`).click()
      await ready(tab.slice(prefix.length))
    },
  ])
}

describe('accessibility: axe-core on every screen, zero serious or critical violations', () => {
  it('login: the form, and the form with a failed sign-in', async () => {
    const o = await open(null)
    await check(o, [
      [
        'login',
        async () => {
          await o.page.goto(`${server.url}/login`)
          await o.page.locator('input[name="username"]').waitFor()
          routeNames = await readRoutes(o.page)
        },
      ],
      [
        'login error',
        async () => {
          await o.page.locator('input[name="username"]').fill('duty')
          await o.page.locator('input[name="password"]').fill('not-the-password')
          await o.page.locator('button[type="submit"]').click()
          await o.page.locator('[data-test="login-error"]').waitFor()
        },
      ],
    ])
  })

  it('wall as the leader', async () => {
    const o = await open('leader', { width: 1920, height: 1080 })
    await check(o, [
      [
        'wall (leader)',
        async () => {
          await o.page.goto(`${server.url}/wall?still=1`)
          await o.page.locator('[data-test="county-map"][data-map-ready="true"]').waitFor({ timeout: 20_000 })
          await o.page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 20_000 })
          await o.page.locator('[data-test="ranking-row"]').first().waitFor()
          await o.page.locator('[data-test="ticker-item"]').first().waitFor()
          // The unsigned red alert of beforeAll: the red-alert banner is over the wall.
          await o.page.locator('[data-test="red-flash"]').waitFor()
        },
      ],
    ])
  })

  it('wall as a paired wall display', async () => {
    const o = await open(null, { width: 1920, height: 1080 })
    await check(o, [
      [
        'wall (kiosk)',
        async () => {
          await o.page.goto(`${server.url}/wall?still=1&pair=${encodeURIComponent(kioskToken)}`)
          await o.page.locator('[data-test="county-map"][data-map-ready="true"]').waitFor({ timeout: 20_000 })
          await o.page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 20_000 })
          await o.page.locator('[data-test="ranking-row"]').first().waitFor()
          await o.page.locator('[data-test="red-flash"]').waitFor()
          expect(new URL(o.page.url()).searchParams.has('pair')).toBe(false)
        },
      ],
    ])
  })

  it('duty console as duty: the queue, a case expanded, the help, the open drawer and an action form with its error', async () => {
    const o = await open('duty')
    const row = o.page.locator('[data-test="case-row"]').filter({ has: o.page.locator('[data-test="case-township"]', { hasText: '城关街道' }) }).first()
    await check(o, [
      [
        'duty queue',
        async () => {
          await o.page.goto(`${server.url}/duty`)
          await row.waitFor({ timeout: 15_000 })
          await o.page.locator('[data-test="connection-badge"]').first().waitFor()
        },
      ],
      [
        'duty queue, members and help shown',
        async () => {
          await row.locator('[data-test="case-members-toggle"]').click()
          await o.page.locator('[data-test="case-member"]').first().waitFor()
          await o.page.locator('[data-test="help-toggle"]').click()
          await o.page.locator('[data-test="shortcut-help"]').waitFor()
        },
      ],
      [
        'duty case drawer',
        async () => {
          await row.locator('[data-test="case-township"]').click()
          await o.page.locator('[data-test="drawer-state"]').waitFor({ timeout: 10_000 })
          await o.page.locator('[data-test="drawer-member"]').first().waitFor()
        },
      ],
      [
        'duty comment form with its error',
        async () => {
          await o.page.locator('[data-test="action-comment"]').click()
          await o.page.locator('[data-test="form-comment"]').waitFor()
          await o.page.locator('[data-test="action-submit"]').click()
          await o.page.locator('[data-test^="error-"]').first().waitFor()
        },
      ],
    ])
  })

  it('duty console as the leader (read-only drawer)', async () => {
    const o = await open('leader')
    await check(o, [
      [
        'duty (leader) drawer',
        async () => {
          await o.page.goto(`${server.url}/duty`)
          const row = o.page.locator('[data-test="case-row"]').first()
          await row.waitFor({ timeout: 15_000 })
          await row.locator('[data-test="case-township"]').click()
          await o.page.locator('[data-test="drawer-state"]').waitFor({ timeout: 10_000 })
        },
      ],
    ])
  })

  it('township page as the township officer, and a refused deep link', async () => {
    const o = await open('township')
    await check(o, [
      [
        'township page',
        async () => {
          await o.page.goto(`${server.url}/township/${OWN_TOWNSHIP}`)
          await o.page.locator('[data-test="township-score"]').waitFor({ timeout: 15_000 })
          await o.page.locator('[data-test="township-alerts"] [data-test="alert-row"]').first().waitFor({ timeout: 15_000 })
          await o.page.locator('[data-test="township-events"] [data-test="event"]').first().waitFor({ timeout: 15_000 })
        },
      ],
      [
        'refused (rules as township)',
        async () => {
          await o.page.goto(`${server.url}/rules`)
          await o.page.locator('[data-test="refused-reason"]').waitFor({ timeout: 15_000 })
        },
      ],
    ])
  })

  it('ledger imports as duty: the form, a preview with refused rows, the record of an import', async () => {
    const o = await open('duty')
    const ledger = ['来源,编号,乡镇,类别,发生时间', `矛盾纠纷,A11Y-1,${OWN_TOWNSHIP},邻里,2026-10-05 09:30`, `矛盾纠纷,A11Y-2,不存在镇,邻里,2026-13-45 09:30`].join('\n')
    await check(o, [
      [
        'imports form',
        async () => {
          await o.page.goto(`${server.url}/imports`)
          await o.page.locator('[data-test="imports-screen"]').waitFor({ timeout: 15_000 })
        },
      ],
      [
        'imports preview',
        async () => {
          await o.page.locator('[data-test="import-file"]').setInputFiles({ name: '台账.csv', mimeType: 'text/csv', buffer: Buffer.from(ledger) })
          await o.page.locator('[data-test="import-preview"]').click()
          await o.page.locator('[data-test="import-refused-row"]').first().waitFor({ timeout: 15_000 })
        },
      ],
      [
        'imports done',
        async () => {
          await o.page.locator('[data-test="import-confirm"]').click()
          await o.page.locator('[data-test="import-history-row"]').first().waitFor({ timeout: 15_000 })
        },
      ],
    ])
  })

  it('rules workbench as the analyst: a draft in each tab, its backtest and diff, a CEL error', async () => {
    const o = await open('analyst', { width: 1440, height: 1000 })
    await o.page.goto(`${server.url}/rules`)
    await o.page.locator('[data-test="rule-card"]').first().waitFor({ timeout: 15_000 })
    await o.page.locator(`[data-test="rules-version-${draftId}"]`).click()
    await o.page.locator('[data-test="rules-status-chip"][data-status="draft"]').first().waitFor()
    const tabs = await eachTab(o, 'rules-tab-', async (tab) => {
      const panel: Record<string, string> = { editor: 'rule-card', json: 'rules-json-editor', backtest: 'backtest-panel', history: 'history-diff', calendar: 'calendar-panel' }
      if (panel[tab]) await o.page.locator(`[data-test="${panel[tab]}"]`).first().waitFor({ timeout: 15_000 })
      if (tab === 'backtest') {
        await o.page.locator('[data-test="backtest-run"]').click()
        await o.page.locator('[data-test="backtest-diff-row"]').first().waitFor({ timeout: 30_000 })
      }
    })
    const celError: [string, () => Promise<void>] = [
      'rules editor with a CEL error',
      async () => {
        await o.page.locator('[data-test="rules-tab-editor"]').click()
        const content = o.page.locator('[data-test="rule-card"]').first().locator('[data-test="rule-when"] .cm-content')
        await content.click()
        await o.page.keyboard.press('Control+A')
        await o.page.keyboard.type("peopleCount >= 'five'")
        await o.page.locator('[data-test="cel-error"]').first().waitFor({ timeout: 10_000 })
      },
    ]
    await check(o, [...tabs, celError])
  })

  it('admin screen as the administrator: each tab and notification panel, a disabled account, a once-shown token, a user being edited', async () => {
    const o = await open('admin')
    await o.page.goto(`${server.url}/admin`)
    await o.page.locator('[data-test="user-row-e2e-a11y-retired"].disabled').waitFor({ timeout: 15_000 })
    const tabs = await eachTab(o, 'admin-tab-', async (tab) => {
      if (tab === 'users') await o.page.locator('[data-test="user-row-e2e-a11y-retired"].disabled').waitFor()
      if (tab === 'audit') await o.page.locator('[data-test="audit-row"]').first().waitFor()
    })
    const parts: Array<[string, () => Promise<void>]> = ['channels', 'routes', 'roster', 'outbox'].map((p) => [
      `admin notify ${p}`,
      async () => {
        await o.page.locator('[data-test="admin-tab-notify"]').click()
        await o.page.locator(`[data-test="notify-part-${p}"]`).click()
      },
    ])
    const secret: [string, () => Promise<void>] = [
      'admin feed token shown once',
      async () => {
        await o.page.locator('[data-test="admin-tab-feeds"]').click()
        await o.page.locator('[data-test="feed-name"]').fill('e2e-a11y-feed')
        await o.page.locator('[data-test="feed-create"]').click()
        await o.page.locator('[data-test="once-secret"]').waitFor()
      },
    ]
    const editUser: [string, () => Promise<void>] = [
      'admin user edit row',
      async () => {
        await o.page.locator('[data-test="admin-tab-users"]').click()
        await o.page.locator('[data-test="user-edit-duty"]').click()
        await o.page.locator('[data-test="user-edit-form"]').waitFor()
      },
    ]
    await check(o, [...tabs, ...parts, secret, editUser])
  })

  it('visited every screen of the client router', () => {
    expect(routeNames.length).toBeGreaterThan(0)
    expect([...visited].sort()).toEqual([...routeNames].sort())
  })
})
