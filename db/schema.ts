// Table types for Kysely: the single source of the database's TypeScript types. Column names
// are camelCase here and snake_case in SQL (CamelCasePlugin).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'
import { ALERT_STATES, type AlertState as AlertStateName, SATISFACTIONS, type Satisfaction } from '../server/domain/alert-lifecycle.ts'
import { ALERT_LEVELS, type AlertLevel } from '../server/domain/ruleset.ts'

type Timestamp = ColumnType<Date, Date | string, Date | string>
type CreatedAt = ColumnType<Date, Date | string | undefined, never>
type Json<T> = ColumnType<T, string | T, string | T>

export type RegionLevel = 'county' | 'township' | 'village' | 'grid'

export interface RegionTable {
  code: string
  parentCode: string | null
  level: RegionLevel
  name: string
  /** town / township / subdistrict / village / community / grid */
  kind: string
  tags: ColumnType<string[], string[] | undefined, string[]>
  population: number | null
  /** [lon, lat] of the township seat, for labels and pulsing marks. */
  seat: Json<[number, number] | null>
  /** Relative event volume used by the simulator; 1 when unknown. */
  weight: ColumnType<number, number | undefined, number>
  /** Set when the region was retired: it keeps its history and takes no new events. */
  retiredAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  /** 城乡分类代码 of the national statistical code table (111 主城区 … 220 村庄), when imported. */
  urbanRural: ColumnType<string | null, string | null | undefined, string | null>
  createdAt: CreatedAt
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
}

export interface TownshipRiskTable {
  township: string
  score: number
  level: string
  silent: boolean
  updatedAt: Timestamp
}

export interface GeoLayerTable {
  name: string
  geojson: Json<unknown>
  updatedAt: Timestamp
  updatedBy: string | null
  /** The geo_version this layer is (null: loaded before versions existed, e.g. the demo seed). */
  versionId: number | null
}

export interface GeoVersionTable {
  id: Generated<number>
  layer: string
  geojson: Json<unknown>
  /** The upload's report (matches, simplification, outliers), as the PUT answered it. */
  report: Json<unknown>
  fileName: string | null
  createdAt: CreatedAt
  createdBy: string
}

/** One code of a code table (docs/architecture.md §4); kinds and meaning in server/domain/code-tables.ts. */
export interface CodeEntryTable {
  id: Generated<number>
  kind: string
  source: ColumnType<string, string | undefined, string>
  code: string
  labelZh: string
  labelEn: string
  synonyms: ColumnType<string[], string[] | undefined, string[]>
  sort: ColumnType<number, number | undefined, number>
  retiredAt: Date | null
  createdAt: CreatedAt
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
  updatedBy: string | null
}

export const ROLES = ['admin', 'analyst', 'duty', 'leader', 'township'] as const
export type Role = (typeof ROLES)[number]

export interface AppUserTable {
  id: Generated<number>
  username: string
  displayName: string | null
  passwordHash: string
  roles: ColumnType<Role[], Role[], Role[]>
  township: string | null
  disabled: ColumnType<boolean, boolean | undefined, boolean>
  /** Created by DEMO=1 with a documented password: refused in production. */
  demo: ColumnType<boolean, boolean | undefined, boolean>
  failedLogins: ColumnType<number, number | undefined, number>
  lockedUntil: Date | null
  createdAt: CreatedAt
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
}

export interface SessionTable {
  id: string
  userId: number
  kioskId: number | null
  csrfToken: string
  createdAt: CreatedAt
  lastSeenAt: Timestamp
  expiresAt: Timestamp
  revokedAt: Date | null
  ip: string | null
  userAgent: string | null
}

export interface FeedTable {
  id: Generated<number>
  name: string
  description: string | null
  tokenHash: string
  createdBy: string | null
  createdAt: CreatedAt
  revokedAt: Date | null
  lastUsedAt: Date | null
}

export interface KioskTable {
  id: Generated<number>
  name: string
  tokenHash: string
  /** The kiosk's own system user (roles: leader; no usable password). */
  userId: number
  createdBy: string | null
  createdAt: CreatedAt
  revokedAt: Date | null
  lastUsedAt: Date | null
}

