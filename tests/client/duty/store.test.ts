import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resetApi } from '../../../client/src/lib/api.ts'
import { useDutyAlertsStore } from '../../../client/src/stores/duty-alerts.ts'
import { DEFAULT_FILTER } from '../../../client/src/screens/duty/logic.ts'
import { alert } from './fixtures.ts'
import { FakeSocket, on, session, stubFetch } from './fake.ts'

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => vi.unstubAllGlobals())

describe('live messages', () => {
  it('adds new alerts, replaces them with newer versions and ignores older or equal ones', () => {
    const store = useDutyAlertsStore()
    const fresh: unknown[] = []
    store.onNew((a) => fresh.push(a.id))

    expect(store.applyNew({ alert: alert({ id: 7, version: 1 }), seq: 10 })).toBe(true)
    expect(store.byId['7']?.state).toBe('new')
    expect(store.applyUpdated({ alert: alert({ id: 7, version: 3, state: 'acknowledged' }), seq: 12 })).toBe(true)
    expect(store.applyUpdated({ alert: alert({ id: 7, version: 2, state: 'new' }), seq: 11 })).toBe(false)
    expect(store.applyUpdated({ alert: alert({ id: 7, version: 3, state: 'new' }), seq: 11 })).toBe(false)
    // A replayed alert:new of a known alert is not announced again.
    expect(store.applyNew({ alert: alert({ id: 7, version: 1 }), seq: 10 })).toBe(false)

    expect(store.byId['7']?.state).toBe('acknowledged')
    expect(store.byId['7']?.version).toBe(3)
    expect(store.lastSeq).toBe(12)
    expect(fresh).toEqual([7])
  })

  it('takes the open alerts of a snapshot and ignores malformed messages', () => {
    const store = useDutyAlertsStore()
    store.applyNew({ alert: alert({ id: 1, version: 5, state: 'dispatched' }) })
    store.applySnapshot({ seq: 40, alerts: [alert({ id: 1, version: 4 }), alert({ id: 2, version: 1 }), { nonsense: true }] })
    expect(store.byId['1']?.version).toBe(5)
    expect(store.byId['2']).toBeDefined()
    expect(store.lastSeq).toBe(40)
    expect(store.applyNew({ seq: 41 } as never)).toBe(false)
  })

  it('listens on the socket and sends the last seq it saw on (re)connect', () => {
    const store = useDutyAlertsStore()
    const socket = new FakeSocket()
    let auth: () => { offset: number } = () => ({ offset: -1 })
    store.connect((a) => {
      auth = a
      return socket
    })
    expect(store.connection).toBe('connecting')
    socket.emit('connect')
    expect(store.connection).toBe('online')
    socket.emit('alert:new', { alert: alert({ id: 9 }), seq: 3 })
    socket.emit('alert:updated', { alert: alert({ id: 9, version: 2, state: 'acknowledged' }), seq: 4 })
    expect(store.byId['9']?.state).toBe('acknowledged')
    expect(auth()).toEqual({ offset: 4 })
    socket.emit('disconnect')
    expect(store.connection).toBe('offline')
    store.disconnect()
    expect(socket.disconnected).toBe(true)
  })
})

describe('REST', () => {
  it('loads a page of alerts', async () => {
    const calls = stubFetch(on('GET', /\/api\/v1\/alerts\?/, () => ({ status: 200, body: { items: [alert({ id: 1 }), alert({ id: 2 })], nextCursor: 'c2' } })))
    const store = useDutyAlertsStore()
    await store.load({ ...DEFAULT_FILTER, level: 'red' })
    expect(calls[0]?.url).toBe('/api/v1/alerts?level=red&limit=100')
    expect(Object.keys(store.byId)).toEqual(['1', '2'])
    expect(store.nextCursor).toBe('c2')
    expect(store.unavailable).toBe(false)
  })

  it('treats a missing alerts endpoint as unavailable, not as an error', async () => {
    stubFetch()
    const store = useDutyAlertsStore()
    await store.load(DEFAULT_FILTER)
    expect(store.unavailable).toBe(true)
    expect(store.error).toBeNull()
    expect(store.loaded).toBe(true)
  })

  it('sends an action with the version it saw and the CSRF header', async () => {
    const calls = stubFetch(
      session,
      on('POST', /\/api\/v1\/alerts\/5\/dispatch$/, (c) => ({ status: 200, body: alert({ id: 5, version: 3, state: 'dispatched', ...(c.body as object) }) })),
    )
    const store = useDutyAlertsStore()
    store.upsert(alert({ id: 5, version: 2, state: 'acknowledged' }))
    const outcome = await store.perform(5, 'dispatch', { department: '综治办', leadOfficial: '王副镇长', deadline: '2026-11-24T02:00:00.000Z' })
    const post = calls.find((c) => c.method === 'POST')
    expect(post?.body).toEqual({ department: '综治办', leadOfficial: '王副镇长', deadline: '2026-11-24T02:00:00.000Z', version: 2 })
    expect(post?.headers.get('x-csrf-token')).toBe('tok-1')
    expect(outcome.kind).toBe('ok')
    expect(store.byId['5']?.state).toBe('dispatched')
  })

  it('on 409 stale refreshes the alert and reports who changed it', async () => {
    // The server's shape: {alert, timeline, comments}.
    const refreshed = {
      alert: alert({ id: 5, version: 4, state: 'acknowledged' }),
      comments: [],
      timeline: [
        { seq: 1, at: '2026-11-23T02:00:00Z', actor: null, action: 'raise', fromState: null, toState: 'new', note: null, payload: null },
        { seq: 2, at: '2026-11-23T02:42:00Z', actor: '张三', action: 'ack', fromState: 'new', toState: 'acknowledged', note: null, payload: null },
      ],
    }
    stubFetch(
      session,
      on('POST', /\/api\/v1\/alerts\/5\/ack$/, () => ({ status: 409, body: { error: { code: 'stale', message: 'alert 5 changed (version 4)' } } })),
      on('GET', /\/api\/v1\/alerts\/5$/, () => ({ status: 200, body: refreshed })),
    )
    const store = useDutyAlertsStore()
    store.upsert(alert({ id: 5, version: 3, state: 'new' }))
    const outcome = await store.perform(5, 'ack', {})
    expect(outcome.kind).toBe('stale')
    if (outcome.kind !== 'stale') return
    expect(outcome.by?.actor).toBe('张三')
    expect(outcome.by?.at).toBe('2026-11-23T02:42:00Z')
    expect(store.byId['5']?.version).toBe(4)
    expect(store.byId['5']?.state).toBe('acknowledged')
    expect(store.byId['5']).not.toHaveProperty('timeline')
  })

  it('returns the server field errors of a 400', async () => {
    stubFetch(
      session,
      on('POST', /resolve$/, () => ({ status: 400, body: { error: { code: 'validation', message: 'invalid body', fields: [{ field: 'resolution', message: 'required' }] } } })),
    )
    const store = useDutyAlertsStore()
    store.upsert(alert({ id: 6, state: 'dispatched' }))
    const outcome = await store.perform(6, 'resolve', { resolution: 'x' })
    expect(outcome).toEqual({ kind: 'invalid', fields: [{ field: 'resolution', message: 'required' }], message: 'invalid body' })
  })
})
