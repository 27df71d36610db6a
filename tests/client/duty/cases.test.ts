// The duty queue of cases (docs/architecture.md §6, "Cases"): its pure logic, and the alerts
// store's cases fed by REST and by the one live connection.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resetApi } from '../../../client/src/lib/api.ts'
import { startLive } from '../../../client/src/lib/live.ts'
import { buildCaseQueue, caseClock, caseEventIds, caseOverdue, caseFilterQuery, DEFAULT_CASE_FILTER, memberLabel, whatHappened } from '../../../client/src/screens/duty/cases.ts'
import { trimCases, useAlertsStore } from '../../../client/src/stores/alerts.ts'
import { caseJson, caseRow } from '../helpers/case.ts'
import { alert, NOW } from './fixtures.ts'
import { FakeSocket, on, session, stubFetch } from './fake.ts'

const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString()

describe('case queue logic', () => {
  it('puts open before closed, the highest level first, then the newest case', () => {
    const list = [
      caseJson({ id: 1, level: 'red', status: 'closed' }),
      caseJson({ id: 2, level: 'orange' }),
      caseJson({ id: 3, level: 'red' }),
      caseJson({ id: 4, level: 'red', status: 'dispatched' }),
    ]
    expect(buildCaseQueue(list, { ...DEFAULT_CASE_FILTER, state: 'all' }, NOW).map((c) => c.id)).toEqual([4, 3, 2, 1])
    expect(buildCaseQueue(list, DEFAULT_CASE_FILTER, NOW).map((c) => c.id)).toEqual([4, 3, 2])
  })

  it('filters by state, level, township, age, escalation and overdue, and asks the server the same', () => {
    const list = [
      caseJson({ id: 1, status: 'new', level: 'red', openedAt: at(-30), ackDeadline: at(-20) }),
      caseJson({ id: 2, status: 'dispatched', level: 'yellow', openedAt: at(-300), deadline: at(60), escalated: true }),
      caseJson({ id: 3, status: 'acknowledged', level: 'orange', openedAt: at(-3 * 1440), township: { code: '990100002', name: '河西乡' } }),
    ]
    const ids = (f: Partial<typeof DEFAULT_CASE_FILTER>) => buildCaseQueue(list, { ...DEFAULT_CASE_FILTER, ...f }, NOW).map((c) => c.id)
    expect(ids({ state: 'dispatched' })).toEqual([2])
    expect(ids({ level: 'orange' })).toEqual([3])
    expect(ids({ township: '990100002' })).toEqual([3])
    expect(ids({ age: '1h' })).toEqual([1])
    expect(ids({ flag: 'escalated' })).toEqual([2])
    expect(ids({ flag: 'overdue' })).toEqual([1])
    expect(caseFilterQuery({ ...DEFAULT_CASE_FILTER, level: 'red', flag: 'overdue' })).toBe('status=open&level=red&overdue=true&limit=100')
    expect(caseFilterQuery({ ...DEFAULT_CASE_FILTER, state: 'all', township: '990100002', flag: 'escalated' }, 'c2')).toBe('township=990100002&escalated=true&cursor=c2&limit=100')
  })

  it('counts down the acknowledgement deadline while new, the handling deadline once dispatched, nothing once resolved', () => {
    expect(caseClock({ status: 'new', ackDeadline: at(9.5), deadline: null }, NOW, 'zh-CN')).toEqual({ kind: 'ack', overdue: false, soon: false, text: '剩余 9 分钟' })
    expect(caseClock({ status: 'new', ackDeadline: at(3), deadline: null }, NOW, 'zh-CN')?.soon).toBe(true)
    expect(caseClock({ status: 'new', ackDeadline: at(-61), deadline: null }, NOW, 'en')).toEqual({ kind: 'ack', overdue: true, soon: false, text: 'overdue by 1 h 1 min' })
    expect(caseClock({ status: 'dispatched', ackDeadline: at(-600), deadline: at(90) }, NOW, 'zh-CN')).toMatchObject({ kind: 'handle', overdue: false, soon: true, text: '剩余 1 小时 30 分钟' })
    expect(caseClock({ status: 'acknowledged', ackDeadline: at(-600), deadline: null }, NOW, 'zh-CN')).toBeNull()
    expect(caseClock({ status: 'resolved', ackDeadline: at(-600), deadline: at(-60) }, NOW, 'zh-CN')).toBeNull()
    expect(caseOverdue({ status: 'dispatched', ackDeadline: null, deadline: at(-1) }, NOW)).toBe(true)
    expect(caseOverdue({ status: 'resolved', ackDeadline: at(-100), deadline: at(-1) }, NOW)).toBe(false)
  })

  it('says what happened from the masked event and names members by the rule as raised', () => {
    const event = { id: 9, source: 'incident', category: 'mass', peopleCount: 30, severity: 4, village: '东村', occurredAt: at(-5) }
    expect(whatHappened(event, 'zh-CN')).toEqual({ category: '群体性事件', people: 30, village: '东村' })
    expect(whatHappened({ ...event, source: 'unknown-feed', category: 'x', peopleCount: 0 }, 'en')).toEqual({ category: 'x', people: null, village: '东村' })
    expect(whatHappened(null, 'zh-CN')).toBeNull()
    expect(memberLabel({ ruleId: 'gone-rule', ruleName: '旧规则' }, {}, '等级预警')).toBe('旧规则')
    expect(memberLabel({ ruleId: 'r1', ruleName: null }, { r1: '集体访' }, '等级预警')).toBe('集体访')
    expect(memberLabel({ ruleId: null, ruleName: null }, {}, '等级预警')).toBe('等级预警')
    const members = [alert({ lastEvent: { id: 9, source: 'incident', sourceSystem: null, externalId: null, occurredAt: null } }), alert({ lastEvent: { id: 12, source: 'incident', sourceSystem: null, externalId: null, occurredAt: null } })]
    expect(caseEventIds({ event }, members)).toEqual(['9', '12'])
  })
})

