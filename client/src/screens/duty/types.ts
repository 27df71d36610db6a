// The JSON shapes of DESIGN §6 (alerts), §4 (events) and the township explanation, as the client
// receives them (dates are ISO strings). Optional fields are ones the contract allows to be absent.

export type Level = 'blue' | 'yellow' | 'orange' | 'red'
export type AlertState = 'new' | 'acknowledged' | 'dispatched' | 'resolved' | 'closed'
export type AlertAction = 'ack' | 'dispatch' | 'escalate' | 'resolve' | 'close' | 'comment'
export type Satisfaction = 'satisfied' | 'basically_satisfied' | 'dissatisfied'

export const LEVELS: readonly Level[] = ['blue', 'yellow', 'orange', 'red']
export const ALERT_STATES: readonly AlertState[] = ['new', 'acknowledged', 'dispatched', 'resolved', 'closed']
export const SATISFACTIONS: readonly Satisfaction[] = ['satisfied', 'basically_satisfied', 'dissatisfied']

export interface AlertJson {
  id: number | string
  township: { code: string; name: string }
  ruleId: string | null
  /** Not in the §6 minimum, but shown when the server sends it. */
  ruleName?: string | null
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
  lastEvent: { id: number | string; source: string; sourceSystem: string; externalId: string; occurredAt: string } | null
  version: number
}

export interface TimelineEntry {
  seq: number
  at: string
  actor: string | null
  action: string
  fromState: AlertState | null
  toState: AlertState | null
  note: string | null
  payload: Record<string, unknown> | null
}

export interface AlertDetailJson extends AlertJson {
  timeline?: TimelineEntry[]
}

export interface Party {
  name?: string | null
  idNumber?: string | null
  phone?: string | null
}

export interface EventJson {
  id: number | string
  source: string
  sourceSystem?: string
  externalId?: string
  township?: string | { code: string; name?: string }
  village?: string | null
  grid?: string | null
  category: string
  severity?: number
  peopleCount?: number
  occurredAt: string
  reportedAt?: string
  status?: string
  title?: string | null
  summary?: string | null
  parties?: Party[]
  attributes?: Record<string, unknown>
}

export interface SignalJson {
  ruleId: string
  ruleName?: string | null
  kind?: string
  points: number
  pointsNow: number
  at: string
  eventIds: Array<number | string>
  factor?: number
}

export interface ExplanationJson {
  score: number
  level: Level
  silent: boolean
  signals: SignalJson[]
}

export interface TownshipJson {
  code: string
  name: string
  score: number
  level: Level
  silent?: boolean
  updatedAt?: string | null
  tags?: string[]
  explanation?: ExplanationJson
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** A short message at the top of the duty console. */
export interface Notice {
  kind: 'ok' | 'warn' | 'error'
  text: string
}
