import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '../../../client/src/i18n/index.ts'
import { resetApi } from '../../../client/src/lib/api.ts'
import DutyScreen from '../../../client/src/screens/duty/DutyScreen.vue'
import type { AlertJson } from '../../../client/src/screens/duty/types.ts'
import { alert } from './fixtures.ts'
import { FakeSocket, on, type Route, session, stubFetch } from './fake.ts'
import { useSessionStore } from '../../../client/src/stores/session.ts'

let wrapper: VueWrapper | null = null
let socket: FakeSocket

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
  i18n.global.locale.value = 'zh-CN'
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  vi.unstubAllGlobals()
})

const recent = (min: number) => new Date(Date.now() - min * 60_000).toISOString()
const townships = on('GET', /\/api\/v1\/townships$/, () => ({ status: 200, body: [{ code: '990100001', name: '城关镇', score: 40, level: 'yellow' }] }))
const list = (items: AlertJson[]): Route => on('GET', /\/api\/v1\/alerts\?/, () => ({ status: 200, body: { items, nextCursor: null } }))

async function mountDuty(...routes: Route[]): Promise<VueWrapper> {
  stubFetch(session, townships, ...routes)
  // The action buttons are the signed-in role's (client/src/access/screens.ts).
  useSessionStore().user = { username: 'duty', roles: ['duty'] }
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/duty', component: DutyScreen },
      { path: '/township/:code', component: { template: '<div />' } },
    ],
  })
  await router.push('/duty')
  wrapper = mount(DutyScreen, {
    props: {
      socketFactory: (uri: string, options: object) => {
        socket = new FakeSocket(uri, options as Record<string, unknown>)
        return socket.asSocket()
      },
    },
    global: { plugins: [router, i18n] },
    attachTo: document.body,
  })
  await flushPromises()
  return wrapper
}

const rows = (w: VueWrapper) => w.findAll('[data-test="alert-row"]')
const key = (k: string) => globalThis.dispatchEvent(new KeyboardEvent('keydown', { key: k }))