export interface AuditTable {
  id: Generated<number>
  at: ColumnType<Date, Date | string | undefined, never>
  actor: string
  actorKind: 'user' | 'feed' | 'kiosk' | 'system' | 'anonymous'
  action: string
  target: string | null
  fromValue: Json<unknown> | null
  toValue: Json<unknown> | null
  note: string | null
  ip: string | null
}

export interface RulesetVersionTable {
  id: Generated<number>
  document: Json<unknown>
  comment: string | null
  basedOn: number | null
  createdBy: string
  createdAt: CreatedAt
  live: ColumnType<boolean, boolean | undefined, boolean>
  publishedAt: Date | null
  publishedBy: string | null
  publishComment: string | null
}

export interface SensitivePeriodTable {
  id: Generated<number>
  name: string
  startsAt: Timestamp
  endsAt: Timestamp
  createdBy: string
  createdAt: CreatedAt
}

export interface EventTable {
  id: Generated<number>
  source: 'dispute' | 'petition' | 'incident'
  sourceSystem: string
  externalId: string
  township: string
  village: string | null
  grid: string | null
  category: string
  severity: number
  peopleCount: number
  occurredAt: Timestamp
  reportedAt: Timestamp
  receivedAt: Timestamp
  status: 'open' | 'in_progress' | 'resolved' | 'closed'
  title: string | null
  summary: string | null
  attributes: Json<Record<string, unknown>>
  /** Keyed hashes (HMAC) of the parties' identifiers. */
  partyHashes: ColumnType<string[], string[] | undefined, string[]>
  /** The parties, AES-256-GCM encrypted (server/access/personal-data.ts); null when none. */
  partiesEnc: string | null
  partyCount: ColumnType<number, number | undefined, number>
  contentHash: string
  version: ColumnType<number, number | undefined, number>
  feedId: number | null
  submittedBy: string
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
}

export interface EventHistoryTable {
  eventId: number
  version: number
  changedAt: ColumnType<Date, Date | string | undefined, never>
  feedId: number | null
  changedBy: string
  /** The previous content, camelCase keys as in EventTable (partiesEnc stays encrypted). */
  content: Json<Record<string, unknown>>
}

export interface ZeroReportTable {
  township: string
  /** The local calendar day (TZ_DISPLAY), YYYY-MM-DD. The drivers parse `date` differently: select it as `date::text`. */
  date: ColumnType<Date | string, string, string>
  reportedAt: ColumnType<Date, Date | string | undefined, Date | string>
  feedId: number | null
  reportedBy: string
}

// The domain owns these vocabularies; the table types use them.

export { ALERT_LEVELS, ALERT_STATES, SATISFACTIONS }
export type { AlertLevel, AlertStateName, Satisfaction }

/** What an alert remembers of the event that last touched it (the event table is not FK'd). */
export interface LastEventSnapshot {
  id: number
  source: string | null
  sourceSystem: string | null
  externalId: string | null
  occurredAt: string | null
}

export interface AlertTable {
  id: Generated<number>
  key: string
  township: string
  ruleId: string | null
  level: AlertLevel
  levelRank: Generated<number>
  state: ColumnType<AlertStateName, AlertStateName | undefined, AlertStateName>
  escalated: ColumnType<boolean, boolean | undefined, boolean>
  recovered: ColumnType<boolean, boolean | undefined, boolean>
  recoveredAt: Date | null
  count: ColumnType<number, number | undefined, number>
  reason: string | null
  raisedAt: Timestamp
  lastSeenAt: Timestamp
  deadline: Date | null
  department: string | null
  leadOfficial: string | null
  resolution: string | null
  followUp: string | null
  satisfaction: Satisfaction | null
  lastEventId: number | null
  lastEvent: Json<LastEventSnapshot | null>
  suppressed: ColumnType<boolean, boolean | undefined, boolean>
  silenceId: number | null
  version: ColumnType<number, number | undefined, number>
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
  resolvedAt: Date | null
  closedAt: Date | null
  /** The case it belongs to (null while suppressed: a silenced alert joins none). */
  caseId: ColumnType<number | null, number | null | undefined, number | null>
  /** By when it must be signed for (签收): from its level, set when it is raised. */
  ackDeadline: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  /** The rule's name as it was when raised (null for a level alert). */
  ruleName: ColumnType<string | null, string | null | undefined, string | null>
}

