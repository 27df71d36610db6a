// The one alerts store of the client: the wall's counters and ticker, the duty console's queue
// and actions, and the township page's alerts all read it. Fed by REST and by the one `/live`
// connection (lib/live.ts); an older version of an alert never replaces a newer one.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { type AlertAction, isOpen } from '#contract/alerts.ts'
import type { Alert, AlertDetail, Page, TimelineEntry } from '#contract/api.ts'
import type { AlertMessage } from '#contract/realtime.ts'
import { alertKpis } from '../lib/alert-kpis.ts'
import { alertsQuery, type AlertsFilter, lastChange } from '../lib/alerts-query.ts'
import { ApiError, api, postJson } from '../lib/api.ts'

/** About this many alerts are held (at most 10 % more): every open one, then the most recent closed ones (KPI window). */
export const MAX_ALERTS = 1000
/** The ticker shows at most this many. */
export const TICKER_SIZE = 50
const REST_PAGE = 200
const REST_MAX_PAGES = 5

export type AlertDetailJson = Alert & { timeline?: TimelineEntry[] }

export type ActionOutcome =
  | { kind: 'ok'; alert: Alert }
  /** 409: someone else changed it first; `alert` is the refreshed copy, `by` its latest change. */
  | { kind: 'stale' | 'conflict'; alert: Alert | null; by: TimelineEntry | null; message: string }
  | { kind: 'invalid'; fields: Array<{ field: string; message: string }>; message: string }
  | { kind: 'error'; status: number; message: string }

const keyOf = (alert: Pick<Alert, 'id'>) => String(alert.id)
const timeOf = (alert: Alert) => Date.parse(alert.lastSeenAt || alert.raisedAt) || 0

function isAlert(value: unknown): value is Alert {
  return typeof value === 'object' && value !== null && 'id' in value && 'state' in value && 'version' in value
}

/**
 * Keeps every open alert and the newest others up to `max`. Trims only once the map is 10 %
 * over, so a steady stream costs a sort per hundred alerts rather than one per alert.
 */
export function trimAlerts(byId: Map<string, Alert>, max: number): Map<string, Alert> {
  if (byId.size <= Math.ceil(max * 1.1)) return byId
  const closed = [...byId.values()].filter((a) => !isOpen(a)).sort((a, b) => timeOf(b) - timeOf(a))
  const drop = new Set(closed.slice(Math.max(0, max - (byId.size - closed.length))).map(keyOf))
  return new Map([...byId].filter(([k]) => !drop.has(k)))
}

