// The JSON the duty console receives (DESIGN §4, §6 and the township explanation): the server's
// route schemas are the one definition; these are their inferred types.
import type { z } from 'zod'
import type { Jsonify } from '../../lib/api.ts'
import type { Alert, TimelineEntry as TimelineEntrySchema } from '../../../../server/modules/alerts/schema.ts'
import type { EventDetail, EventView, PartyView } from '../../../../server/modules/events/schema.ts'
import type { Explanation, Signal, Township } from '../../../../server/modules/townships/schema.ts'

export { ALERT_STATES, SATISFACTIONS, type AlertAction, type AlertState, type Satisfaction } from '../../../../server/domain/alert-lifecycle.ts'
export { LEVELS, type Level } from '../../../../server/domain/taxonomy.ts'

export type AlertJson = Alert
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>
export type AlertDetailJson = AlertJson & { timeline?: TimelineEntry[] }
export type Party = z.infer<typeof PartyView>
/** An event from the list, or from the detail view with its parties (masked by role) and history. */
export type EventJson = EventView & Partial<Pick<z.infer<typeof EventDetail>, 'parties' | 'partiesMasked' | 'history'>>
export type SignalJson = Jsonify<z.infer<typeof Signal>>
export type ExplanationJson = Jsonify<z.infer<typeof Explanation>>
export type TownshipJson = Jsonify<z.infer<typeof Township>> & { explanation?: ExplanationJson | null }

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** A short message at the top of the duty console. */
export interface Notice {
  kind: 'ok' | 'warn' | 'error'
  text: string
}