/** The triggering event of a case, masked: what happened, never who or the free text. */
export interface CaseEventSnapshot {
  id: number
  source: string
  category: string
  peopleCount: number
  severity: number
  village: string | null
  occurredAt: string
}

export interface AlertCaseTable {
  id: Generated<number>
  township: string
  level: AlertLevel
  levelRank: Generated<number>
  status: ColumnType<AlertStateName, AlertStateName | undefined, AlertStateName>
  escalated: ColumnType<boolean, boolean | undefined, boolean>
  ackEscalatedAt: Date | null
  openedAt: Timestamp
  lastAlertAt: Timestamp
  createdAt: Timestamp
  ackDeadline: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  deadline: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  department: string | null
  leadOfficial: string | null
  acknowledgedAt: Date | null
  resolvedAt: Date | null
  closedAt: Date | null
  firstAlertId: number
  alertCount: ColumnType<number, number | undefined, number>
  eventIds: Json<number[]>
  event: Json<CaseEventSnapshot | null>
  version: ColumnType<number, number | undefined, number>
  updatedAt: Timestamp
  /** Escalation policy steps fired after the acknowledgement deadline (docs/architecture.md §6). */
  escalationStep: ColumnType<number, number | undefined, number>
  escalationStepAt: Date | null
}

export interface AlertChangeTable {
  seq: Generated<number>
  alertId: number
  township: string
  at: Timestamp
  actor: string
  action: string
  fromState: string | null
  toState: string
  note: string | null
  payload: Json<unknown> | null
  alert: Json<unknown>
  push: 'alert:new' | 'alert:updated' | null
  caseId: ColumnType<number | null, number | null | undefined, number | null>
  /** Set on the change after which its case is pushed (the last of a transaction's changes to that case). */
  casePush: ColumnType<'case:new' | 'case:updated' | null, 'case:new' | 'case:updated' | null | undefined, 'case:new' | 'case:updated' | null>
  /** The case's public JSON after the change, when casePush is set. */
  caseJson: ColumnType<unknown, string | null | undefined, string | null>
}

export interface SilenceMatchers {
  township?: string
  ruleId?: string
  level?: AlertLevel
}

export interface SilenceTable {
  id: Generated<number>
  matchers: Json<SilenceMatchers>
  reason: string
  createdBy: string
  createdAt: CreatedAt
  expiresAt: Timestamp
  revokedAt: Date | null
  revokedBy: string | null
}

export const CHANNEL_KINDS = ['webhook', 'wecom', 'dingtalk', 'feishu', 'email', 'sms'] as const
export type ChannelKind = (typeof CHANNEL_KINDS)[number]

export interface NotificationChannelTable {
  id: Generated<number>
  name: string
  kind: ChannelKind
  config: Json<Record<string, unknown>>
  secret: string | null
  enabled: ColumnType<boolean, boolean | undefined, boolean>
  ratePerMinute: ColumnType<number, number | undefined, number>
  maxAttempts: ColumnType<number, number | undefined, number>
  /** The shared rate bucket's tokens at `rateTokensAt` (null: full); see migration 0013. */
  rateTokens: ColumnType<number | null, never, number>
  rateTokensAt: ColumnType<Date | null, never, Date>
  createdBy: string
  createdAt: CreatedAt
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
}

/** Who a route reaches: the duty desk (new alerts, the deadline's escalation) or a later escalation step. */
export const ROUTE_AUDIENCES = ['duty', 'shift_leader', 'county_leader'] as const
export type RouteAudience = (typeof ROUTE_AUDIENCES)[number]

export interface RouteMatch {
  townships?: string[]
  levels?: AlertLevel[]
  /** Rule ids; `level` names level alerts. */
  rules?: string[]
  /** Local time of day in TZ_DISPLAY, "HH:MM"; from > to spans midnight. */
  hours?: { from: string; to: string }
}

