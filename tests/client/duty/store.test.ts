import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resetApi } from '../../../client/src/lib/api.ts'
import { startLive } from '../../../client/src/lib/live.ts'
import { DEFAULT_FILTER } from '../../../client/src/screens/duty/logic.ts'
import { useAlertsStore } from '../../../client/src/stores/alerts.ts'
import { useRiskStore } from '../../../client/src/stores/risk.ts'
import { alert } from './fixtures.ts'
import { FakeSocket, on, session, stubFetch } from './fake.ts'

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => vi.unstubAllGlobals())

describe('live messages', () => {
  it('adds new alerts, replaces them with newer versions and ignores older or equal ones', () => {
    const store = useAlertsStore()
    const fresh: unknown[] = []
    store.onNew((a) => fresh.push(a.id))

    expect(store.applyNew({ alert: alert({ id: 7, version: 1 }), seq: 10 })).toBe(true)
    expect(store.get(7)?.state).toBe('new')
    expect(store.applyUpdated({ alert: alert({ id: 7, version: 3, state: 'acknowledged' }), seq: 12 })).toBe(true)
    expect(store.applyUpdated({ alert: alert({ id: 7, version: 2, state: 'new' }), seq: 11 })).toBe(false)
    expect(store.applyUpdated({ alert: alert({ id: 7, version: 3, state: 'new' }), seq: 11 })).toBe(false)
    // A replayed alert:new of a known alert is not announced again.
    expect(store.applyNew({ alert: alert({ id: 7, version: 1 }), seq: 10 })).toBe(false)

    expect(store.get(7)?.state).toBe('acknowledged')
    expect(store.get(7)?.version).toBe(3)
    expect(fresh).toEqual([7])
  })

  it('takes the open alerts of a snapshot and ignores malformed messages', () => {
    const store = useAlertsStore()
    store.applyNew({ alert: alert({ id: 1, version: 5, state: 'dispatched' }), seq: 1 })
    store.replaceOpen([alert({ id: 1, version: 4 }), alert({ id: 2, version: 1 }), { nonsense: true } as never])
    expect(store.get(1)?.version).toBe(5)
    expect(store.get(2)).toBeDefined()
    expect(store.applyNew({ seq: 41 } as never)).toBe(false)
  })

  it('is fed by the one live connection, which sends the last seq it saw on (re)connect', () => {
    let socket: FakeSocket | undefined
    const stop = startLive({
      onUnauthorized: () => {},
      catchUp: async () => {},
      factory: (uri, options) => {
        socket = new FakeSocket(uri, options as Record<string, unknown>)
        return socket.asSocket()
      },
    })
    const store = useAlertsStore()
    const risk = useRiskStore()
    expect(socket?.uri).toBe('/live')
    expect(risk.connection).toBe('connecting')
    socket!.serverEmit('connect')
    expect(risk.connection).toBe('online')
    socket!.serverEmit('alert:new', { alert: alert({ id: 9 }), seq: 3 })
    socket!.serverEmit('alert:updated', { alert: alert({ id: 9, version: 2, state: 'acknowledged' }), seq: 4 })
    expect(store.get(9)?.state).toBe('acknowledged')
    expect(socket!.auth()).toEqual({ offset: 4 })
    socket!.serverEmit('disconnect', 'transport close')
    expect(risk.connection).toBe('offline')
    stop()
    expect(socket!.disconnectCalls).toBeGreaterThan(0)
  })

  it('is one connection however many screens hold it, closed when the last one leaves', () => {
    const sockets: FakeSocket[] = []
    const factory = (uri: string, options: object) => {
      const s = new FakeSocket(uri, options as Record<string, unknown>)
      sockets.push(s)
      return s.asSocket()
    }
    const stopWall = startLive({ onUnauthorized: () => {}, catchUp: async () => {}, factory })
    const stopDuty = startLive({ onUnauthorized: () => {}, catchUp: async () => {}, factory })
    expect(sockets).toHaveLength(1)
    stopWall()
    expect(sockets[0]!.disconnectCalls).toBe(0)
    stopDuty()
    expect(sockets[0]!.disconnectCalls).toBe(1)
  })
})

describe('REST', () => {
  it('loads a page of alerts', async () => {
    const calls = stubFetch(on('GET', /\/api\/v1\/alerts\?/, () => ({ status: 200, body: { items: [alert({ id: 1 }), alert({ id: 2 })], nextCursor: 'c2' } })))
    const store = useAlertsStore()
    await store.loadFiltered({ ...DEFAULT_FILTER, level: 'red' })
    expect(calls[0]?.url).toBe('/api/v1/alerts?level=red&limit=100')
    expect([...store.byId.keys()]).toEqual(['1', '2'])
    expect(store.nextCursor).toBe('c2')
    expect(store.available).toBe(true)
  })

  it('treats a missing alerts endpoint as unavailable, not as an error', async () => {
    stubFetch()
    const store = useAlertsStore()
    await store.loadFiltered(DEFAULT_FILTER)
    expect(store.available).toBe(false)
    expect(store.error).toBeNull()
    expect(store.loaded).toBe(true)
  })

  it('sends an action with the version it saw and the CSRF header', async () => {
    const calls = stubFetch(
      session,
      on('POST', /\/api\/v1\/alerts\/5\/dispatch$/, (c) => ({ status: 200, body: alert({ id: 5, version: 3, state: 'dispatched', ...(c.body as object) }) })),
    )
    const store = useAlertsStore()
    store.upsert(alert({ id: 5, version: 2, state: 'acknowledged' }))
    const outcome = await store.perform(5, 'dispatch', { department: '综治办', leadOfficial: '王副镇长', deadline: '2026-11-24T02:00:00.000Z' })
    const post = calls.find((c) => c.method === 'POST')
    expect(post?.body).toEqual({ department: '综治办', leadOfficial: '王副镇长', deadline: '2026-11-24T02:00:00.000Z', version: 2 })
    expect(post?.headers.get('x-csrf-token')).toBe('tok-1')
    expect(outcome.kind).toBe('ok')
    expect(store.get(5)?.state).toBe('dispatched')
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
    const store = useAlertsStore()
    store.upsert(alert({ id: 5, version: 3, state: 'new' }))
    const outcome = await store.perform(5, 'ack', {})
    expect(outcome.kind).toBe('stale')
    if (outcome.kind !== 'stale') return
    expect(outcome.by?.actor).toBe('张三')
    expect(outcome.by?.at).toBe('2026-11-23T02:42:00Z')
    expect(store.get(5)?.version).toBe(4)
    expect(store.get(5)?.state).toBe('acknowledged')
    expect(store.get(5)).not.toHaveProperty('timeline')
  })

  it('returns the server field errors of a 400', async () => {
    stubFetch(
      session,
      on('POST', /resolve$/, () => ({ status: 400, body: { error: { code: 'validation', message: 'invalid body', fields: [{ field: 'resolution', message: 'required' }] } } })),
    )
    const store = useAlertsStore()
    store.upsert(alert({ id: 6, state: 'dispatched' }))
    const outcome = await store.perform(6, 'resolve', { resolution: 'x' })
    expect(outcome).toEqual({ kind: 'invalid', fields: [{ field: 'resolution', message: 'required' }], message: 'invalid body' })
  })
})
