import type { EventStatus, Source } from './taxonomy.ts'

/**
 * An event as the risk engine sees it: normalised, with times as epoch milliseconds (the
 * engine is hot and deterministic; Dates are for the edges) and parties reduced to keyed
 * hashes (the engine never needs, and never holds, personal data).
 */
export interface RiskEvent {
  id: number
  source: Source
  sourceSystem: string
  externalId: string
  township: string
  village: string | null
  grid: string | null
  category: string
  severity: number
  peopleCount: number
  occurredAt: number
  reportedAt: number
  status: EventStatus
  title: string | null
  /** Keyed hashes (HMAC) of the parties' identities, used to follow one party across sources. */
  partyHashes: string[]
  attributes: Record<string, unknown>
}

/** A township's "nothing to report today" (零报告): counts as a sign of life for silence rules. */
export interface ZeroReport {
  township: string
  /** Local calendar date in the centre's time zone, YYYY-MM-DD. */
  date: string
  at: number
}

/** What rules may know of a township. */
export interface TownshipContext {
  code: string
  name: string
  tags: string[]
}

/** A sensitive period (敏感期): holidays, major meetings. Half-open [from, to) in epoch ms. */
export interface SensitivePeriod {
  id?: number
  name: string
  from: number
  to: number
}
