import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { SVGRenderer } from 'echarts/renderers'
import { use } from 'echarts/core'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { defineComponent } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { i18n, setLocale } from '../../client/src/i18n/index.ts'
import type { Alert } from '#contract/api.ts'
import ConnectionBadge from '../../client/src/components/ConnectionBadge.vue'
import WallScreen from '../../client/src/screens/wall/WallScreen.vue'
import { FakeSocket } from './helpers/fake-socket.ts'
import { alertJson } from './helpers/alert.ts'

// happy-dom has no canvas: the charts render through SVG here.
use([SVGRenderer])

const sockets: FakeSocket[] = []
vi.mock('socket.io-client', () => ({
  io: (uri: string, options: Record<string, unknown>) => {
    const socket = new FakeSocket(uri, options)
    sockets.push(socket)
    return socket
  },
}))

const NAMES = ['城关街道', '青石镇', '柳溪镇', '白塘乡', '云岭乡', '松塘镇', '枫林乡', '望岭镇', '栗木乡', '双溪镇', '鹿鸣乡', '杉坪乡']
const code = (i: number) => `990100${String(i + 1).padStart(3, '0')}`
const level = (s: number) => (s >= 80 ? 'red' : s >= 55 ? 'orange' : s >= 30 ? 'yellow' : 'blue')
const TOWNSHIPS = NAMES.map((name, i) => {
  const score = (i * 37) % 90
  return { code: code(i), name, kind: 'town', tags: [], seat: [100 + (i % 4), 30 + Math.floor(i / 4)], population: 1000, score, level: level(score), silent: false, updatedAt: null }
})
const GEO = {
  type: 'FeatureCollection',
  features: NAMES.map((name, i) => {
    const x = 100 + (i % 4)
    const y = 30 + Math.floor(i / 4)
    return {
      type: 'Feature',
      properties: { code: code(i), name, center: [x + 0.5, y + 0.5] },
      geometry: { type: 'Polygon', coordinates: [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]] },
    }
  }),
}

const redAlert = (over: Partial<Alert> = {}): Alert =>
  alertJson({ id: 501, township: { code: code(3), name: NAMES[3] as string }, ruleId: 'collective-petition', raisedAt: new Date().toISOString(), ...over })

type Routes = Record<string, () => Response>
function stubFetch(overrides: Routes = {}) {
  const routes: Routes = {
    '/api/v1/session': () => Response.json({ user: { username: 'leader', roles: ['leader'] }, csrfToken: 'x' }),
    '/api/v1/townships': () => Response.json(TOWNSHIPS),
    '/api/v1/geo/county': () => Response.json(GEO),
    '/api/v1/rulesets/live': () => Response.json({ document: { levels: { yellow: 25, orange: 50, red: 75 }, rules: [{ id: 'collective-petition', name: '集体访' }] } }),
    '/api/v1/alerts': () => Response.json({ items: [], nextCursor: null }),
    '/api/v1/events': () => Response.json({ items: [{ id: 1, source: 'petition', category: 'labour', township: code(0), occurredAt: new Date().toISOString() }], nextCursor: null }),
    ...overrides,
  }
  const calls: string[] = []
  vi.stubGlobal('fetch', async (input: string) => {
    calls.push(input)
    const path = input.split('?')[0] as string
    const route = routes[path]
    return route ? route() : Response.json({ error: { code: 'not_found', message: 'not found' } }, { status: 404 })
  })
  return calls
}

let wrapper: VueWrapper | null = null
let router: Router

async function mountWall(): Promise<VueWrapper> {
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/wall', component: WallScreen, meta: { chrome: false } },
      { path: '/login', component: defineComponent({ template: '<p>login</p>' }) },
    ],
  })
  await router.push('/wall')
  await router.isReady()
  wrapper = mount(WallScreen, { global: { plugins: [createPinia(), router, i18n] }, attachTo: document.body })
  await flushPromises()
  await flushPromises()
  return wrapper
}

const socket = () => sockets.at(-1) as FakeSocket
const badge = (w: VueWrapper) => w.get('[data-test="connection-badge"]')