export interface NotificationRouteTable {
  id: Generated<number>
  name: string
  match: Json<RouteMatch>
  channels: Json<number[]>
  enabled: ColumnType<boolean, boolean | undefined, boolean>
  /** Which escalation step the route serves (docs/architecture.md §6, "Escalation policy"). */
  audience: ColumnType<RouteAudience, RouteAudience | undefined, RouteAudience>
  createdBy: string
  createdAt: CreatedAt
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
}

/** What a notification says: no personal data, no event free text. */
export interface NotificationMessage {
  kind: 'raised' | 'escalated' | 'step' | 'test'
  alertId: number | null
  township: { code: string; name: string } | null
  level: AlertLevel | null
  rule: string | null
  count: number | null
  deadline: string | null
  link: string
  at: string
  /** An escalation step: its number (1-based), whom it reaches and, from the roster, the 带班领导 on shift. */
  step?: { index: number; audience: RouteAudience; shiftLeader: string | null }
}

export interface NotificationOutboxTable {
  id: Generated<number>
  channelId: number
  idempotencyKey: string
  alertId: number | null
  township: string | null
  message: Json<NotificationMessage>
  state: ColumnType<'pending' | 'sent' | 'dead', 'pending' | undefined, 'pending' | 'sent' | 'dead'>
  attempts: ColumnType<number, number | undefined, number>
  nextAttemptAt: Timestamp
  lastError: string | null
  createdAt: CreatedAt
  sentAt: Date | null
}

/** One delivery attempt of an outbox message and how it ended (the case timeline's 通知 entries). */
export interface NotificationDeliveryTable {
  id: Generated<number>
  outboxId: number
  alertId: number | null
  attempt: number
  outcome: DeliveryOutcome
  error: string | null
  at: Timestamp
}

export const DELIVERY_OUTCOMES = ['sent', 'retry', 'dead'] as const
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number]

export interface DutyShiftTable {
  id: Generated<number>
  startsAt: Timestamp
  endsAt: Timestamp
  dutyOfficer: string
  shiftLeader: string
  createdBy: string
  createdAt: CreatedAt
}

export interface Database {
  alert: AlertTable
  alertCase: AlertCaseTable
  alertChange: AlertChangeTable
  silence: SilenceTable
  rulesetVersion: RulesetVersionTable
  sensitivePeriod: SensitivePeriodTable
  appUser: AppUserTable
  session: SessionTable
  feed: FeedTable
  kiosk: KioskTable
  audit: AuditTable
  region: RegionTable
  townshipRisk: TownshipRiskTable
  geoLayer: GeoLayerTable
  geoVersion: GeoVersionTable
  codeEntry: CodeEntryTable
  event: EventTable
  eventHistory: EventHistoryTable
  zeroReport: ZeroReportTable
  notificationChannel: NotificationChannelTable
  notificationRoute: NotificationRouteTable
  notificationOutbox: NotificationOutboxTable
  notificationDelivery: NotificationDeliveryTable
  dutyShift: DutyShiftTable
}

export type Region = Selectable<RegionTable>
export type NewRegion = Insertable<RegionTable>
export type RegionUpdate = Updateable<RegionTable>
export type TownshipRisk = Selectable<TownshipRiskTable>
export type AppUser = Selectable<AppUserTable>
export type Feed = Selectable<FeedTable>
export type Kiosk = Selectable<KioskTable>
export type AuditRow = Selectable<AuditTable>
export type RulesetVersion = Selectable<RulesetVersionTable>
export type EventRow = Selectable<EventTable>
export type EventHistoryRow = Selectable<EventHistoryTable>
export type ZeroReportRow = Selectable<ZeroReportTable>
export type AlertRow = Selectable<AlertTable>
export type AlertChangeRow = Selectable<AlertChangeTable>
export type AlertCaseRow = Selectable<AlertCaseTable>
export type SilenceRow = Selectable<SilenceTable>
export type NotificationChannelRow = Selectable<NotificationChannelTable>
export type NotificationRouteRow = Selectable<NotificationRouteTable>
export type NotificationOutboxRow = Selectable<NotificationOutboxTable>
export type DutyShiftRow = Selectable<DutyShiftTable>