describe('cases in the alerts store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    resetApi()
  })
  afterEach(() => vi.unstubAllGlobals())

  it('loads a page of cases and holds their member alerts', async () => {
    const calls = stubFetch(on('GET', /\/api\/v1\/cases\?/, () => ({ status: 200, body: { items: [caseRow({ id: 5 }, [alert({ id: 51 }), alert({ id: 52 })])], nextCursor: 'n2' } })))
    const store = useAlertsStore()
    await store.loadCases({ ...DEFAULT_CASE_FILTER, level: 'red' })
    expect(calls[0]?.url).toBe('/api/v1/cases?status=open&level=red&limit=100')
    expect(store.getCase(5)).not.toHaveProperty('alerts')
    expect(store.membersOf(store.getCase(5)!).map((a) => a.id)).toEqual([51, 52])
    expect(store.get(51)?.caseId).toBe(5)
    expect(store.casesNextCursor).toBe('n2')
  })

  it('keeps the newest version of a case; a missing endpoint is unavailable, a failure a status', async () => {
    const store = useAlertsStore()
    expect(store.applyCase({ case: caseJson({ id: 7, version: 2, status: 'acknowledged' }), seq: 3 }, true)).toBe(true)
    expect(store.applyCase({ case: caseJson({ id: 7, version: 1, status: 'new' }), seq: 2 }, false)).toBe(false)
    expect(store.applyCase({ case: caseJson({ id: 7, version: 2, status: 'new' }), seq: 3 }, false)).toBe(false)
    expect(store.applyCase({ seq: 9 } as never, false)).toBe(false)
    expect(store.getCase(7)?.status).toBe('acknowledged')

    stubFetch()
    await store.loadCases(DEFAULT_CASE_FILTER)
    expect(store.casesAvailable).toBe(false)
    expect(store.casesError).toBeNull()
    stubFetch(on('GET', /\/api\/v1\/cases\?/, () => ({ status: 503, body: { error: { code: 'database_unavailable', message: 'The database is not answering' } } })))
    await store.loadCases(DEFAULT_CASE_FILTER)
    expect(store.casesError).toBe(503)
  })

  it('sends an action with the case version and holds what the server answers', async () => {
    const calls = stubFetch(
      session,
      on('POST', /\/api\/v1\/cases\/5\/dispatch$/, () => ({
        status: 200,
        body: { case: caseJson({ id: 5, version: 9, status: 'dispatched', alertIds: [51] }), alerts: [alert({ id: 51, version: 4, state: 'dispatched', caseId: 5 })], seq: 77 },
      })),
    )
    const store = useAlertsStore()
    store.upsertCase(caseJson({ id: 5, version: 8, status: 'acknowledged', alertIds: [51] }))
    store.upsert(alert({ id: 51, version: 3, state: 'acknowledged', caseId: 5 }))
    const outcome = await store.performCase(5, 'dispatch', { department: '综治办', leadOfficial: '王副镇长', deadline: '2026-11-24T02:00:00.000Z' })
    const post = calls.find((c) => c.method === 'POST')
    expect(post?.body).toEqual({ department: '综治办', leadOfficial: '王副镇长', deadline: '2026-11-24T02:00:00.000Z', version: 8 })
    expect(post?.headers.get('x-csrf-token')).toBe('tok-1')
    expect(outcome.kind).toBe('ok')
    expect(store.getCase(5)?.status).toBe('dispatched')
    expect(store.get(51)?.state).toBe('dispatched')
  })

  it('on 409 stale holds the case the server sent, reloads it and reports who changed it', async () => {
    stubFetch(
      session,
      on('POST', /\/api\/v1\/cases\/5\/ack$/, () => ({ status: 409, body: { error: { code: 'stale', message: 'case 5 was changed' }, case: caseJson({ id: 5, version: 4, status: 'acknowledged' }), alerts: [] } })),
      on('GET', /\/api\/v1\/cases\/5$/, () => ({
        status: 200,
        body: {
          case: caseJson({ id: 5, version: 4, status: 'acknowledged', alertIds: [51] }),
          alerts: [alert({ id: 51, version: 2, state: 'acknowledged', caseId: 5 })],
          timeline: [
            { seq: 1, alertId: 51, at: '2026-11-23T02:00:00Z', actor: 'system', action: 'raise', fromState: null, toState: 'new', note: null, payload: null },
            { seq: 2, alertId: 51, at: '2026-11-23T02:42:00Z', actor: '张三', action: 'ack', fromState: 'new', toState: 'acknowledged', note: null, payload: null },
          ],
        },
      })),
    )
    const store = useAlertsStore()
    store.upsertCase(caseJson({ id: 5, version: 3, status: 'new', alertIds: [51] }))
    const outcome = await store.performCase(5, 'ack', {})
    expect(outcome).toMatchObject({ kind: 'stale', code: 'stale', by: { actor: '张三', at: '2026-11-23T02:42:00Z' } })
    expect(store.getCase(5)?.version).toBe(4)
    expect(store.get(51)?.state).toBe('acknowledged')
  })

  it('is fed case:new and case:updated by the one live connection, announcing each new case once', () => {
    const sockets: FakeSocket[] = []
    const stop = startLive({
      onUnauthorized: () => {},
      catchUp: async () => {},
      factory: (uri, options) => {
        const s = new FakeSocket(uri, options as Record<string, unknown>)
        sockets.push(s)
        return s.asSocket()
      },
    })
    const store = useAlertsStore()
    const announced: number[] = []
    store.onNewCase((c) => announced.push(c.id))
    const socket = sockets[0]!
    socket.serverEmit('connect')
    socket.serverEmit('alert:new', { alert: alert({ id: 61, caseId: 60 }), seq: 10 })
    socket.serverEmit('case:new', { case: caseJson({ id: 60, alertIds: [61] }), seq: 10 })
    socket.serverEmit('alert:new', { alert: alert({ id: 62, caseId: 60 }), seq: 11 })
    socket.serverEmit('case:updated', { case: caseJson({ id: 60, alertIds: [61, 62], version: 2 }), seq: 11 })
    // A replayed case:new after a reconnect is not announced again.
    socket.serverEmit('case:new', { case: caseJson({ id: 60, alertIds: [61] }), seq: 10 })
    expect(sockets).toHaveLength(1)
    expect(store.membersOf(store.getCase(60)!).map((a) => a.id)).toEqual([61, 62])
    expect(announced).toEqual([60])
    expect(socket.auth()).toEqual({ offset: 11 })
    stop()
  })

  it('keeps every open case and drops the oldest closed ones beyond the bound', () => {
    const byId = new Map<string, ReturnType<typeof caseJson>>()
    for (let i = 1; i <= 30; i++) byId.set(String(i), caseJson({ id: i, status: i <= 5 ? 'new' : 'closed', updatedAt: at(i) }))
    const kept = trimCases(byId, 10)
    expect([...kept.keys()].map(Number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 26, 27, 28, 29, 30])
  })
})

