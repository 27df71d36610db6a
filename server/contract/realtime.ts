// The realtime protocol of Socket.IO namespace `/live` (docs/architecture.md, "Realtime"): the
// messages and their payloads, typed once for the server's `Server<…>` and the client's
// `Socket<…>`. The protocol is server → client only. Pure: types and constants, no I/O.
import type { Alert, Case } from './api.ts'
import type { Level, Source } from './taxonomy.ts'

export const LIVE_NAMESPACE = '/live'

/** One township's new score and level. */
export interface RiskChange {
  township: string
  score: number
  level: Level
}

/** A township as the snapshot carries it. */
export interface SnapshotTownship extends RiskChange {
  name: string
  /** No zero report and no events recently: its blue means "unknown", not "calm". */
  silent: boolean
  updatedAt: string | null
}

/** `risk:snapshot`, on every (re)connect: the visible townships and the open alerts. */
export interface RiskSnapshot {
  townships: SnapshotTownship[]
  alerts: Alert[]
  seq: number
}

/** `risk:changed`: coalesced score changes. */
export interface RiskChanged {
  changes: RiskChange[]
  seq: number
}

/** `alert:new`, `alert:updated`: an alert after its change, with the change's seq. */
export interface AlertMessage {
  alert: Alert
  seq: number
}

/**
 * `case:new`, `case:updated`: a case after a change of its alerts, with that change's seq (the
 * same seq as the `alert:*` message sent just before it; replayed with it on reconnect).
 */
export interface CaseMessage {
  case: Case
  seq: number
}

/** The event as the ticker sees it: no parties, no personal data, no free text. */
export interface MaskedEvent {
  id: number
  source: Source
  category: string
  township: string
  village: string | null
  severity: number
  peopleCount: number
  collective: boolean
  status: string | null
  occurredAt: string
}

/** An event as the wall holds it: from `event:new`, or from `GET /api/v1/events` (which carries more). */
export type WallEvent = Pick<MaskedEvent, 'source' | 'category' | 'township' | 'occurredAt'> &
  Partial<Pick<MaskedEvent, 'severity' | 'peopleCount' | 'status'>> & { id: number | string; title?: string | null }

/** `event:new`: an accepted event for the ticker, sampled when the rate is high. */
export interface EventMessage {
  event: MaskedEvent
  seq: number
}

/** `system:status`: the server's database stopped or started answering (the data is interrupted). */
export interface SystemStatus {
  database: 'ok' | 'down'
  /** When the current state began (ISO-8601). */
  since: string
}

/** `server:shutdown`: the server is restarting; reconnect (with jitter) and resume from the last seq. */
export interface ServerShutdown {
  reconnect: boolean
  message: string
}

/** `server:error`: why the server refused something (a client emit, a failed snapshot, an ended session). */
export interface ServerError {
  code: string
  message: string
}

/** `geo:updated`: the county's boundaries changed (an upload or a restore); fetch `GET /api/v1/geo/county` again. */
export interface GeoUpdated {
  version: number
}

/**
 * `regions:updated`: regions were created, renamed, moved, retagged, retired or imported
 * (docs/architecture.md §3); fetch the township list again. `codes`: the regions changed, at most
 * the first 200 of them (an import may change hundreds); `townships`: whether a township changed.
 */
export interface RegionsUpdated {
  codes: string[]
  townships: boolean
}

export interface ServerToClientEvents {
  'risk:snapshot': (message: RiskSnapshot) => void
  'risk:changed': (message: RiskChanged) => void
  'alert:new': (message: AlertMessage) => void
  'alert:updated': (message: AlertMessage) => void
  'case:new': (message: CaseMessage) => void
  'case:updated': (message: CaseMessage) => void
  'event:new': (message: EventMessage) => void
  'system:status': (message: SystemStatus) => void
  'geo:updated': (message: GeoUpdated) => void
  'regions:updated': (message: RegionsUpdated) => void
  'server:shutdown': (message: ServerShutdown) => void
  'server:error': (message: ServerError) => void
}

/** Clients send nothing but the handshake (`auth.offset`, the last seq seen; `auth.token` for a non-browser client). */
export type ClientToServerEvents = Record<string, never>

/** What a client sends in the handshake. */
export interface LiveAuth {
  offset?: number
  token?: string
}