describe('duty screen', () => {
  it('shows an empty state when the alerts endpoint is missing', async () => {
    const w = await mountDuty()
    expect(w.find('[data-test="queue-unavailable"]').exists()).toBe(true)
    expect(rows(w)).toHaveLength(0)
  })

  it('lists alerts by level and age, adds new ones at the top and updates them in place', async () => {
    const w = await mountDuty(
      list([
        alert({ id: 1, level: 'orange', raisedAt: recent(12) }),
        alert({ id: 2, level: 'red', raisedAt: recent(90), township: { code: '990100002', name: '河西乡' } }),
      ]),
    )
    expect(rows(w).map((r) => r.attributes('data-id'))).toEqual(['2', '1'])
    expect(rows(w)[1]?.text()).toContain('12 分钟前')

    socket.serverEmit('connect')
    socket.serverEmit('alert:new', { alert: alert({ id: 3, level: 'red', raisedAt: recent(0) }), seq: 5 })
    await flushPromises()
    expect(rows(w).map((r) => r.attributes('data-id'))).toEqual(['3', '2', '1'])
    // The wall's badge, fed by the same live connection.
    expect(w.get('[data-test="connection-badge"]').attributes('data-state')).toBe('online')
    expect(w.get('[data-test="connection-text"]').text()).toContain('实时')

    socket.serverEmit('alert:updated', { alert: alert({ id: 1, level: 'orange', raisedAt: recent(12), state: 'acknowledged', version: 2 }), seq: 6 })
    await flushPromises()
    expect(w.find('[data-test="alert-row"][data-id="1"] [data-test="alert-state"]').text()).toBe('已签收')

    await w.find('[data-test="filter-level"]').setValue('orange')
    await flushPromises()
    expect(rows(w).map((r) => r.attributes('data-id'))).toEqual(['1'])
  })

  it('enables only the legal actions and validates the dispatch form before sending', async () => {
    const w = await mountDuty(list([alert({ id: 4, state: 'acknowledged', raisedAt: recent(30) })]), on('GET', /\/api\/v1\/alerts\/4$/, () => ({ status: 200, body: { alert: alert({ id: 4, state: 'acknowledged', raisedAt: recent(30) }), timeline: [], comments: [] } })))
    await rows(w)[0]!.trigger('click')
    await flushPromises()
    const enabled = (a: string) => !(w.find(`[data-test="action-${a}"]`).element as HTMLButtonElement).disabled
    expect(['ack', 'dispatch', 'resolve', 'close', 'escalate', 'comment'].filter(enabled)).toEqual(['dispatch', 'escalate', 'comment'])

    await w.find('[data-test="action-dispatch"]').trigger('click')
    await w.find('[data-test="field-department"]').setValue('城关镇综治办')
    await w.find('[data-test="field-deadline"]').setValue('2020-01-01T08:00')
    await w.find('[data-test="form-dispatch"]').trigger('submit')
    await flushPromises()
    expect(w.find('[data-test="error-leadOfficial"]').text()).toBe('必填')
    expect(w.find('[data-test="error-deadline"]').text()).toBe('时限须晚于当前时间')
    expect(w.find('[data-test="error-department"]').exists()).toBe(false)
    const posts = (fetch as unknown as { mock: { calls: Array<[string, RequestInit?]> } }).mock.calls.filter(([, init]) => init?.method === 'POST')
    expect(posts).toHaveLength(0)
  })

  it('says who changed an alert when an action meets a 409, and shows the refreshed state', async () => {
    // Shown in the centre's zone (TZ_DISPLAY, Asia/Shanghai by default), whatever the browser's zone.
    const at = '2026-11-23T10:42:00+08:00'
    let refreshed = false
    const w = await mountDuty(
      list([alert({ id: 5, state: 'new', raisedAt: recent(3) })]),
      on('POST', /\/api\/v1\/alerts\/5\/ack$/, () => {
        refreshed = true
        return { status: 409, body: { error: { code: 'stale', message: 'stale version' } } }
      }),
      on('GET', /\/api\/v1\/alerts\/5$/, () => ({
        status: 200,
        body: refreshed
          ? {
              alert: alert({ id: 5, state: 'acknowledged', version: 2, raisedAt: recent(3) }),
              timeline: [{ seq: 9, at, actor: '张三', action: 'ack', fromState: 'new', toState: 'acknowledged', note: null, payload: null }],
              comments: [],
            }
          : { alert: alert({ id: 5, state: 'new', raisedAt: recent(3) }), timeline: [], comments: [] },
      })),
    )
    // Keyboard: j selects the first row, a acknowledges it.
    key('j')
    await flushPromises()
    expect(rows(w)[0]?.classes()).toContain('selected')
    key('a')
    await flushPromises()
    await flushPromises()
    expect(w.find('[data-test="notice"]').text()).toContain('已被 张三 于 10:42 更新，已刷新')
    expect(w.find('[data-test="drawer-state"]').attributes('data-state')).toBe('acknowledged')
    expect(w.find('[data-test="timeline-entry"]').text()).toContain('张三')
    expect((w.find('[data-test="action-ack"]').element as HTMLButtonElement).disabled).toBe(true)
    expect((w.find('[data-test="action-dispatch"]').element as HTMLButtonElement).disabled).toBe(false)

    key('Escape')
    await flushPromises()
    expect(w.find('[data-test="alert-drawer"]').exists()).toBe(false)
  })

  it('shows a township explanation and contributing events as text', async () => {
    const a = alert({ id: 8, raisedAt: recent(3), lastEvent: { id: 77, source: 'petition', sourceSystem: '12345', externalId: 'X-1', occurredAt: recent(4) } })
    const w = await mountDuty(
      list([a]),
      on('GET', /\/api\/v1\/alerts\/8$/, () => ({ status: 200, body: { alert: a, timeline: [], comments: [] } })),
      on('GET', /\/api\/v1\/townships\/990100001$/, () => ({
        status: 200,
        body: {
          code: '990100001',
          name: '城关镇',
          score: 62,
          level: 'orange',
          explanation: { score: 62, level: 'orange', silent: false, signals: [{ ruleId: 'collective-petition', ruleName: '集体访', kind: 'trigger', points: 25, pointsNow: 21.4, at: recent(4), eventIds: [77], factor: 1 }] },
        },
      })),
      on('GET', /\/api\/v1\/events\/77$/, () => ({
        status: 200,
        body: { id: 77, source: 'petition', category: 'labour', occurredAt: recent(4), title: '<b>讨薪</b>', peopleCount: 12, parties: [{ name: '李*', phone: '138****0000' }] },
      })),
    )
    await rows(w)[0]!.trigger('click')
    await flushPromises()
    expect(w.find('[data-test="signal"]').text()).toContain('集体访')
    expect(w.find('[data-test="signal"]').text()).toContain('21.4')
    const event = w.find('[data-test="event"]')
    expect(event.text()).toContain('<b>讨薪</b>')
    expect(event.find('b').exists()).toBe(false)
    expect(event.text()).toContain('劳动社保')
    expect(w.find('[data-test="event-parties"]').text()).toContain('138****0000')
  })
})