describe('engine notes on the timeline', () => {
  it('reads the engine’s known notes in the UI’s language and leaves others as written', async () => {
    const { i18n } = await import('../../../client/src/i18n/index.ts')
    const { noteText } = await import('../../../client/src/screens/duty/notes.ts')
    i18n.global.locale.value = 'zh-CN'
    const t = (key: string, named?: Record<string, unknown>) => i18n.global.t(key, named ?? {})
    expect(noteText('level rose blue → red (score 94.9)', t)).toBe('风险等级由蓝色升至红色（风险分 94.9）')
    expect(noteText('level fell back to blue (score 3.2)', t)).toBe('风险等级回落至蓝色（风险分 3.2）')
    expect(noteText('群体性事件: event SIM-BF-000731', t)).toBe('群体性事件：事件 SIM-BF-000731')
    expect(noteText('未报告: reports resumed', t)).toBe('未报告：已恢复报告')
    expect(noteText('集体访: its signals have expired', t)).toBe('集体访：相关信号已过期')
    expect(noteText('已电话联系镇综治办', t)).toBe('已电话联系镇综治办')
    i18n.global.locale.value = 'en'
    expect(noteText('level rose blue → red (score 94.9)', t)).toBe('Level rose Blue → Red (score 94.9)')
    i18n.global.locale.value = 'zh-CN'
  })
})
