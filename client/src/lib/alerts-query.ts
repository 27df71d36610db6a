// Helpers of the alerts REST API: the query string of a filtered list (the server narrows, the
// screen filters again: the store also holds alerts from other lists and from the socket), and
// the latest change of a timeline. Pure.
import type { AlertState } from '#contract/alerts.ts'
import type { TimelineEntry } from '#contract/api.ts'
import type { Level } from '#contract/taxonomy.ts'

export interface AlertsFilter {
  /** `open` and `all` are not sent: the open ones are filtered on the client (both kinds arrive). */
  state: 'open' | 'all' | AlertState
  level: Level | ''
  township: string
}

export function alertsQuery(filter: AlertsFilter, cursor: string | null = null, limit = 100): string {
  const q = new URLSearchParams()
  if (filter.state !== 'open' && filter.state !== 'all') q.set('state', filter.state)
  if (filter.level) q.set('level', filter.level)
  if (filter.township) q.set('township', filter.township)
  if (cursor) q.set('cursor', cursor)
  q.set('limit', String(limit))
  return q.toString()
}

/** The duty queue's case filter: the alert filter plus the flags `GET /api/v1/cases` knows. */
export interface CasesFilter extends AlertsFilter {
  /** Escalated (挂牌督办) cases only, or the overdue ones (past the acknowledgement or handling deadline). */
  flag: '' | 'escalated' | 'overdue'
}

/** The query string for `GET /api/v1/cases` (the server narrows; the queue filters again). */
export function casesQuery(filter: CasesFilter, cursor: string | null = null, limit = 100): string {
  const q = new URLSearchParams()
  if (filter.state === 'open') q.set('status', 'open')
  else if (filter.state !== 'all') q.set('status', filter.state)
  if (filter.level) q.set('level', filter.level)
  if (filter.township) q.set('township', filter.township)
  if (filter.flag) q.set(filter.flag, 'true')
  if (cursor) q.set('cursor', cursor)
  q.set('limit', String(limit))
  return q.toString()
}

/** Who changed an alert (or a case's members) last and when, from its timeline (for the 409 notice). */
export function lastChange<T extends TimelineEntry>(timeline: readonly T[] | undefined): T | null {
  if (!timeline?.length) return null
  return timeline.reduce((a, b) => (b.seq > a.seq ? b : a))
}
