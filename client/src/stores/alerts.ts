import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { ApiError, api } from '../lib/api.ts'
import { isOpen } from '#contract/alerts.ts'
import type { Alert, Page } from '#contract/api.ts'
import { alertKpis } from '../lib/alert-kpis.ts'

/** About this many alerts are held (at most 10 % more): every open one, then the most recent closed ones (KPI window). */
export const MAX_ALERTS = 1000
/** The ticker shows at most this many. */
export const TICKER_SIZE = 50
const REST_PAGE = 200
const REST_MAX_PAGES = 5

const keyOf = (alert: Pick<Alert, 'id'>) => String(alert.id)
const timeOf = (alert: Alert) => Date.parse(alert.lastSeenAt || alert.raisedAt) || 0

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

  /** Upserts by id; a message carrying an older `version` than the one held is ignored. Returns whether it applied. */
  function upsert(alert: Alert): boolean {
    if (!alert || alert.id === undefined || alert.id === null) return false
    const key = keyOf(alert)
    const held = byId.value.get(key)
    if (held && typeof held.version === 'number' && typeof alert.version === 'number' && alert.version < held.version) return false
    const next = new Map(byId.value)
    next.set(key, alert)
    byId.value = trimAlerts(next, MAX_ALERTS)
    return true
  }

  /** Replaces the open alerts with the snapshot's; closed ones stay for the KPIs (replays update them). */
  function replaceOpen(open: Alert[]): void {
    const next = new Map([...byId.value].filter(([, a]) => !isOpen(a)))
    for (const alert of open) {
      const held = next.get(keyOf(alert))
      if (held && typeof held.version === 'number' && held.version > alert.version) continue
      next.set(keyOf(alert), alert)
    }
    byId.value = trimAlerts(next, MAX_ALERTS)
  }

  /** Initial load: the newest alerts in any state (bounded pages); 404 → not available. */
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
      const next = new Map(byId.value)
      for (const alert of items) {
        const held = next.get(keyOf(alert))
        if (!held || held.version <= alert.version) next.set(keyOf(alert), alert)
      }
      byId.value = trimAlerts(next, MAX_ALERTS)
      available.value = true
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err
      if (err instanceof ApiError && err.status === 404) available.value = false
    } finally {
      loaded.value = true
    }
  }

  return { byId, available, loaded, all, ticker, kpis, unacknowledgedRed, pulsing, upsert, replaceOpen, load }
})
