import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startLive } from '../../client/src/lib/live.ts'
import type { SocketFactory } from '../../client/src/lib/socket.ts'
import { useEventsStore } from '../../client/src/stores/events.ts'
import { FakeSocket } from './helpers/fake-socket.ts'

// The wall counts live events in batches (the first at once, then at most once per period), so a
// burst of `event:new` costs one redraw of its charts, not one per event.
describe('live events are counted in batches', () => {
  let socket: FakeSocket
  let stop: () => void
  const factory: SocketFactory = (uri, options) => {
    socket = new FakeSocket(uri, options as Record<string, unknown>)
    return socket.asSocket()
  }
  const event = (id: number) => ({ event: { id, source: 'incident', category: 'traffic', township: '990100001', occurredAt: new Date().toISOString() }, seq: id })

  beforeEach(() => {
    vi.useFakeTimers()
    setActivePinia(createPinia())
  })
  afterEach(() => {
    stop?.()
    vi.useRealTimers()
  })

  it('ingests the first event at once and the rest of a burst together a period later', () => {
    const events = useEventsStore()
    const ingest = vi.spyOn(events, 'ingest')
    stop = startLive({ onUnauthorized: () => {}, factory, eventBatchMs: 1000 })
    socket.serverEmit('connect')
    socket.serverEmit('event:new', event(1))
    expect(ingest).toHaveBeenCalledTimes(1)
    for (let id = 2; id <= 20; id++) socket.serverEmit('event:new', event(id))
    expect(ingest).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1000)
    expect(ingest).toHaveBeenCalledTimes(2)
    expect(ingest.mock.calls[1]?.[0]).toHaveLength(19)
    expect(events.recent).toHaveLength(20)
  })

  it('drops what is still pending when stopped', () => {
    const events = useEventsStore()
    const ingest = vi.spyOn(events, 'ingest')
    stop = startLive({ onUnauthorized: () => {}, factory, eventBatchMs: 1000 })
    socket.serverEmit('event:new', event(1))
    socket.serverEmit('event:new', event(2))
    stop()
    vi.advanceTimersByTime(5000)
    expect(ingest).toHaveBeenCalledTimes(1)
  })
})
