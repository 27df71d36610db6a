import { z } from 'zod'
import { ALERT_LEVELS, ALERT_STATES, CHANNEL_KINDS, DELIVERY_OUTCOMES, ROUTE_AUDIENCES } from '../../../db/schema.ts'
import { ActionBodies, Alert, TimelineEntry } from '../alerts/schema.ts'
import { DbId } from '../../validation.ts'
import { TownshipCode } from '../townships/schema.ts'

/** What happened, as the queue shows it: the triggering event masked (no parties, no free text). */
export const CaseEvent = z.object({
  id: z.number(),
  source: z.string(),
  category: z.string(),
  peopleCount: z.number(),
  severity: z.number(),
  village: z.string().nullable(),
  occurredAt: z.string(),
})

/**
 * A case (DESIGN §6): the alerts of one township from the same events or within the rule set's
 * grouping window. Its level, status, deadlines and escalation follow its members
 * (server/domain/cases.ts summarizeCase); actions on it carry its `version`.
 */
export const Case = z.object({
  id: z.number(),
  township: z.object({ code: z.string(), name: z.string() }),
  level: z.enum(ALERT_LEVELS),
  /** The least advanced state of its members. */
  status: z.enum(ALERT_STATES),
  escalated: z.boolean(),
  /** When its acknowledgement deadline escalated it by itself (挂牌督办), or null. */
  ackEscalatedAt: z.string().nullable(),
  openedAt: z.string(),
  lastAlertAt: z.string(),
  /** By when it must be signed for (签收); it escalates by itself once past, unsigned. */
  ackDeadline: z.string().nullable(),
  /** The handling deadline (时限), once dispatched. */
  deadline: z.string().nullable(),
  department: z.string().nullable(),
  leadOfficial: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  alertCount: z.number(),
  alertIds: z.array(z.number()),
  event: CaseEvent.nullable(),
  version: z.number(),
  updatedAt: z.string(),
})
export type CaseJson = z.infer<typeof Case>

export const CaseTimelineEntry = TimelineEntry.extend({ alertId: z.number() })

/**
 * One delivery attempt of a notification about a member alert (docs/architecture.md §6,
 * "Delivery"): which channel, which message, and how it ended. `error` is the receiver's or the
 * network's reason, kept from roles that do not read free text (it may echo what a receiver says).
 */
export const CaseDelivery = z.object({
  id: z.number(),
  alertId: z.number(),
  at: z.string(),
  channel: z.object({ name: z.string(), kind: z.enum(CHANNEL_KINDS) }),
  /** What the message was about: a new alert, its deadline's escalation, or an escalation-policy step. */
  message: z.enum(['raised', 'escalated', 'step', 'test']),
  /** The escalation-policy step (1-based) and whom it reaches, for `step` messages. */
  step: z.object({ index: z.number(), audience: z.enum(ROUTE_AUDIENCES) }).nullable(),
  attempt: z.number(),
  outcome: z.enum(DELIVERY_OUTCOMES),
  error: z.string().nullable(),
})

export const CaseDetail = z.object({
  case: Case,
  alerts: z.array(Alert),
  timeline: z.array(CaseTimelineEntry),
  /** The notifications sent about its alerts, oldest first; shown on the timeline. */
  deliveries: z.array(CaseDelivery),
})

const list = <T extends string>(values: readonly [T, ...T[]], what: string) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values, { error: `must be ${what}` })).min(1, `must name at least one of ${values.join(', ')}`))

const bool = (field: string) => z.enum(['true', 'false'], { error: `${field} must be true or false` }).transform((v) => v === 'true')

export const CaseQuery = z.object({
  /** One status, several (comma-separated), or `open` (everything but closed). */
  status: list([...ALERT_STATES, 'open'], `one or more of ${[...ALERT_STATES, 'open'].join(', ')}`).optional(),
  level: list(ALERT_LEVELS, `one or more of ${ALERT_LEVELS.join(', ')}`).optional(),
  township: TownshipCode.optional(),
  escalated: bool('escalated').optional(),
  /** Past the acknowledgement deadline unsigned, or past the handling deadline unresolved. */
  overdue: bool('overdue').optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1, 'at least 1').max(200, 'at most 200').default(50),
})

/** A page of cases, each with its member alerts (the duty queue in one request). */
export const CaseList = z.object({ items: z.array(Case.extend({ alerts: z.array(Alert) })), nextCursor: z.string().nullable() })

export const CaseId = z.object({ id: DbId })

/** The same bodies as an alert's actions; `version` is the case's. */
export const CaseActionBodies = ActionBodies

export const CaseActionResponse = z.object({ case: Case, alerts: z.array(Alert), seq: z.number() })
