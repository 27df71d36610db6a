import { z } from 'zod'
import { ALERT_LEVELS, ALERT_STATES, SATISFACTIONS } from '../../../db/schema.ts'
import { DbId, isoDateTime } from '../../validation.ts'
import { TownshipCode } from '../townships/schema.ts'

/** The event an alert last saw: a snapshot, since the event table belongs to ingest. */
export const LastEvent = z.object({
  id: z.number(),
  source: z.string().nullable(),
  sourceSystem: z.string().nullable(),
  externalId: z.string().nullable(),
  occurredAt: z.string().nullable(),
})

/**
 * An alert as the API and the realtime hub show it (docs/architecture.md §6, plus a few extra fields). Times
 * are ISO strings so the same JSON is stored in alert_change and replayed byte for byte.
 */
export const Alert = z.object({
  id: z.number(),
  key: z.string(),
  township: z.object({ code: z.string(), name: z.string() }),
  ruleId: z.string().nullable(),
  level: z.enum(ALERT_LEVELS),
  state: z.enum(ALERT_STATES),
  escalated: z.boolean(),
  recovered: z.boolean(),
  recoveredAt: z.string().nullable(),
  count: z.number(),
  reason: z.string().nullable(),
  raisedAt: z.string(),
  lastSeenAt: z.string(),
  deadline: z.string().nullable(),
  department: z.string().nullable(),
  leadOfficial: z.string().nullable(),
  resolution: z.string().nullable(),
  followUp: z.string().nullable(),
  satisfaction: z.enum(SATISFACTIONS).nullable(),
  /** When it was resolved (办结) and closed after the follow-up visit (回访): the wall's 按期办结率. */
  resolvedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  lastEvent: LastEvent.nullable(),
  /** Raised while a silence matched: recorded, not pushed, hidden from the queue by default. */
  suppressed: z.boolean(),
  silenceId: z.number().nullable(),
  version: z.number(),
  updatedAt: z.string(),
})
export type Alert = z.infer<typeof Alert>

export const TimelineEntry = z.object({
  seq: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  fromState: z.string().nullable(),
  toState: z.string(),
  note: z.string().nullable(),
  payload: z.unknown(),
})

export const AlertDetail = z.object({
  alert: Alert,
  timeline: z.array(TimelineEntry),
  comments: z.array(z.object({ seq: z.number(), at: z.string(), actor: z.string(), text: z.string() })),
})

const list = <T extends string>(values: readonly [T, ...T[]], what: string) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values, { error: `must be ${what}` })).min(1, `must name at least one of ${values.join(', ')}`))

export const AlertQuery = z.object({
  /** One state, several (comma-separated), or `open` (everything but closed). */
  state: list([...ALERT_STATES, 'open'], `one or more of ${[...ALERT_STATES, 'open'].join(', ')}`).optional(),
  level: list(ALERT_LEVELS, `one or more of ${ALERT_LEVELS.join(', ')}`).optional(),
  township: TownshipCode.optional(),
  /** Include alerts raised under a silence (hidden by default). */
  suppressed: z.enum(['true', 'false', 'only']).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1, 'at least 1').max(200, 'at most 200').default(50),
})

export const AlertList = z.object({ items: z.array(Alert), nextCursor: z.string().nullable() })

export const AlertId = z.object({ id: DbId })

const Version = z.number({ error: 'version is required: send the version of the alert you saw' }).int().min(1)
const Note = z.string().trim().max(2000, 'at most 2000 characters').optional()
const Text = (what: string, max = 2000) => z.string({ error: `${what} is required` }).trim().min(1, `${what} is required`).max(max, `at most ${max} characters`)

export const ActionBodies = {
  ack: z.object({ version: Version, note: Note }),
  escalate: z.object({ version: Version, note: Note }),
  dispatch: z.object({
    version: Version,
    department: Text('department', 200),
    leadOfficial: Text('leadOfficial', 200),
    deadline: isoDateTime('deadline must be an ISO-8601 date-time with offset'),
    note: Note,
  }),
  resolve: z.object({ version: Version, resolution: Text('resolution', 4000), note: Note }),
  close: z.object({
    version: Version,
    followUp: Text('followUp', 4000),
    satisfaction: z.enum(SATISFACTIONS, { error: `satisfaction must be one of ${SATISFACTIONS.join(', ')}` }),
    note: Note,
  }),
  /** A comment changes nothing that can conflict, so `version` is optional and not checked. */
  comment: z.object({ version: z.number().int().optional(), text: Text('text', 4000) }),
} as const

export const ActionResponse = z.object({ alert: Alert, seq: z.number() })
