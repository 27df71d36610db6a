import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import { api, del, postJson } from '../../lib/api.ts'
import { type ChannelJson, type Reason, deliveryReason, refusal, weekRange } from '../../screens/admin/notify-logic.ts'

// The admin 通知 tab's data (docs/architecture.md §6): channels, routes, the roster week and the
// outbox. Every refusal is kept as translatable reasons (summary + per field), never as the
// server's English text.

export interface NotificationRoute {
  id: number
  name: string
  match: { townships?: string[]; levels?: string[]; rules?: string[]; hours?: { from: string; to: string } }
  channels: number[]
  enabled: boolean
  audience: 'duty' | 'shift_leader' | 'county_leader'
}
export interface Shift {
  id: number
  startsAt: string
  endsAt: string
  dutyOfficer: string
  shiftLeader: string
  createdBy: string
}
export interface OutboxItem {
  id: number
  channelId: number
  channelName: string
  alertId: number | null
  township: string | null
  kind: string
  state: 'pending' | 'sent' | 'dead'
  attempts: number
  nextAttemptAt: string
  lastError: string | null
  createdAt: string
}

/** One list with its load state and the last write's refusal. */
interface Part<T> {
  items: T[]
  loading: boolean
  error: Reason | null
  fields: Record<string, Reason>
}
const part = <T>(): Part<T> => reactive({ items: [], loading: false, error: null, fields: {} }) as Part<T>

async function load<T>(p: Part<T>, path: string): Promise<void> {
  p.loading = true
  p.error = null
  try {
    p.items = (await api<{ items: T[] }>(path)).items
  } catch (err) {
    p.error = refusal(err).summary
  } finally {
    p.loading = false
  }
}

async function run<T, R>(p: Part<T>, call: () => Promise<R>): Promise<R | null> {
  p.error = null
  p.fields = {}
  try {
    return await call()
  } catch (err) {
    const r = refusal(err)
    p.error = r.summary
    p.fields = r.fields
    return null
  }
}

export const useNotifyStore = defineStore('admin-notify', () => {
  const channels = part<ChannelJson>()
  const routes = part<NotificationRoute>()
  const shifts = part<Shift>()
  const outbox = part<OutboxItem>()
  /** The last 测试发送 per channel: sending, then ok or the translated reason. */
  const tests = reactive<Record<number, { sending: boolean; ok: boolean | null; reason: Reason | null }>>({})
  const weekStart = ref(0)
  const outboxState = ref<'pending' | 'dead' | 'sent'>('dead')

  const loadChannels = () => load(channels, '/api/v1/channels')
  const loadRoutes = () => load(routes, '/api/v1/notification-routes')
  function loadShifts(start = weekStart.value): Promise<void> {
    weekStart.value = start
    const { from, to } = weekRange(start)
    return load(shifts, `/api/v1/roster?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)
  }
  const loadOutbox = () => load(outbox, `/api/v1/notifications/outbox?state=${outboxState.value}&limit=200`)

  async function saveChannel(id: number | null, body: Record<string, unknown>): Promise<boolean> {
    const r = await run(channels, () => (id === null ? postJson<ChannelJson>('/api/v1/channels', body) : postJson<ChannelJson>(`/api/v1/channels/${id}`, body, 'PATCH')))
    if (r) await loadChannels()
    return r !== null
  }

  async function testChannel(id: number): Promise<void> {
    tests[id] = { sending: true, ok: null, reason: null }
    try {
      const r = await postJson<{ ok: boolean; error: string | null }>(`/api/v1/channels/${id}/test`, {})
      tests[id] = { sending: false, ok: r.ok, reason: r.ok ? null : deliveryReason(r.error) }
    } catch (err) {
      tests[id] = { sending: false, ok: false, reason: refusal(err).summary }
    }
  }

  async function saveRoute(id: number | null, body: Record<string, unknown>): Promise<boolean> {
    const r = await run(routes, () => (id === null ? postJson<NotificationRoute>('/api/v1/notification-routes', body) : postJson<NotificationRoute>(`/api/v1/notification-routes/${id}`, body, 'PUT')))
    if (r) await loadRoutes()
    return r !== null
  }

  async function deleteRoute(id: number): Promise<void> {
    if ((await run(routes, () => del(`/api/v1/notification-routes/${id}`).then(() => true))) !== null) await loadRoutes()
  }

  async function addShift(body: Record<string, unknown>): Promise<boolean> {
    const r = await run(shifts, () => postJson<Shift>('/api/v1/roster', body))
    if (r) await loadShifts()
    return r !== null
  }

  async function removeShift(id: number): Promise<void> {
    if ((await run(shifts, () => del(`/api/v1/roster/${id}`).then(() => true))) !== null) await loadShifts()
  }

  async function retry(id: number): Promise<void> {
    if ((await run(outbox, () => postJson(`/api/v1/notifications/outbox/${id}/retry`, {}))) !== null) await loadOutbox()
  }

  return { channels, routes, shifts, outbox, tests, weekStart, outboxState, loadChannels, loadRoutes, loadShifts, loadOutbox, saveChannel, testChannel, saveRoute, deleteRoute, addShift, removeShift, retry }
})
