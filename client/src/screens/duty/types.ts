// The JSON the duty console receives: the contract's types, inferred from the route schemas.
import type { AlertDetail, EventDetail, EventView, ExplanationJson, TownshipJson as Township } from '#contract/api.ts'

export { ALERT_STATES, SATISFACTIONS, type AlertAction, type AlertState, type Satisfaction } from '#contract/alerts.ts'
export type { Alert as AlertJson, Case as CaseJson, CaseDetail as CaseDetailJson, ExplanationJson, Page, Party, SignalJson, TimelineEntry } from '#contract/api.ts'
export { LEVELS, type Level } from '#contract/taxonomy.ts'

export type AlertDetailJson = AlertDetail['alert'] & { timeline?: AlertDetail['timeline'] }
/** An event from the list, or from the detail view with its parties (masked by role) and history. */
export type EventJson = EventView & Partial<Pick<EventDetail, 'parties' | 'partiesMasked' | 'history'>>
export type TownshipJson = Township & { explanation?: ExplanationJson | null }

/** A short message at the top of the duty console. */
export interface Notice {
  kind: 'ok' | 'warn' | 'error'
  text: string
}
