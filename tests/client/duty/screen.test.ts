import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '../../../client/src/i18n/index.ts'
import { resetApi } from '../../../client/src/lib/api.ts'
import DutyScreen from '../../../client/src/screens/duty/DutyScreen.vue'
import type { CaseJson } from '../../../client/src/screens/duty/types.ts'
import type { Alert } from '#contract/api.ts'
import { caseJson, caseRow } from '../helpers/case.ts'
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
// The queue lists cases (docs/architecture.md §6, "Cases"): a row per case, its alerts inside.
const list = (items: Array<CaseJson & { alerts: Alert[] }>): Route => on('GET', /\/api\/v1\/cases\?/, () => ({ status: 200, body: { items, nextCursor: null } }))
/** A case of one alert, as the list sends it: the case takes the alert's id, level, township and state. */
const single = (a: Alert, over: Partial<CaseJson> = {}) =>
  caseRow({ id: Number(a.id), level: a.level, status: a.state, township: a.township, openedAt: a.raisedAt, version: a.version, department: a.department, deadline: a.deadline, ...over }, [a])
const detailOf = (c: CaseJson & { alerts: Alert[] }, timeline: unknown[] = []) => {
  const { alerts, ...kase } = c
  return { case: kase, alerts, timeline }
}

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

const rows = (w: VueWrapper) => w.findAll('[data-test="case-row"]')
const key = (k: string) => globalThis.dispatchEvent(new KeyboardEvent('keydown', { key: k }))

