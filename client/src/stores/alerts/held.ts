import { computed, shallowRef } from 'vue'
import { isOpen } from '#contract/alerts.ts'
import type { Alert } from '#contract/api.ts'

/** About this many alerts are held (at most 10 % more): every open one, then the most recent closed ones (KPI window). */
export const MAX_ALERTS = 1000

export const keyOf = (alert: Pick<Alert, 'id'>) => String(alert.id)
export const timeOf = (alert: Alert) => Date.parse(alert.lastSeenAt || alert.raisedAt) || 0

export function isAlert(value: unknown): value is Alert {
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

/**
 * The alerts held, by id, whatever brought them (REST or the socket): an older version of an
 * alert never replaces a newer one, and the map stays bounded (trimAlerts).
 */
export function useHeldAlerts() {
  const byId = shallowRef(new Map<string, Alert>())
  const all = computed(() => [...byId.value.values()])

  const get = (id: Alert['id'] | string): Alert | undefined => byId.value.get(String(id))
  const has = (alert: Pick<Alert, 'id'>): boolean => byId.value.has(keyOf(alert))

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

  return { byId, all, get, has, upsert, upsertMany, replaceOpen }
}
