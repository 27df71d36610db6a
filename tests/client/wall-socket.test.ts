import { afterEach, describe, expect, it, vi } from 'vitest'
import { connectLive, type LiveHandlers, type LiveState } from '../../client/src/lib/socket.ts'
import { FakeSocket } from './helpers/fake-socket.ts'

function setup(offset = { value: 0 }) {
  const seen: Array<[string, unknown]> = []
  const states: LiveState[] = []
  let socket: FakeSocket | undefined
  const handlers: LiveHandlers = {
    snapshot: (m) => seen.push(['snapshot', m]),
    changed: (m) => seen.push(['changed', m]),
    alertNew: (m) => seen.push(['alertNew', m]),
    alertUpdated: (m) => seen.push(['alertUpdated', m]),
    eventNew: (m) => seen.push(['eventNew', m]),
    state: (s) => states.push(s),
    unauthorized: () => seen.push(['unauthorized', null]),
    systemStatus: (m) => seen.push(['systemStatus', m]),
  }
  const connection = connectLive(handlers, {
    getOffset: () => offset.value,
    retryAfterRefusal: 1000,
    retryAfterShutdown: 100,
    factory: (uri, options) => {
      socket = new FakeSocket(uri, options as Record<string, unknown>)
      return socket.asSocket()
    },
  })
  return { seen, states, connection, socket: socket as FakeSocket, offset }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('connectLive', () => {
  it('connects to /live over WebSocket only, sending the current offset at every (re)connect', () => {
    const { socket, offset } = setup({ value: 7 })
    expect(socket.uri).toBe('/live')
    expect(socket.options['transports']).toEqual(['websocket'])
    expect(socket.auth()).toEqual({ offset: 7 })
    offset.value = 42
    expect(socket.auth()).toEqual({ offset: 42 })
  })

  it('dispatches each server message to its handler and reports the connection state', () => {
    const { socket, seen, states } = setup()
    expect(states).toEqual(['connecting'])
    socket.serverEmit('connect')
    socket.serverEmit('risk:snapshot', { townships: [], seq: 1 })
    socket.serverEmit('risk:changed', { changes: [], seq: 2 })
    socket.serverEmit('alert:new', { alert: { id: 1 }, seq: 3 })
    socket.serverEmit('alert:updated', { alert: { id: 1 }, seq: 4 })
    socket.serverEmit('event:new', { event: { id: 9 }, seq: 5 })
    socket.serverEmit('disconnect', 'transport close')
    expect(seen.map(([k]) => k)).toEqual(['snapshot', 'changed', 'alertNew', 'alertUpdated', 'eventNew'])
    expect(states).toEqual(['connecting', 'online', 'offline'])
  })

  it('retries by itself after a refused handshake (Socket.IO does not) and reports it unauthorized', () => {
    vi.useFakeTimers()
    const { socket, seen, states } = setup()
    socket.active = false
    socket.serverEmit('connect_error', new Error('unauthorized'))
    expect(seen).toEqual([['unauthorized', null]])
    expect(states.at(-1)).toBe('offline')
    expect(socket.connectCalls).toBe(0)
    vi.advanceTimersByTime(1000)
    expect(socket.connectCalls).toBe(1)
    expect(states.at(-1)).toBe('connecting')
  })

  it('reports it unauthorized at once when the server ends its session, and only then', () => {
    const { socket, seen } = setup()
    socket.serverEmit('connect')
    socket.serverEmit('server:error', { code: 'bad_request', message: 'clients do not send messages on /live' })
    expect(seen).toEqual([])
    socket.serverEmit('server:error', { code: 'session_ended', message: 'your session ended' })
    socket.serverEmit('disconnect', 'io server disconnect')
    expect(seen).toEqual([['unauthorized', null]])
  })

  it('passes system:status on: the server says whether its data is interrupted', () => {
    const { socket, seen } = setup()
    socket.serverEmit('system:status', { database: 'down', since: '2026-11-23T10:00:00.000Z' })
    expect(seen).toEqual([['systemStatus', { database: 'down', since: '2026-11-23T10:00:00.000Z' }]])
  })

  it('comes back at once after a server restart it was told of, but waits after a plain server-side disconnect', () => {
    vi.useFakeTimers()
    const { socket, states } = setup()
    socket.serverEmit('connect')
    socket.serverEmit('server:shutdown', { reconnect: true })
    socket.serverEmit('disconnect', 'io server disconnect')
    vi.advanceTimersByTime(100)
    expect(socket.connectCalls).toBe(1)
    expect(states.at(-1)).toBe('connecting')
    // A later plain server-side disconnect (no announcement) keeps the long pause.
    socket.serverEmit('connect')
    socket.serverEmit('disconnect', 'io server disconnect')
    vi.advanceTimersByTime(999)
    expect(socket.connectCalls).toBe(1)
    vi.advanceTimersByTime(1)
    expect(socket.connectCalls).toBe(2)
  })

  it('leaves transport errors to Socket.IO’s own reconnection', () => {
    vi.useFakeTimers()
    const { socket, seen } = setup()
    socket.serverEmit('connect_error', new Error('websocket error'))
    vi.advanceTimersByTime(60_000)
    expect(socket.connectCalls).toBe(0)
    expect(seen).toEqual([])
  })

  it('closes cleanly: listeners removed, socket disconnected, no retry left behind', () => {
    vi.useFakeTimers()
    const { socket, connection } = setup()
    socket.active = false
    socket.serverEmit('connect_error', new Error('forbidden'))
    connection.close()
    vi.advanceTimersByTime(60_000)
    expect(socket.connectCalls).toBe(0)
    expect(socket.disconnectCalls).toBe(1)
    expect(socket.listenerCount()).toBe(0)
  })
})
