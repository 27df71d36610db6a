// Alerts for the duty console: loaded by REST, kept live over Socket.IO `/live` (DESIGN §6, §7).
// NOTE for the integrator: the wall branch has its own socket client (lib/socket.ts); this store
// opens its own connection through `SocketFactory` so the two can be reconciled by passing the
// shared socket in `connect()`.
import { defineStore } from 'pinia'
import { io } from 'socket.io-client'
import { computed, ref, shallowRef } from 'vue'
import { ApiError, api, postJson } from '../lib/api.ts'
import { filterQuery, lastChange, type QueueFilter } from '../screens/duty/logic.ts'
import type { AlertAction, AlertDetailJson, AlertJson, Page, TimelineEntry } from '../screens/duty/types.ts'

export interface AlertMessage {
  alert: AlertJson
  seq?: number
}

/** The part of a Socket.IO client socket this store uses. */
export interface LiveSocket {
  on(event: string, listener: (...args: never[]) => void): unknown
  disconnect(): unknown
}

export type SocketFactory = (auth: () => { offset: number }) => LiveSocket

export const defaultSocketFactory: SocketFactory = (auth) =>
  io('/live', {
    transports: ['websocket'],
    // A function, so every reconnect sends the last seq seen and gets the missed changes replayed.
    auth: (cb) => cb(auth()),
  }) as unknown as LiveSocket

export type Connection = 'idle' | 'connecting' | 'online' | 'offline'

export type ActionOutcome =
  | { kind: 'ok'; alert: AlertJson }
  /** 409: someone else changed it first; `alert` is the refreshed copy, `by` its latest change. */
  | { kind: 'stale' | 'conflict'; alert: AlertJson | null; by: TimelineEntry | null; message: string }
  | { kind: 'invalid'; fields: Array<{ field: string; message: string }>; message: string }
  | { kind: 'error'; status: number; message: string }

const key = (id: AlertJson['id']) => String(id)

function isAlert(value: unknown): value is AlertJson {
  return typeof value === 'object' && value !== null && 'id' in value && 'state' in value && 'version' in value
}

