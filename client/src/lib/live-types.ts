// Client-side shapes of the realtime and REST contracts (DESIGN §5–§7). The server owns these;
// the client is tolerant of additions and of optional fields being absent.
import type { Level, Source } from '../../../server/domain/taxonomy.ts'

export type { Level, Source }

export const ALERT_STATES = ['new', 'acknowledged', 'dispatched', 'resolved', 'closed'] as const
export type AlertState = (typeof ALERT_STATES)[number]
/** States in which an alert is still being worked on. */
export const OPEN_ALERT_STATES: readonly AlertState[] = ['new', 'acknowledged', 'dispatched']

/** 满意 / 基本满意 / 不满意, as recorded at the follow-up visit (回访). */
export type Satisfaction = 'satisfied' | 'basically_satisfied' | 'unsatisfied'

/** An alert as JSON (DESIGN §6). Fields after `version` are optional extensions. */
export interface Alert {
  id: number | string
  township: { code: string; name: string }
  ruleId: string | null
  level: Level
  state: AlertState
  escalated: boolean
  recovered: boolean
  count: number
  raisedAt: string
  lastSeenAt: string
  deadline: string | null
  department: string | null
  leadOfficial: string | null
  lastEvent: { id: number | string; source: Source; sourceSystem: string; externalId: string; occurredAt: string } | null
  version: number
  resolvedAt?: string | null
  closedAt?: string | null
  satisfaction?: Satisfaction | string | null
}

/** An event as the wall receives it: masked, never with parties (DESIGN §4, §8). */
export interface WallEvent {
  id: number | string
  source: Source
  category: string
  township: string
  occurredAt: string
  severity?: number
  peopleCount?: number
  status?: string
  title?: string | null
}

export interface TownshipChange {
  township: string
  score: number
  level: Level
}

/** What `risk:snapshot` carries: the visible townships' scores and levels and the open alerts. */
export interface RiskSnapshot {
  townships: Array<Partial<TownshipChange> & { code?: string; score: number; level: Level; silent?: boolean; updatedAt?: string | null }>
  alerts?: Alert[]
  seq?: number
}

export interface RiskChanged {
  changes: TownshipChange[]
  seq: number
}

export interface AlertMessage {
  alert: Alert
  seq: number
}

/** `system:status`: the server's database stopped or started answering (the data is interrupted). */
export interface SystemStatus {
  database: 'ok' | 'down'
  since: string
}

export interface EventMessage {
  event: WallEvent
  seq: number
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export interface RuleLevels {
  yellow: number
  orange: number
  red: number
}

/** One contributing signal of a score (GET /api/v1/townships/:code → explanation.signals). */
export interface ScoreSignal {
  ruleId?: string
  ruleName?: string
  name?: string
  points?: number
  pointsNow?: number
  at?: string | number
}