describe('duty screen', () => {
  it('shows an empty state when the cases endpoint is missing', async () => {
    const w = await mountDuty()
    expect(w.find('[data-test="queue-unavailable"]').exists()).toBe(true)
    expect(rows(w)).toHaveLength(0)
  })

  it('lists cases by level and age, adds new ones at the top and updates them in place', async () => {
    const w = await mountDuty(
      list([
        single(alert({ id: 1, level: 'orange', raisedAt: recent(12) })),
        single(alert({ id: 2, level: 'red', raisedAt: recent(90), township: { code: '990100002', name: '河西乡' } })),
      ]),
    )
    expect(rows(w).map((r) => r.attributes('data-id'))).toEqual(['2', '1'])
    expect(rows(w)[1]?.text()).toContain('12 分钟前')

    socket.serverEmit('connect')
    socket.serverEmit('alert:new', { alert: alert({ id: 3, level: 'red', raisedAt: recent(0), caseId: 3 }), seq: 5 })
    socket.serverEmit('case:new', { case: caseJson({ id: 3, level: 'red', openedAt: recent(0), alertIds: [3], alertCount: 1 }), seq: 5 })
    await flushPromises()
    expect(rows(w).map((r) => r.attributes('data-id'))).toEqual(['3', '2', '1'])
    // The wall's badge, fed by the same live connection.
    expect(w.get('[data-test="connection-badge"]').attributes('data-state')).toBe('online')
    expect(w.get('[data-test="connection-text"]').text()).toContain('实时')

    socket.serverEmit('alert:updated', { alert: alert({ id: 1, level: 'orange', raisedAt: recent(12), state: 'acknowledged', version: 2, caseId: 1 }), seq: 6 })
    socket.serverEmit('case:updated', { case: caseJson({ id: 1, level: 'orange', openedAt: recent(12), status: 'acknowledged', version: 2, alertIds: [1], alertCount: 1 }), seq: 6 })
    await flushPromises()
    expect(w.find('[data-test="case-row"][data-id="1"] [data-test="case-state"]').text()).toBe('已签收')

    await w.find('[data-test="filter-level"]').setValue('orange')
    await flushPromises()
    expect(rows(w).map((r) => r.attributes('data-id'))).toEqual(['1'])
  })

  it('enables only the legal actions and validates the dispatch form before sending', async () => {
    const row = single(alert({ id: 4, state: 'acknowledged', raisedAt: recent(30) }))
    const w = await mountDuty(list([row]), on('GET', /\/api\/v1\/cases\/4$/, () => ({ status: 200, body: detailOf(row) })))
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

  it('says who changed a case when an action meets a 409, and shows the refreshed state', async () => {
    // Shown in the centre's zone (TZ_DISPLAY, Asia/Shanghai by default), whatever the browser's zone.
    const at = '2026-11-23T10:42:00+08:00'
    let refreshed = false
    const before = single(alert({ id: 5, state: 'new', raisedAt: recent(3) }))
    const after = single(alert({ id: 5, state: 'acknowledged', version: 2, raisedAt: recent(3) }))
    const posts: unknown[] = []
    const w = await mountDuty(
      list([before]),
      on('POST', /\/api\/v1\/cases\/5\/ack$/, (c) => {
        refreshed = true
        posts.push(c.body)
        const { alerts, ...kase } = after
        return { status: 409, body: { error: { code: 'stale', message: 'case 5 was changed: you sent version 1, it is now version 2; reload and decide again' }, case: kase, alerts } }
      }),
      on('GET', /\/api\/v1\/cases\/5$/, () => ({
        status: 200,
        body: refreshed ? detailOf(after, [{ seq: 9, alertId: 5, at, actor: '张三', action: 'ack', fromState: 'new', toState: 'acknowledged', note: null, payload: null }]) : detailOf(before),
      })),
    )
    // Keyboard: j selects the first row, a acknowledges it.
    key('j')
    await flushPromises()
    expect(rows(w)[0]?.classes()).toContain('selected')
    key('a')
    await flushPromises()
    await flushPromises()
    // The case's version went with it, and the server's English never reaches the screen.
    expect(posts).toEqual([{ version: 1 }])
    expect(w.find('[data-test="notice"]').text()).toContain('已被 张三 于 10:42 更新，已刷新')
    expect(w.find('[data-test="notice"]').text()).not.toContain('version')
    expect(w.find('[data-test="drawer-state"]').attributes('data-state')).toBe('acknowledged')
    expect(w.find('[data-test="timeline-entry"]').text()).toContain('张三')
    expect((w.find('[data-test="action-ack"]').element as HTMLButtonElement).disabled).toBe(true)
    expect((w.find('[data-test="action-dispatch"]').element as HTMLButtonElement).disabled).toBe(false)

    key('Escape')
    await flushPromises()
    expect(w.find('[data-test="case-drawer"]').exists()).toBe(false)
  })

  it('shows a township explanation and contributing events as text', async () => {
    const a = alert({ id: 8, raisedAt: recent(3), lastEvent: { id: 77, source: 'petition', sourceSystem: '12345', externalId: 'X-1', occurredAt: recent(4) } })
    const row = single(a)
    const w = await mountDuty(
      list([row]),
      on('GET', /\/api\/v1\/cases\/8$/, () => ({ status: 200, body: detailOf(row) })),
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

describe('duty screen: cases', () => {
  const massAlert = (over: Partial<Alert> = {}) => alert({ id: 21, ruleId: 'mass-incident', ruleName: '群体性事件', level: 'red', raisedAt: recent(2), caseId: 20, ...over })
  const levelAlert = (over: Partial<Alert> = {}) => alert({ id: 22, ruleId: null, ruleName: null, level: 'red', raisedAt: recent(2), caseId: 20, ...over })
  const event = { id: 77, source: 'incident', category: 'mass', peopleCount: 30, severity: 4, village: null, occurredAt: recent(3) }

  it('shows one row per case: what happened, its members on demand and the acknowledgement countdown', async () => {
    const row = caseRow({ id: 20, level: 'red', status: 'new', openedAt: recent(2), ackDeadline: new Date(Date.now() + 8 * 60_000 + 30_000).toISOString(), event }, [massAlert(), levelAlert()])
    const late = caseRow({ id: 19, level: 'orange', status: 'new', openedAt: recent(45), ackDeadline: recent(15) }, [alert({ id: 18, level: 'orange', raisedAt: recent(45) })])
    const w = await mountDuty(list([row, late]))
    expect(rows(w).map((r) => r.attributes('data-id'))).toEqual(['20', '19'])
    const first = w.get('[data-test="case-row"][data-id="20"]')
    expect(first.get('[data-test="case-what"]').text()).toContain('群体性事件')
    expect(first.get('[data-test="case-what"]').text()).toContain('30 人')
    expect(first.text()).toContain('2 条预警')
    expect(first.get('[data-test="case-countdown"]').attributes('data-kind')).toBe('ack')
    expect(first.get('[data-test="case-countdown"]').text()).toBe('剩余 8 分钟')
    expect(first.text()).toContain('签收')
    // Past the acknowledgement deadline: overdue, in red.
    const overdue = w.get('[data-test="case-row"][data-id="19"] [data-test="case-countdown"]')
    expect(overdue.attributes('data-overdue')).toBe('true')
    expect(overdue.text()).toBe('已超期 15 分钟')

    expect(w.find('[data-test="case-members"]').exists()).toBe(false)
    await first.get('[data-test="case-members-toggle"]').trigger('click')
    // Expanding does not open the drawer.
    expect(w.find('[data-test="case-drawer"]').exists()).toBe(false)
    const members = w.findAll('[data-test="case-members"] [data-test="case-member"]')
    expect(members.map((m) => m.text().replace(/\s+/g, ' '))).toEqual([expect.stringContaining('群体性事件'), expect.stringContaining('等级预警')])
  })

  it('counts down the handling deadline once dispatched', async () => {
    const deadline = new Date(Date.now() + 26 * 3_600_000 + 60_000).toISOString()
    const row = caseRow({ id: 30, status: 'dispatched', openedAt: recent(300), ackDeadline: recent(290), deadline, department: '县信访局' }, [alert({ id: 31, state: 'dispatched', deadline, caseId: 30 })])
    const w = await mountDuty(list([row]))
    const clock = w.get('[data-test="case-row"][data-id="30"] [data-test="case-countdown"]')
    expect(clock.attributes('data-kind')).toBe('handle')
    expect(clock.text()).toBe('剩余 1 天 2 小时')
  })

  it('acknowledges the case once, with its version, and both members follow', async () => {
    const row = caseRow({ id: 20, level: 'red', status: 'new', openedAt: recent(2), ackDeadline: new Date(Date.now() + 600_000).toISOString(), event, version: 3 }, [massAlert(), levelAlert()])
    const acked = caseRow({ ...row, status: 'acknowledged', version: 4, acknowledgedAt: recent(0) }, [massAlert({ state: 'acknowledged', version: 2 }), levelAlert({ state: 'acknowledged', version: 2 })])
    let signed = false
    const posts: Array<{ url: string; body: unknown }> = []
    const w = await mountDuty(
      list([row]),
      on('GET', /\/api\/v1\/cases\/20$/, () => ({ status: 200, body: detailOf(signed ? acked : row) })),
      on('POST', /\/api\/v1\/cases\/20\/ack$/, (c) => {
        signed = true
        posts.push({ url: c.url, body: c.body })
        const { alerts, ...kase } = acked
        return { status: 200, body: { case: kase, alerts, seq: 40 } }
      }),
    )
    await rows(w)[0]!.trigger('click')
    await flushPromises()
    expect(w.findAll('[data-test="drawer-member"]').map((m) => m.attributes('data-state'))).toEqual(['new', 'new'])
    await w.get('[data-test="action-ack"]').trigger('click')
    await flushPromises()
    expect(posts).toEqual([{ url: '/api/v1/cases/20/ack', body: { version: 3 } }])
    expect(w.get('[data-test="drawer-state"]').attributes('data-state')).toBe('acknowledged')
    expect(w.findAll('[data-test="drawer-member"]').map((m) => m.attributes('data-state'))).toEqual(['acknowledged', 'acknowledged'])
    expect(w.get('[data-test="case-row"][data-id="20"] [data-test="case-state"]').text()).toBe('已签收')
    expect(w.get('[data-test="notice"]').text()).toContain('已签收')
  })

  it('tells an illegal action and a failure in Chinese, never the server’s English', async () => {
    const row = caseRow({ id: 40, status: 'acknowledged', openedAt: recent(20) }, [alert({ id: 41, state: 'acknowledged', caseId: 40 })])
    const resolved = caseRow({ ...row, status: 'resolved', version: 3 }, [alert({ id: 41, state: 'resolved', caseId: 40, version: 3 })])
    let moved = false
    const w = await mountDuty(
      list([row]),
      on('GET', /\/api\/v1\/cases\/40$/, () => ({ status: 200, body: detailOf(moved ? resolved : row) })),
      on('POST', /\/api\/v1\/cases\/40\/escalate$/, () => {
        moved = true
        const { alerts, ...kase } = resolved
        return { status: 409, body: { error: { code: 'illegal_transition', message: 'cannot escalate a case that is resolved' }, allowed: ['close'], case: kase, alerts } }
      }),
      on('POST', /\/api\/v1\/cases\/40\/comment$/, () => ({ status: 500, body: { error: { code: 'internal', message: 'Internal Server Error' } } })),
    )
    await rows(w)[0]!.trigger('click')
    await flushPromises()
    await w.get('[data-test="action-escalate"]').trigger('click')
    await w.get('[data-test="form-escalate"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-test="notice"]').text()).toContain('该案件当前为「已办结」，不能挂牌督办（已刷新）')
    expect(w.get('[data-test="drawer-state"]').attributes('data-state')).toBe('resolved')

    await w.get('[data-test="action-comment"]').trigger('click')
    await w.get('[data-test="field-text"]').setValue('已电话联系镇综治办')
    await w.get('[data-test="form-comment"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-test="notice"]').text()).toBe('备注未完成：服务器出错（500），请稍后重试知道了')
    expect(w.text()).not.toMatch(/Internal Server Error|cannot escalate/)
  })

  it('tells each timeline entry’s member, and the engine’s and the deadline scan’s entries in Chinese', async () => {
    const row = caseRow({ id: 20, level: 'red', status: 'new', openedAt: recent(20), escalated: true, ackEscalatedAt: recent(10), ackDeadline: recent(10), event }, [massAlert({ escalated: true }), levelAlert({ escalated: true })])
    const timeline = [
      { seq: 1, alertId: 21, at: recent(20), actor: 'engine', action: 'raise', fromState: null, toState: 'new', note: null, payload: null },
      { seq: 2, alertId: 22, at: recent(20), actor: 'engine', action: 'raise', fromState: null, toState: 'new', note: 'level rose blue → red (score 94.9)', payload: null },
      { seq: 3, alertId: 21, at: recent(10), actor: 'system', action: 'escalate', fromState: 'new', toState: 'new', note: 'case 20 not acknowledged by 2026-11-23T02:00:00.000Z', payload: { automatic: true, reason: 'ack_deadline', ackDeadline: '2026-11-23T02:00:00.000Z', caseId: 20 } },
    ]
    const w = await mountDuty(list([row]), on('GET', /\/api\/v1\/cases\/20$/, () => ({ status: 200, body: detailOf(row, timeline) })))
    expect(w.get('[data-test="case-row"][data-id="20"] [data-test="case-escalated"]').text()).toBe('超时督办')
    await w.get('[data-test="case-row"][data-id="20"] [data-test="case-township"]').trigger('click')
    await flushPromises()
    const entries = w.findAll('[data-test="timeline-entry"]')
    expect(entries.map((e) => e.get('[data-test="timeline-member"]').text())).toEqual(['群体性事件', '等级预警', '群体性事件'])
    const text = w.get('[data-test="timeline"]').text()
    expect(text).toContain('风险等级由蓝色升至红色（风险分 94.9）')
    expect(text).toContain('超过签收时限（2026/11/23 10:00）仍未签收，系统自动挂牌督办')
    expect(text).toContain('系统')
    expect(text).not.toMatch(/level rose|not acknowledged|engine/)
  })

  it('opens the case of an alert linked from the township page', async () => {
    const row = caseRow({ id: 50, openedAt: recent(5) }, [alert({ id: 51, caseId: 50 })])
    stubFetch(session, townships, list([row]), on('GET', /\/api\/v1\/cases\/50$/, () => ({ status: 200, body: detailOf(row) })), on('GET', /\/api\/v1\/alerts\/51$/, () => ({ status: 200, body: { alert: row.alerts[0], timeline: [], comments: [] } })))
    useSessionStore().user = { username: 'duty', roles: ['duty'] }
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/duty', component: DutyScreen }, { path: '/township/:code', component: { template: '<div />' } }] })
    await router.push('/duty?alert=51')
    wrapper = mount(DutyScreen, { props: { socketFactory: (uri: string, options: object) => new FakeSocket(uri, options as Record<string, unknown>).asSocket() }, global: { plugins: [router, i18n] }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.get('[data-test="case-drawer"]').attributes('data-id')).toBe('50')
  })
})