beforeEach(() => {
  sockets.length = 0
  setLocale('zh-CN')
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  vi.unstubAllGlobals()
  setLocale('zh-CN')
})

describe('wall screen', () => {
  it('renders the 12 townships in the ranking, highest score first, and on the map list', async () => {
    stubFetch()
    const w = await mountWall()
    const rows = w.findAll('[data-test="ranking-row"]')
    expect(rows).toHaveLength(12)
    const scores = rows.map((r) => Number(r.attributes('data-score')))
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
    expect(rows[0]?.text()).toContain(TOWNSHIPS.reduce((a, b) => (b.score > a.score ? b : a)).name)
    expect(w.findAll('[data-test="map-township"]')).toHaveLength(12)
    expect(w.get('[data-test="county-map"]').attributes('data-map-ready')).toBe('true')
    // the legend's thresholds come from the live rule set
    expect(w.findAll('[data-test="map-legend"] [data-level]').map((li) => li.attributes('data-gte') ?? '')).toEqual(['75', '50', '25', ''])
    expect(w.get('[data-test="kpi-events-petition"]').text()).toContain('1')
  })

  it('fetches the boundaries again on geo:updated (an upload or restore), without a reload', async () => {
    const calls = stubFetch()
    await mountWall()
    const geoFetches = () => calls.filter((c) => c.startsWith('/api/v1/geo/county')).length
    expect(geoFetches()).toBe(1)
    socket().serverEmit('connect')
    socket().serverEmit('geo:updated', { version: 4 })
    await flushPromises()
    expect(geoFetches()).toBe(2)
    socket().serverEmit('geo:updated', { version: 2 })
    await flushPromises()
    expect(geoFetches()).toBe(3)
  })

  it('shows a new or renamed township on regions:updated, without a reload', async () => {
    let townships = TOWNSHIPS
    stubFetch({ '/api/v1/townships': () => Response.json(townships) })
    const w = await mountWall()
    socket().serverEmit('connect')
    expect(w.findAll('[data-test="ranking-row"]')).toHaveLength(12)
    expect(w.get(`[data-test="ranking-row"][data-code="${code(1)}"]`).text()).toContain('青石镇')
    townships = [...TOWNSHIPS.map((t) => (t.code === code(1) ? { ...t, name: '青石街道' } : t)), { ...TOWNSHIPS[0]!, code: '990100013', name: '新港镇', score: 99, level: 'red' }]
    socket().serverEmit('regions:updated', { codes: [code(1), '990100013'], townships: true })
    await flushPromises()
    // The ranking (the top 12) now leads with the new township and carries the new name.
    const rows = w.findAll('[data-test="ranking-row"]')
    expect(rows[0]!.attributes('data-code')).toBe('990100013')
    expect(rows[0]!.text()).toContain('新港镇')
    expect(w.get(`[data-test="ranking-row"][data-code="${code(1)}"]`).text()).toContain('青石街道')
  })

  it('shows the connection state: connecting, online, then offline with the data age', async () => {
    stubFetch()
    const w = await mountWall()
    expect(badge(w).attributes('data-state')).toBe('connecting')
    socket().serverEmit('connect')
    await flushPromises()
    expect(badge(w).attributes('data-state')).toBe('online')
    expect(badge(w).text()).toBe('在线 · 实时')
    socket().serverEmit('disconnect', 'transport close')
    await flushPromises()
    expect(badge(w).attributes('data-state')).toBe('offline')
    expect(badge(w).text()).toBe('离线 · 数据更新于 刚刚')
    setLocale('en')
    await flushPromises()
    expect(badge(w).text()).toBe('Offline · data from just now')
  })

  it('shows the gap while connected to a server that lost its database, and clears it when the data returns', async () => {
    stubFetch()
    const w = await mountWall()
    socket().serverEmit('connect')
    socket().serverEmit('risk:snapshot', { townships: TOWNSHIPS.map((t) => ({ township: t.code, name: t.name, silent: false, updatedAt: null, score: 1, level: 'blue' })), alerts: [], seq: 5 })
    await flushPromises()
    expect(badge(w).attributes('data-state')).toBe('online')
    socket().serverEmit('system:status', { database: 'down', since: new Date().toISOString() })
    await flushPromises()
    expect(badge(w).attributes('data-state')).toBe('interrupted')
    expect(badge(w).text()).toBe('数据中断 · 数据更新于 刚刚')
    socket().serverEmit('system:status', { database: 'ok', since: new Date().toISOString() })
    await flushPromises()
    expect(badge(w).attributes('data-state')).toBe('online')
    // A reconnect's fresh snapshot also ends it (the status message may have been missed while away).
    socket().serverEmit('system:status', { database: 'down', since: new Date().toISOString() })
    socket().serverEmit('risk:snapshot', { townships: TOWNSHIPS.map((t) => ({ township: t.code, name: t.name, silent: false, updatedAt: null, score: 1, level: 'blue' })), alerts: [], seq: 5 })
    await flushPromises()
    expect(badge(w).attributes('data-state')).toBe('online')
  })

  it('applies the snapshot and live changes without re-creating the charts', async () => {
    stubFetch()
    const w = await mountWall()
    const inits = () => w.findAll('[data-chart-inits]').map((el) => el.attributes('data-chart-inits'))
    expect(inits().every((n) => n === '1')).toBe(true)
    socket().serverEmit('connect')
    socket().serverEmit('risk:snapshot', { townships: TOWNSHIPS.map((t) => ({ township: t.code, name: t.name, silent: false, updatedAt: null, score: 1, level: 'blue' })), alerts: [], seq: 5 })
    socket().serverEmit('risk:changed', { changes: [{ township: code(11), score: 91, level: 'red' }], seq: 6 })
    for (let i = 0; i < 20; i++) socket().serverEmit('event:new', { event: { id: 100 + i, source: 'incident', category: 'traffic', township: code(i % 12), occurredAt: new Date().toISOString() }, seq: 7 + i })
    await flushPromises()
    const first = w.get('[data-test="ranking-row"]')
    expect(first.attributes('data-code')).toBe(code(11))
    expect(first.attributes('data-level')).toBe('red')
    expect(w.get(`[data-test="map-township"][data-code="${code(11)}"]`).attributes('data-color')).toMatch(/^#/)
    expect(w.findAll('[data-test="event-item"]').length).toBeGreaterThan(0)
    expect(inits().every((n) => n === '1')).toBe(true)
    expect(socket().auth()).toEqual({ offset: 26 })
  })

  it('flashes for a new red alert until it is acknowledged', async () => {
    stubFetch()
    const w = await mountWall()
    socket().serverEmit('connect')
    socket().serverEmit('alert:new', { alert: redAlert(), seq: 10 })
    await flushPromises()
    expect(w.find('[data-test="red-flash"]').exists()).toBe(true)
    const item = w.get('[data-test="ticker-item"]')
    expect(item.attributes('data-state')).toBe('new')
    expect(item.text()).toContain('集体访')
    expect(w.get(`[data-test="map-township"][data-code="${code(3)}"]`).attributes('data-pulsing')).toBe('red')
    // a stale replay of the same alert does not bring the flash back once acknowledged
    socket().serverEmit('alert:updated', { alert: redAlert({ state: 'acknowledged', version: 2 }), seq: 11 })
    socket().serverEmit('alert:updated', { alert: redAlert({ state: 'new', version: 1 }), seq: 10 })
    await flushPromises()
    expect(w.find('[data-test="red-flash"]').exists()).toBe(false)
    expect(w.get('[data-test="ticker-item"]').attributes('data-state')).toBe('acknowledged')
  })

  it('names the first three townships of the red alerts and counts them all', async () => {
    stubFetch()
    const w = await mountWall()
    socket().serverEmit('connect')
    for (let i = 0; i < 4; i++) socket().serverEmit('alert:new', { alert: redAlert({ id: 600 + i, township: { code: code(i), name: NAMES[i] as string } }), seq: 20 + i })
    await flushPromises()
    const banner = w.get('[data-test="red-flash"]').text()
    expect(NAMES.slice(0, 4).filter((n) => banner.includes(n))).toHaveLength(3)
    expect(banner).toContain('等 4 个乡镇')
    setLocale('en')
    await flushPromises()
    expect(w.get('[data-test="red-flash"]').text()).toContain('+1 more')
    setLocale('zh-CN')
  })

  it('names the newest unsigned red or orange township first, and keeps an unsigned red on the ticker while it pages', async () => {
    // Only the ticker's page timer is faked; promises and timeouts run as usual.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    onTestFinished(() => void vi.useRealTimers())
    stubFetch()
    const w = await mountWall()
    socket().serverEmit('connect')
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString()
    socket().serverEmit('alert:new', { alert: redAlert({ id: 700, level: 'red', raisedAt: minutesAgo(30) }), seq: 30 })
    // Ten older yellow alerts: the ticker has more than a page.
    for (let i = 0; i < 10; i++) socket().serverEmit('alert:new', { alert: redAlert({ id: 710 + i, level: 'yellow', township: { code: code(i), name: NAMES[i] as string }, raisedAt: minutesAgo(40 + i) }), seq: 31 + i })
    socket().serverEmit('alert:new', { alert: redAlert({ id: 701, level: 'orange', township: { code: code(7), name: NAMES[7] as string }, raisedAt: minutesAgo(1) }), seq: 45 })
    await flushPromises()
    const flash = w.get('[data-test="red-flash"]')
    expect(flash.attributes('data-level')).toBe('red')
    expect(flash.attributes('data-towns')?.split(',')).toEqual([NAMES[7], NAMES[3]])
    const ids = () => w.findAll('[data-test="ticker-item"]').map((el) => el.attributes('data-id'))
    const first = ids()
    expect(first[0]).toBe('700')
    vi.advanceTimersByTime(8_000)
    await flushPromises()
    const second = ids()
    expect(second[0]).toBe('700')
    expect(second.slice(1)).not.toEqual(first.slice(1))
    // Signed for: the red leaves the banner and the top; the orange is called out alone.
    socket().serverEmit('alert:updated', { alert: redAlert({ id: 700, level: 'red', state: 'acknowledged', version: 2, raisedAt: minutesAgo(30) }), seq: 46 })
    await flushPromises()
    expect(w.get('[data-test="red-flash"]').attributes('data-level')).toBe('orange')
    expect(w.get('[data-test="red-flash"]').attributes('data-towns')).toBe(NAMES[7])
    expect(w.find('[data-test="ticker-item"][data-pinned="true"]').exists()).toBe(false)
  })

  it('catches up on reconnect: offset sent, snapshot applied, missed alert changes replayed, missed events fetched', async () => {
    const calls = stubFetch()
    const w = await mountWall()
    socket().serverEmit('connect')
    socket().serverEmit('risk:snapshot', { townships: TOWNSHIPS.map((t) => ({ township: t.code, name: t.name, silent: false, updatedAt: null, score: t.score, level: t.level })), alerts: [redAlert()], seq: 40 })
    await flushPromises()
    expect(w.find('[data-test="red-flash"]').exists()).toBe(true)
    socket().serverEmit('disconnect', 'transport close')
    await flushPromises()
    expect(badge(w).attributes('data-state')).toBe('offline')
    // Socket.IO reconnects by itself and calls auth() again: the offset is the last seq seen
    expect(socket().auth()).toEqual({ offset: 40 })
    const before = calls.length
    socket().serverEmit('connect')
    socket().serverEmit('risk:snapshot', { townships: TOWNSHIPS.map((t) => ({ township: t.code, name: t.name, silent: false, updatedAt: null, score: t.code === code(5) ? 88 : 2, level: t.code === code(5) ? 'red' : 'blue' })), alerts: [], seq: 45 })
    socket().serverEmit('alert:updated', { alert: redAlert({ state: 'acknowledged', version: 2 }), seq: 44 })
    await flushPromises()
    expect(badge(w).attributes('data-state')).toBe('online')
    expect(w.get('[data-test="ranking-row"]').attributes('data-code')).toBe(code(5))
    expect(w.find('[data-test="red-flash"]').exists()).toBe(false)
    expect(w.get('[data-test="ticker-item"]').attributes('data-state')).toBe('acknowledged')
    const eventCalls = calls.slice(before).filter((u) => u.startsWith('/api/v1/events?'))
    expect(eventCalls).toHaveLength(1)
    expect(Date.parse(new URL(eventCalls[0] as string, 'http://x').searchParams.get('from') as string)).toBeGreaterThan(Date.now() - 5 * 60_000)
    expect(socket().auth()).toEqual({ offset: 45 })
  })

  it('shows text from the data as text, never as markup', async () => {
    stubFetch()
    const w = await mountWall()
    socket().serverEmit('alert:new', { alert: redAlert({ id: 9, level: 'orange', township: { code: code(0), name: '<img src=x onerror=alert(1)>' } }), seq: 3 })
    await flushPromises()
    expect(w.find('[data-test="alert-ticker"] img').exists()).toBe(false)
    expect(w.get('[data-test="ticker-item"]').text()).toContain('<img src=x onerror=alert(1)>')
  })

  it('shows empty states when the alerts and events APIs are missing', async () => {
    const missing = () => Response.json({ error: { code: 'not_found', message: 'nope' } }, { status: 404 })
    stubFetch({ '/api/v1/alerts': missing, '/api/v1/events': missing, '/api/v1/rulesets/live': missing })
    const w = await mountWall()
    expect(w.find('[data-test="alerts-unavailable"]').exists()).toBe(true)
    expect(w.find('[data-test="events-unavailable"]').exists()).toBe(true)
    expect(w.get('[data-test="kpi-resolved"]').text()).toContain('—')
    expect(w.findAll('[data-test="ranking-row"]')).toHaveLength(12)
    expect(w.get('[data-test="map-legend"]').attributes('data-source')).toBe('default')
  })

  // Signed-out visitors never reach the wall (the router's session guard, tests/client/session.test.ts);
  // a kiosk session that ends while the wall runs shows up as a 401 on its data.
  it('goes to the login page when its session ends while it runs', async () => {
    stubFetch({ '/api/v1/geo/county': () => Response.json({ error: { code: 'unauthorized', message: 'sign in' } }, { status: 401 }) })
    await mountWall()
    expect(router.currentRoute.value.path).toBe('/login')
    expect(router.currentRoute.value.query['redirect']).toBe('/wall')
  })

  it('closes the socket and stops its timers on unmount', async () => {
    stubFetch()
    const w = await mountWall()
    const s = socket()
    w.unmount()
    wrapper = null
    expect(s.disconnectCalls).toBe(1)
    expect(s.listenerCount()).toBe(0)
  })
})

describe('connection badge', () => {
  it('shows how old the data is, in both languages', async () => {
    const props = { state: 'offline' as const, freshAt: 1_000_000, now: 1_000_000 + 3 * 60_000 }
    const w = mount(ConnectionBadge, { props, global: { plugins: [i18n] } })
    expect(w.text()).toBe('离线 · 数据更新于 3 分钟前')
    setLocale('en')
    await flushPromises()
    expect(w.text()).toBe('Offline · data from 3 min ago')
    await w.setProps({ state: 'connecting', freshAt: null })
    expect(w.text()).toBe('Connecting… · no data yet')
    await w.setProps({ state: 'online' })
    expect(w.attributes('data-state')).toBe('online')
    expect(w.text()).toBe('Online · live')
    w.unmount()
  })

  it('shows a database outage as interrupted data with its age, not as live', async () => {
    const props = { state: 'online' as const, freshAt: 1_000_000, now: 1_000_000 + 3 * 60_000, interrupted: true }
    const w = mount(ConnectionBadge, { props, global: { plugins: [i18n] } })
    expect(w.attributes('data-state')).toBe('interrupted')
    expect(w.text()).toBe('数据中断 · 数据更新于 3 分钟前')
    setLocale('en')
    await flushPromises()
    expect(w.text()).toBe('Data interrupted · data from 3 min ago')
    await w.setProps({ interrupted: false })
    expect(w.text()).toBe('Online · live')
    w.unmount()
  })
})
