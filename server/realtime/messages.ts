// What travels inside the realtime hub: the messages one process delivers to its sockets (and
// forwards to the others), the per-socket state, and the rooms that are the visibility.
import type { Namespace, Socket } from 'socket.io'
import type { Principal } from '../access/principal.ts'
import { isCollective, type Source } from '#contract/taxonomy.ts'
import type { ClientToServerEvents, MaskedEvent, RegionsUpdated, RiskChange, ServerToClientEvents } from '#contract/realtime.ts'
import type { AlertChange } from '../modules/alerts/service.ts'

/** What ingest hands over; only whitelisted fields ever leave the server (no parties, no text). */
export interface RealtimeEventInput {
  id: number
  source: string
  category: string
  township: string
  village?: string | null
  grid?: string | null
  severity?: number
  peopleCount?: number
  status?: string
  sourceSystem?: string
  occurredAt: Date | string
  [other: string]: unknown
}

/** The part of an alert change that is delivered (and forwarded between processes). */
export type AlertDelivery = Pick<AlertChange, 'seq' | 'township' | 'push' | 'alert' | 'case'>

export type HubMessage =
  | { t: 'alert'; change: AlertDelivery }
  | { t: 'risk'; changes: RiskChange[]; seq: number }
  | { t: 'event'; event: MaskedEvent; seq: number }
  | { t: 'geo'; version: number }
  | { t: 'regions'; message: RegionsUpdated }

export interface SocketState {
  principal: Principal
  /** The session token it authenticated with, re-checked periodically. */
  token: string
  /** null: county-wide; otherwise the only township this socket may see */
  scope: string | null
  /** The last seq the client received (its `auth.offset`): the catch-up replays after it; null: no replay. */
  offset: number | null
  /** Live messages held back while the socket receives its snapshot and replay; null once live. */
  pending: HubMessage[] | null
  /** Alert changes up to this seq were covered by the snapshot or the replay. */
  replayedUpTo: number
  /** Whether its alerts carry officers' free text (resolution, follow-up): not for the wall (docs/architecture.md §8). */
  freeText: boolean
}

export type LiveNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketState>
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketState>

/** Emits to one socket and counts it (the `shaowang_realtime_messages_total` metric). */
export type EmitTo = <E extends keyof ServerToClientEvents>(socket: LiveSocket, event: E, ...payload: Parameters<ServerToClientEvents[E]>) => void

export const COUNTY_ROOM = 'county'
export const townshipRoom = (code: string) => `township:${code}`

export function visibleTo(scope: string | null, township: string): boolean {
  return scope === null || scope === township
}

export function riskFor(scope: string | null, changes: RiskChange[]): RiskChange[] {
  return scope === null ? changes : changes.filter((c) => c.township === scope)
}

export function maskEvent(e: RealtimeEventInput): MaskedEvent {
  const peopleCount = typeof e.peopleCount === 'number' ? e.peopleCount : 1
  return {
    id: e.id,
    source: e.source as Source,
    category: e.category,
    township: e.township,
    village: e.village ?? null,
    severity: typeof e.severity === 'number' ? e.severity : 1,
    peopleCount,
    collective: isCollective(peopleCount),
    status: typeof e.status === 'string' ? e.status : null,
    occurredAt: e.occurredAt instanceof Date ? e.occurredAt.toISOString() : String(e.occurredAt),
  }
}
