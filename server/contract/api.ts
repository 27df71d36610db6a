// The JSON of the REST API as the client receives it (docs/architecture.md, "The contract"):
// inferred from the route schemas, which stay the one definition. Types only.
import type { z } from 'zod'
import type { Alert as AlertSchema, AlertDetail as AlertDetailSchema, TimelineEntry as TimelineEntrySchema } from '../modules/alerts/schema.ts'
import type { Case as CaseSchema, CaseDetail as CaseDetailSchema, CaseList as CaseListSchema } from '../modules/cases/schema.ts'
import type { EventDetail as EventDetailSchema, EventView as EventViewSchema, PartyView } from '../modules/events/schema.ts'
import type { ImportResult, Region } from '../modules/regions/schema.ts'
import type { SessionResponse as SessionResponseSchema } from '../modules/session/schema.ts'
import type { Explanation, ScoreHistory as ScoreHistorySchema, Signal, Township } from '../modules/townships/schema.ts'

/** What a server type looks like after JSON: dates become ISO strings. */
export type Jsonify<T> = T extends Date ? string : T extends object ? { [K in keyof T]: Jsonify<T[K]> } : T

/** A page of a list endpoint: `nextCursor` is null at the end. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** An alert as JSON: the same in REST answers and realtime messages. */
export type Alert = z.infer<typeof AlertSchema>
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>
/** `GET /api/v1/alerts/:id`. */
export type AlertDetail = z.infer<typeof AlertDetailSchema>

/** A case (DESIGN §6): alerts of one township from the same events or within the grouping window. */
export type Case = z.infer<typeof CaseSchema>
/** `GET /api/v1/cases/:id`: the case, its member alerts and their timeline. */
export type CaseDetail = z.infer<typeof CaseDetailSchema>
/** One row of `GET /api/v1/cases`: a case with its member alerts. */
export type CaseWithAlerts = z.infer<typeof CaseListSchema>['items'][number]

export type EventView = z.infer<typeof EventViewSchema>
export type Party = z.infer<typeof PartyView>
export type EventDetail = z.infer<typeof EventDetailSchema>

export type TownshipJson = Jsonify<z.infer<typeof Township>>
export type SignalJson = Jsonify<z.infer<typeof Signal>>
export type ExplanationJson = Jsonify<z.infer<typeof Explanation>>
export type ScoreHistory = Jsonify<z.infer<typeof ScoreHistorySchema>>

/** `GET`/`POST /api/v1/session`: who is signed in, the CSRF token, and the centre's time zone. */
export type SessionResponse = z.infer<typeof SessionResponseSchema>

/** A region of the tree (`GET /api/v1/regions`). */
export type RegionJson = Jsonify<z.infer<typeof Region>>
/** What a code-table import adds, renames, moves, retires (`POST /api/v1/regions/import`). */
export type RegionImportPreview = z.infer<typeof ImportResult>
