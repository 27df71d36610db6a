// Client-side shapes of the realtime and REST contracts (DESIGN §5–§7), taken from the server's
// schemas wherever it has one.
import type { Level, Source } from '../../../server/domain/taxonomy.ts'

export type { Level, Source }

import type { Alert } from '../../../server/modules/alerts/schema.ts'
import { ALERT_STATES, type AlertState, SATISFACTIONS, type Satisfaction } from '../../../server/domain/alert-lifecycle.ts'

// An alert as JSON (DESIGN §6): the server's route schema is the one definition.
export type { Alert, AlertState, Satisfaction }
export { ALERT_STATES, SATISFACTIONS }
/** States in which an alert is still being worked on. */
export const OPEN_ALERT_STATES: readonly AlertState[] = ['new', 'acknowledged', 'dispatched']

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