export const useAlertsStore = defineStore('alerts', () => {
  const byId = shallowRef(new Map<string, Alert>())
  /** false when the alerts API is not there (404): the panels show an empty state. */
  const available = ref(true)
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)
  /** The next page of the last filtered list (the duty queue's "more"). */
  const nextCursor = ref<string | null>(null)
  const newListeners = new Set<(alert: Alert) => void>()

  const all = computed(() => [...byId.value.values()])
  /** Newest first by last activity, bounded: what the ticker scrolls. */
  const ticker = computed(() => [...all.value].sort((a, b) => timeOf(b) - timeOf(a) || keyOf(b).localeCompare(keyOf(a))).slice(0, TICKER_SIZE))
  const kpis = computed(() => alertKpis(all.value))
  /** New (not yet acknowledged) red alerts: they flash the wall until the duty console acknowledges them. */
  const unacknowledgedRed = computed(() => all.value.filter((a) => a.level === 'red' && a.state === 'new'))
  /** Townships with a new red or orange alert: pulsing marks on the map. */
  const pulsing = computed(() => {
    const out = new Map<string, Alert['level']>()
    for (const a of all.value) {
      if (a.state !== 'new' || (a.level !== 'red' && a.level !== 'orange')) continue
      if (out.get(a.township.code) !== 'red') out.set(a.township.code, a.level)
    }
    return out
  })

  const get = (id: Alert['id'] | string): Alert | undefined => byId.value.get(String(id))

  function commit(next: Map<string, Alert>): void {
    byId.value = trimAlerts(next, MAX_ALERTS)
  }

  /**
   * Upserts by id; a copy with an older `version` than the one held is ignored, and so is an
   * equal one unless `orSame` (an authoritative REST read may replace an equal version; a socket
   * message of the same version carries nothing new). Returns whether it applied.
   */
  function upsert(alert: Alert, orSame = true): boolean {
    if (!isAlert(alert)) return false
    const held = byId.value.get(keyOf(alert))
    if (held && (orSame ? alert.version < held.version : alert.version <= held.version)) return false
    const next = new Map(byId.value)
    next.set(keyOf(alert), alert)
    commit(next)
    return true
  }

  function upsertMany(alerts: readonly Alert[]): void {
    const next = new Map(byId.value)
    for (const alert of alerts) {
      if (!isAlert(alert)) continue
      const held = next.get(keyOf(alert))
      if (!held || held.version <= alert.version) next.set(keyOf(alert), alert)
    }
    commit(next)
  }

  /** `alert:new`: applies it, and announces an alert seen for the first time (sound, notification). */
  function applyNew(message: AlertMessage): boolean {
    if (!isAlert(message?.alert)) return false
    const fresh = !byId.value.has(keyOf(message.alert))
    const applied = upsert(message.alert, false)
    if (applied && fresh) for (const fn of newListeners) fn(message.alert)
    return applied
  }

  /** `alert:updated`. */
  function applyUpdated(message: AlertMessage): boolean {
    return isAlert(message?.alert) && upsert(message.alert, false)
  }

  /** Replaces the open alerts with the snapshot's; closed ones stay for the KPIs (replays update them). */
  function replaceOpen(open: readonly Alert[]): void {
    const next = new Map([...byId.value].filter(([, a]) => !isOpen(a)))
    for (const alert of open) {
      if (!isAlert(alert)) continue
      const held = byId.value.get(keyOf(alert)) ?? next.get(keyOf(alert))
      next.set(keyOf(alert), held && held.version > alert.version ? held : alert)
    }
    commit(next)
  }

  /** Called with each alert that appears for the first time over the socket. */
  function onNew(fn: (alert: Alert) => void): () => void {
    newListeners.add(fn)
    return () => newListeners.delete(fn)
  }

  /** The wall's load: the newest alerts in any state (bounded pages); 404 → not available. Rejects only on 401. */
  async function load(): Promise<void> {
    try {
      const items: Alert[] = []
      let cursor: string | null = null
      for (let page = 0; page < REST_MAX_PAGES; page++) {
        const query = new URLSearchParams({ limit: String(REST_PAGE) })
        if (cursor) query.set('cursor', cursor)
        const res: Page<Alert> = await api<Page<Alert>>(`/api/v1/alerts?${query}`)
        items.push(...(res.items ?? []))
        cursor = res.nextCursor
        if (!cursor) break
      }
      upsertMany(items)
      available.value = true
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err
      if (err instanceof ApiError && err.status === 404) available.value = false
    } finally {
      loaded.value = true
    }
  }

  /** A filtered page (the duty queue, a township's alerts); `more`: the next page of the same list. */
  async function loadFiltered(filter: AlertsFilter, more = false): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const page = await api<Page<Alert>>(`/api/v1/alerts?${alertsQuery(filter, more ? nextCursor.value : null)}`)
      upsertMany(page.items ?? [])
      nextCursor.value = page.nextCursor ?? null
      available.value = true
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) available.value = false
      else error.value = (err as Error).message
    } finally {
      loading.value = false
      loaded.value = true
    }
  }

  async function fetchDetail(id: Alert['id'] | string): Promise<AlertDetailJson> {
    // The API answers {alert, timeline, comments}; the drawer works with the alert and its timeline together.
    const raw = await api<AlertDetail>(`/api/v1/alerts/${encodeURIComponent(String(id))}`)
    upsert(raw.alert)
    return { ...raw.alert, timeline: raw.timeline }
  }

  /** An action with the version this client saw: a 409 brings the refreshed alert and who changed it. */
  async function perform(id: Alert['id'] | string, action: AlertAction, body: Record<string, unknown>): Promise<ActionOutcome> {
    const current = get(id)
    if (!current) return { kind: 'error', status: 0, message: 'unknown alert' }
    try {
      const result = await postJson<unknown>(`/api/v1/alerts/${encodeURIComponent(String(id))}/${action}`, { ...body, version: current.version })
      const updated = isAlert(result) ? result : isAlert((result as { alert?: unknown })?.alert) ? (result as { alert: Alert }).alert : null
      if (updated) {
        upsert(updated)
        return { kind: 'ok', alert: updated }
      }
      const { timeline: _timeline, ...refreshed } = await fetchDetail(id)
      return { kind: 'ok', alert: refreshed }
    } catch (err) {
      if (!(err instanceof ApiError)) return { kind: 'error', status: 0, message: (err as Error).message }
      if (err.status === 409) {
        const refreshed = await fetchDetail(id).catch(() => null)
        const alert = refreshed ? (({ timeline: _t, ...a }) => a)(refreshed) : null
        return { kind: err.code === 'stale' ? 'stale' : 'conflict', alert, by: lastChange(refreshed?.timeline), message: err.message }
      }
      if (err.status === 400 && err.fields.length) return { kind: 'invalid', fields: err.fields, message: err.message }
      return { kind: 'error', status: err.status, message: err.message }
    }
  }

  return {
    byId,
    available,
    loaded,
    loading,
    error,
    nextCursor,
    all,
    ticker,
    kpis,
    unacknowledgedRed,
    pulsing,
    get,
    upsert,
    applyNew,
    applyUpdated,
    replaceOpen,
    onNew,
    load,
    loadFiltered,
    fetchDetail,
    perform,
  }
})
