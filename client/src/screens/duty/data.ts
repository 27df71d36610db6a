// Read-only fetches around an alert: its township's explanation and its events. A missing
// endpoint (404) is an empty result, never an exception for the screen.
import { ApiError, api } from '../../lib/api.ts'
import type { AlertJson, EventJson, SignalJson, TownshipJson } from './types.ts'

export async function fetchTownship(code: string): Promise<TownshipJson | null> {
  try {
    return await api<TownshipJson>(`/api/v1/townships/${encodeURIComponent(code)}`)
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null
    throw err
  }
}

/** Signals by current weight, the heaviest first. */
export function topSignals(signals: readonly SignalJson[] | undefined, n = 8): SignalJson[] {
  return [...(signals ?? [])].sort((a, b) => b.pointsNow - a.pointsNow).slice(0, n)
}

/**
 * The events behind an alert: its latest event, then those of its rule's signals (or, for a
 * level alert, of the township's heaviest signals), without repeats, at most `limit`.
 */
export function contributingEventIds(alert: AlertJson, signals: readonly SignalJson[] | undefined, limit = 8): string[] {
  const ids: string[] = []
  const add = (id: number | string) => {
    const k = String(id)
    if (!ids.includes(k)) ids.push(k)
  }
  if (alert.lastEvent) add(alert.lastEvent.id)
  const own = (signals ?? []).filter((s) => alert.ruleId && s.ruleId === alert.ruleId)
  for (const s of topSignals(own.length ? own : signals, 20)) for (const id of s.eventIds) add(id)
  return ids.slice(0, limit)
}

export interface EventsResult {
  events: EventJson[]
  failed: number
}

export async function fetchEvents(ids: readonly string[]): Promise<EventsResult> {
  const results = await Promise.allSettled(ids.map((id) => api<EventJson>(`/api/v1/events/${encodeURIComponent(id)}`)))
  const events: EventJson[] = []
  let failed = 0
  for (const r of results) {
    if (r.status === 'fulfilled') events.push(r.value)
    else failed++
  }
  return { events, failed }
}