export const useDutyAlertsStore = defineStore('duty-alerts', () => {
  const byId = ref<Record<string, AlertJson>>({})
  const lastSeq = ref(0)
  const loading = ref(false)
  const loaded = ref(false)
  /** The alerts endpoint is not there (404): show the empty state, not an error. */
  const unavailable = ref(false)
  const error = ref<string | null>(null)
  const nextCursor = ref<string | null>(null)
  const connection = ref<Connection>('idle')
  const socket = shallowRef<LiveSocket | null>(null)
  const newListeners = new Set<(alert: AlertJson) => void>()

  const all = computed(() => Object.values(byId.value))

  function seen(seq: number | undefined): void {
    if (typeof seq === 'number' && seq > lastSeq.value) lastSeq.value = seq
  }

  /**
   * Keeps the newest version of each alert. `orSame` lets an authoritative REST read replace an
   * equal version (a socket message of the same version carries nothing new).
   */
  function upsert(alert: AlertJson, orSame = true): boolean {
    const current = byId.value[key(alert.id)]
    if (current && (orSame ? alert.version < current.version : alert.version <= current.version)) return false
    byId.value[key(alert.id)] = alert
    return true
  }

  function applyNew(message: AlertMessage): boolean {
    if (!isAlert(message?.alert)) return false
    seen(message.seq)
    const fresh = !byId.value[key(message.alert.id)]
    const applied = upsert(message.alert, false)
    if (applied && fresh) for (const fn of newListeners) fn(message.alert)
    return applied
  }

  function applyUpdated(message: AlertMessage): boolean {
    if (!isAlert(message?.alert)) return false
    seen(message.seq)
    return upsert(message.alert, false)
  }

  function applySnapshot(snapshot: { alerts?: unknown; seq?: number } | null | undefined): void {
    if (!snapshot) return
    seen(snapshot.seq)
    if (Array.isArray(snapshot.alerts)) for (const a of snapshot.alerts) if (isAlert(a)) upsert(a, false)
  }

  /** Called with each alert that appears for the first time over the socket. */
  function onNew(fn: (alert: AlertJson) => void): () => void {
    newListeners.add(fn)
    return () => newListeners.delete(fn)
  }

  async function load(filter: QueueFilter, more = false): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const page = await api<Page<AlertJson>>(`/api/v1/alerts?${filterQuery(filter, more ? nextCursor.value : null)}`)
      for (const a of page.items ?? []) upsert(a)
      nextCursor.value = page.nextCursor ?? null
      unavailable.value = false
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) unavailable.value = true
      else error.value = (err as Error).message
    } finally {
      loading.value = false
      loaded.value = true
    }
  }

  async function fetchDetail(id: AlertJson['id'] | string): Promise<AlertDetailJson> {
    // The API answers {alert, timeline, comments}; the drawer works with the alert and its timeline together.
    const raw = await api<{ alert: AlertJson; timeline: AlertDetailJson['timeline']; comments?: unknown[] }>(`/api/v1/alerts/${encodeURIComponent(String(id))}`)
    const detail: AlertDetailJson = { ...raw.alert, timeline: raw.timeline }
    const { timeline: _timeline, ...alert } = detail
    upsert(alert as AlertJson)
    return detail
  }

  async function perform(id: AlertJson['id'], action: AlertAction, body: Record<string, unknown>): Promise<ActionOutcome> {
    const current = byId.value[key(id)]
    if (!current) return { kind: 'error', status: 0, message: 'unknown alert' }
    try {
      const result = await postJson<unknown>(`/api/v1/alerts/${encodeURIComponent(String(id))}/${action}`, { ...body, version: current.version })
      const updated = isAlert(result) ? result : isAlert((result as { alert?: unknown })?.alert) ? (result as { alert: AlertJson }).alert : null
      if (updated) {
        upsert(updated)
        return { kind: 'ok', alert: updated }
      }
      const refreshed = await fetchDetail(id)
      return { kind: 'ok', alert: refreshed }
    } catch (err) {
      if (!(err instanceof ApiError)) return { kind: 'error', status: 0, message: (err as Error).message }
      if (err.status === 409) {
        const refreshed: AlertDetailJson | null = await fetchDetail(id).catch(() => null)
        return { kind: err.code === 'stale' ? 'stale' : 'conflict', alert: refreshed, by: lastChange(refreshed?.timeline), message: err.message }
      }
      if (err.status === 400 && err.fields.length) return { kind: 'invalid', fields: err.fields, message: err.message }
      return { kind: 'error', status: err.status, message: err.message }
    }
  }

  function connect(factory: SocketFactory = defaultSocketFactory): void {
    if (socket.value) return
    connection.value = 'connecting'
    const s = factory(() => ({ offset: lastSeq.value }))
    s.on('connect', () => {
      connection.value = 'online'
    })
    s.on('disconnect', () => {
      connection.value = 'offline'
    })
    s.on('connect_error', () => {
      connection.value = 'offline'
    })
    s.on('risk:snapshot', (snapshot: { alerts?: unknown; seq?: number }) => applySnapshot(snapshot))
    s.on('alert:new', (m: AlertMessage) => applyNew(m))
    s.on('alert:updated', (m: AlertMessage) => applyUpdated(m))
    socket.value = s
  }

  function disconnect(): void {
    socket.value?.disconnect()
    socket.value = null
    connection.value = 'idle'
  }

  return {
    byId,
    all,
    lastSeq,
    loading,
    loaded,
    unavailable,
    error,
    nextCursor,
    connection,
    upsert,
    applyNew,
    applyUpdated,
    applySnapshot,
    onNew,
    load,
    fetchDetail,
    perform,
    connect,
    disconnect,
  }
})
