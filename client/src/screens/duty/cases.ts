// Pure logic of the duty queue of cases (docs/architecture.md §6, "Cases"): order and filters,
// which deadline a case counts down, what happened, the actions its status allows. No Vue, no
// I/O: unit-tested on its own.
import { allowedActions as contractActions, isOpen } from '#contract/alerts.ts'
import { SOURCE_LABELS, type Source } from '#contract/taxonomy.ts'
import { categoryLabel } from '../../stores/code-tables.ts'
import { casesQuery, type CasesFilter } from '../../lib/alerts-query.ts'
import { countdown, type Countdown, LEVEL_RANK, type QueueFilter, type UiLocale } from './logic.ts'
import type { AlertAction, AlertJson, CaseJson } from './types.ts'

/** The queue's filters: today's (state, level, township, age) and the escalated / overdue flag. */
export interface CaseQueueFilter extends QueueFilter, CasesFilter {}

export const DEFAULT_CASE_FILTER: CaseQueueFilter = { state: 'open', level: '', township: '', age: 'all', flag: '' }

const AGE_LIMIT_MS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const

const time = (iso: string | null | undefined): number => {
  const t = iso ? Date.parse(iso) : Number.NaN
  return Number.isNaN(t) ? 0 : t
}

const caseOpen = (c: Pick<CaseJson, 'status'>) => isOpen({ state: c.status })

/** Open before closed; then the highest level first; then the newest case first (the server's order). */
export function compareCases(a: CaseJson, b: CaseJson): number {
  return Number(caseOpen(b)) - Number(caseOpen(a)) || LEVEL_RANK[b.level] - LEVEL_RANK[a.level] || b.id - a.id
}

/** Past its acknowledgement deadline unsigned, or past its handling deadline unresolved. */
export function caseOverdue(c: Pick<CaseJson, 'status' | 'ackDeadline' | 'deadline'>, now: number): boolean {
  if (c.status === 'new' && c.ackDeadline && time(c.ackDeadline) <= now) return true
  return ['new', 'acknowledged', 'dispatched'].includes(c.status) && Boolean(c.deadline) && time(c.deadline) <= now
}

export function matchesCaseFilter(c: CaseJson, filter: CaseQueueFilter, now: number): boolean {
  if (filter.state === 'open' && !caseOpen(c)) return false
  if (filter.state !== 'open' && filter.state !== 'all' && c.status !== filter.state) return false
  if (filter.level && c.level !== filter.level) return false
  if (filter.township && c.township.code !== filter.township) return false
  if (filter.flag === 'escalated' && !c.escalated) return false
  if (filter.flag === 'overdue' && !caseOverdue(c, now)) return false
  if (filter.age !== 'all' && now - time(c.openedAt) > AGE_LIMIT_MS[filter.age]) return false
  return true
}

export function buildCaseQueue(cases: Iterable<CaseJson>, filter: CaseQueueFilter, now: number): CaseJson[] {
  return [...cases].filter((c) => matchesCaseFilter(c, filter, now)).sort(compareCases)
}

export const caseFilterQuery = (filter: CaseQueueFilter, cursor: string | null = null, limit = 100): string => casesQuery(filter, cursor, limit)

/** The actions a case's status allows: the alert machine's for that state (the server refuses the others). */
export function caseActions(c: Pick<CaseJson, 'status'>): Set<AlertAction> {
  return new Set(contractActions({ state: c.status }))
}

export interface CaseClock extends Countdown {
  /** `ack`: the acknowledgement deadline (while new); `handle`: the handling deadline (时限). */
  kind: 'ack' | 'handle'
}

/**
 * The deadline a case counts down: the acknowledgement deadline while it is new, the handling
 * deadline once dispatched (or set); none once resolved.
 */
export function caseClock(c: Pick<CaseJson, 'status' | 'ackDeadline' | 'deadline'>, now: number, locale: UiLocale): CaseClock | null {
  if (c.status === 'new' && c.ackDeadline) {
    const left = countdown(c.ackDeadline, now, locale)
    return left && { ...left, soon: !left.overdue && time(c.ackDeadline) - now < 5 * 60_000, kind: 'ack' }
  }
  if ((c.status === 'acknowledged' || c.status === 'dispatched') && c.deadline) {
    const left = countdown(c.deadline, now, locale)
    return left && { ...left, kind: 'handle' }
  }
  return null
}

/** "群体性事件 · 30 人" / "Mass incident · 30 people": what happened, from the masked event. */
export function whatHappened(event: CaseJson['event'], locale: UiLocale): { category: string; people: number | null; village: string | null } | null {
  if (!event) return null
  const lang = locale === 'en' ? 'en' : 'zh'
  const known = Object.hasOwn(SOURCE_LABELS, event.source)
  const category = (known ? categoryLabel(event.source as Source, event.category)?.[lang] : undefined) ?? event.category
  return { category, people: event.peopleCount > 0 ? event.peopleCount : null, village: event.village }
}

/** What to call a member alert: the rule's name as raised, else the live rule set's, else its id; a level alert has no rule. */
export function memberLabel(alert: Pick<AlertJson, 'ruleId' | 'ruleName'>, names: Record<string, string>, levelAlert: string): string {
  if (alert.ruleId === null) return levelAlert
  return alert.ruleName ?? names[alert.ruleId] ?? alert.ruleId
}

/** The events behind a case: its triggering event, then its members' latest events, without repeats. */
export function caseEventIds(c: Pick<CaseJson, 'event'>, members: readonly Pick<AlertJson, 'lastEvent'>[], limit = 8): string[] {
  const ids: string[] = []
  const add = (id: number | string | undefined) => {
    if (id === undefined) return
    const k = String(id)
    if (!ids.includes(k)) ids.push(k)
  }
  add(c.event?.id)
  for (const m of members) add(m.lastEvent?.id)
  return ids.slice(0, limit)
}
