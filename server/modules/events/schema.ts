import { z } from 'zod'
import { EVENT_STATUSES, SOURCES } from '../../domain/taxonomy.ts'

export const FieldErrorSchema = z.object({ field: z.string(), message: z.string() })

export const IngestResponse = z.object({
  accepted: z.number().int(),
  updated: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), errors: z.array(FieldErrorSchema) })),
})

export const PartyView = z.object({ name: z.string().optional(), idNumber: z.string().optional(), phone: z.string().optional() })

export const EventView = z.object({
  id: z.number().int(),
  source: z.enum(SOURCES),
  sourceSystem: z.string(),
  externalId: z.string(),
  township: z.string(),
  village: z.string().nullable(),
  grid: z.string().nullable(),
  category: z.string(),
  severity: z.number().int(),
  peopleCount: z.number().int(),
  occurredAt: z.string(),
  reportedAt: z.string(),
  receivedAt: z.string(),
  status: z.enum(EVENT_STATUSES),
  title: z.string().nullable(),
  summary: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  /** How many parties the event names (their data only on the detail view). */
  partyCount: z.number().int(),
  version: z.number().int(),
  updatedAt: z.string(),
})
export type EventView = z.infer<typeof EventView>

export const EventList = z.object({ items: z.array(EventView), nextCursor: z.string().nullable() })

export const HistoryEntry = z.object({
  version: z.number().int(),
  changedAt: z.string(),
  changedBy: z.string(),
  content: z.record(z.string(), z.unknown()),
})

export const EventDetail = EventView.extend({
  parties: z.array(PartyView),
  /** True when the parties are masked for the caller's role. */
  partiesMasked: z.boolean(),
  history: z.array(HistoryEntry),
})

const isoOrUndefined = z.string().max(40).optional()

export const EventQuery = z.object({
  source: z.enum(SOURCES, { error: `must be one of ${SOURCES.join(', ')}` }).optional(),
  category: z.string().max(40).optional(),
  township: z.string().regex(/^\d{9}$/, 'must be a 9-digit township code').optional(),
  sourceSystem: z.string().max(64).optional(),
  externalId: z.string().max(128).optional(),
  from: isoOrUndefined,
  to: isoOrUndefined,
  q: z.string().max(100, 'must be at most 100 characters').optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number({ error: 'must be a number from 1 to 500' }).int('must be a whole number').min(1, 'must be from 1 to 500').max(500, 'must be from 1 to 500').default(50),
})
