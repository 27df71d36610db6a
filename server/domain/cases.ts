// Cases (DESIGN §6, docs/architecture.md §6, "Cases"): the alerts of one
// township that arise from the same events, or within the rule set's grouping window, fold into
// one case — in the spirit of Alertmanager's group_by/group_wait and PagerDuty's incidents —
// and every new case has an acknowledgement deadline by level. Pure: the live alerts service
// and the backtest call the same functions, so a backtest groups exactly as the live desk does.

import { type AlertAction, type AlertState, ALERT_STATES, HANDLING_STATES, MOVES } from '#contract/alerts.ts'
import { tryParseDuration } from './duration.ts'
import type { AlertLevel, RuleSetDocument } from './ruleset.ts'

/** The `cases` part of a rule-set document, as written (every key optional). */
export interface CasesDocument {
  /** Alerts of a township raised within this of a case's opening join it ("30m"). */
  groupWindow?: string
  /** By when a new case must be signed for, per level; null: no deadline for that level. */
  ackWithin?: Partial<Record<AlertLevel, string | null>>
  /**
   * Escalation policy: further steps while a case stays unsigned, each `after` the
   * acknowledgement deadline (whose own escalation notifies the duty routes), in order.
   */
  escalation?: Array<{ after: string; notify: EscalationAudience }>
}

/** Whom a step reaches: the routes of that audience (server/modules/notifications). */
export const ESCALATION_AUDIENCES = ['duty', 'shift_leader', 'county_leader'] as const
export type EscalationAudience = (typeof ESCALATION_AUDIENCES)[number]

export interface EscalationStep {
  /** after the acknowledgement deadline */
  afterMs: number
  notify: EscalationAudience
}

/**
 * The defaults: a mass incident's rule alert and level alert arrive within seconds of each
 * other; half an hour folds the follow-on alerts of one incident without merging a township's
 * unrelated afternoon. Acknowledgement: red 10 min, orange 30 min, yellow 2 h (blue raises none).
 */
export const CASE_DEFAULTS = {
  groupWindow: '30m',
  ackWithin: { red: '10m', orange: '30m', yellow: '2h' } as Record<AlertLevel, string>,
} as const

/** Bounds a rule set may set: a window past a week would fold unrelated incidents together. */
export const CASE_LIMITS = { maxGroupWindowMs: 7 * 86_400_000, minAckMs: 10_000, maxAckMs: 30 * 86_400_000, maxSteps: 10 } as const

export interface CaseSettings {
  groupWindowMs: number
  ackWithinMs: Record<AlertLevel, number | null>
  /** Ordered by afterMs (validation requires it); empty: the deadline's escalation is the only step. */
  escalation: EscalationStep[]
}

const LEVELS: readonly AlertLevel[] = ['yellow', 'orange', 'red']
const RANK: Record<AlertLevel, number> = { yellow: 1, orange: 2, red: 3 }

function ms(text: string): number {
  const r = tryParseDuration(text)
  if (!r.ok) throw new TypeError(r.message)
  return r.ms
}

/** Validation errors of a document's `cases` (paths as the rule-set validator reports them). */
export function validateCases(cases: CasesDocument | undefined): Array<{ path: string; message: string }> {
  const errors: Array<{ path: string; message: string }> = []
  if (!cases) return errors
  if (cases.groupWindow !== undefined) {
    const r = tryParseDuration(cases.groupWindow)
    if (r.ok && r.ms > CASE_LIMITS.maxGroupWindowMs) errors.push({ path: 'cases.groupWindow', message: 'the grouping window must be at most 7d' })
  }
  for (const level of LEVELS) {
    const v = cases.ackWithin?.[level]
    if (typeof v !== 'string') continue
    const r = tryParseDuration(v)
    if (!r.ok) continue
    if (r.ms < CASE_LIMITS.minAckMs) errors.push({ path: `cases.ackWithin.${level}`, message: 'an acknowledgement deadline must be at least 10s' })
    else if (r.ms > CASE_LIMITS.maxAckMs) errors.push({ path: `cases.ackWithin.${level}`, message: 'an acknowledgement deadline must be at most 30d' })
  }
  let previous = 0
  cases.escalation?.forEach((step, i) => {
    const r = tryParseDuration(step.after)
    if (!r.ok) return
    const path = `cases.escalation[${i}].after`
    if (r.ms < CASE_LIMITS.minAckMs) errors.push({ path, message: 'a step must come at least 10s after the acknowledgement deadline' })
    else if (r.ms > CASE_LIMITS.maxAckMs) errors.push({ path, message: 'a step must come at most 30d after the acknowledgement deadline' })
    else if (r.ms <= previous) errors.push({ path, message: 'each step must come later than the one before it' })
    previous = Math.max(previous, r.ms)
  })
  return errors
}

/** The settings a (validated) document asks for, defaults filled in. */
export function caseSettingsOf(doc: Pick<RuleSetDocument, 'cases'> | null | undefined): CaseSettings {
  const c = doc?.cases
  const ackWithinMs = {} as Record<AlertLevel, number | null>
  for (const level of LEVELS) {
    const v = c?.ackWithin?.[level]
    ackWithinMs[level] = v === null ? null : ms(v ?? CASE_DEFAULTS.ackWithin[level])
  }
  const escalation = (c?.escalation ?? []).map((s) => ({ afterMs: ms(s.after), notify: s.notify }))
  return { groupWindowMs: ms(c?.groupWindow ?? CASE_DEFAULTS.groupWindow), ackWithinMs, escalation }
}

/** By when a case (or alert) of this level must be acknowledged, counted from `from`; null: never. */
export function ackDeadlineFor(level: AlertLevel, from: number, settings: CaseSettings): number | null {
  const d = settings.ackWithinMs[level]
  return d === null ? null : from + d
}

/**
 * The escalation steps due for an unsigned case whose deadline escalation has fired, after the
 * `fired` steps already claimed: their 1-based numbers, in order. Signing for the case stops them.
 */
export function dueSteps(c: { status: AlertState; ackEscalated: boolean; ackDeadline: number | null; fired: number }, now: number, settings: CaseSettings): number[] {
  if (c.status !== 'new' || !c.ackEscalated || c.ackDeadline === null) return []
  const out: number[] = []
  for (let i = c.fired; i < settings.escalation.length; i++) {
    if (c.ackDeadline + settings.escalation[i]!.afterMs > now) break
    out.push(i + 1)
  }
  return out
}

/** What grouping needs to know of a case still open for new members. */
export interface GroupableCase<Id> {
  id: Id
  township: string
  status: AlertState
  /** when its first alert was raised, epoch ms */
  openedAt: number
  /** the triggering events of its members */
  eventIds: readonly number[]
}

export interface NewAlert {
  township: string
  /** raised at, epoch ms */
  at: number
  /** its triggering event */
  eventId: number | null
}

export type CaseAssignment<Id> = { kind: 'join'; caseId: Id; why: 'same_event' | 'window' } | { kind: 'open' }

/** Cases take new members while they are still being handled; a resolved incident is not reopened. */
export function acceptsMembers(c: { status: AlertState }): boolean {
  return HANDLING_STATES.includes(c.status)
}

/**
 * Joins the alert to an open case of its township that already holds its triggering event, or,
 * failing that, to the most recently opened one whose opening is within the grouping window of
 * the alert (either side: a rebuild may raise out of order); otherwise a new case opens.
 * Counting the window from the opening (not the latest member) keeps a busy township's case
 * from growing without end.
 */
export function assignCase<Id>(alert: NewAlert, open: ReadonlyArray<GroupableCase<Id>>, settings: CaseSettings): CaseAssignment<Id> {
  const mine = open.filter((c) => c.township === alert.township && acceptsMembers(c))
  const newestFirst = [...mine].sort((a, b) => b.openedAt - a.openedAt)
  if (alert.eventId !== null) {
    const same = newestFirst.find((c) => c.eventIds.includes(alert.eventId as number))
    if (same) return { kind: 'join', caseId: same.id, why: 'same_event' }
  }
  const near = newestFirst.find((c) => Math.abs(alert.at - c.openedAt) <= settings.groupWindowMs)
  if (near) return { kind: 'join', caseId: near.id, why: 'window' }
  return { kind: 'open' }
}

/** How many triggering event ids a case remembers (the newest). */
export const CASE_EVENT_IDS_MAX = 50

export function withEvent(eventIds: readonly number[], eventId: number | null): number[] {
  if (eventId === null || eventIds.includes(eventId)) return [...eventIds]
  return [...eventIds, eventId].slice(-CASE_EVENT_IDS_MAX)
}

/** A member alert as the case summary reads it (times epoch ms). */
export interface CaseMember {
  level: AlertLevel
  state: AlertState
  escalated: boolean
  raisedAt: number
  ackDeadline: number | null
  deadline: number | null
  department: string | null
  leadOfficial: string | null
  resolvedAt: number | null
  closedAt: number | null
}

export interface CaseSummary {
  level: AlertLevel
  status: AlertState
  escalated: boolean
  lastAlertAt: number
  ackDeadline: number | null
  deadline: number | null
  department: string | null
  leadOfficial: string | null
  resolvedAt: number | null
  closedAt: number | null
  alertCount: number
}

const stateRank = (s: AlertState) => ALERT_STATES.indexOf(s)
const minOf = (xs: ReadonlyArray<number | null>): number | null => {
  let out: number | null = null
  for (const x of xs) if (x !== null && (out === null || x < out)) out = x
  return out
}
const maxOf = (xs: ReadonlyArray<number | null>): number | null => {
  let out: number | null = null
  for (const x of xs) if (x !== null && (out === null || x > out)) out = x
  return out
}

/**
 * A case as its members make it: the highest level; the least advanced state (there is still
 * something to do at that step); escalated when any member is; the acknowledgement deadline of
 * the members still to sign for (or, once all are signed for, the earliest, kept as history);
 * the earliest handling deadline of the members still being handled; resolved/closed once all are.
 */
export function summarizeCase(members: readonly CaseMember[]): CaseSummary {
  if (members.length === 0) throw new TypeError('a case has at least one member')
  let level: AlertLevel = 'yellow'
  let status: AlertState = 'closed'
  for (const m of members) {
    if (RANK[m.level] > RANK[level]) level = m.level
    if (stateRank(m.state) < stateRank(status)) status = m.state
  }
  const unacked = members.filter((m) => m.state === 'new')
  const handling = members.filter((m) => HANDLING_STATES.includes(m.state))
  const dispatched = [...members].filter((m) => m.department !== null).sort((a, b) => (b.deadline ?? 0) - (a.deadline ?? 0))
  const allResolved = members.every((m) => m.state === 'resolved' || m.state === 'closed')
  const allClosed = members.every((m) => m.state === 'closed')
  return {
    level,
    status,
    escalated: members.some((m) => m.escalated),
    lastAlertAt: maxOf(members.map((m) => m.raisedAt)) as number,
    ackDeadline: minOf((unacked.length ? unacked : members).map((m) => m.ackDeadline)),
    deadline: minOf((handling.length ? handling : members).map((m) => m.deadline)),
    department: dispatched[0]?.department ?? null,
    leadOfficial: dispatched[0]?.leadOfficial ?? null,
    resolvedAt: allResolved ? maxOf(members.map((m) => m.resolvedAt)) : null,
    closedAt: allClosed ? maxOf(members.map((m) => m.closedAt)) : null,
    alertCount: members.length,
  }
}

/**
 * Which members an action on the case applies to. A step (ack, dispatch, resolve, close) is
 * the case's when the case is at the step's starting state, and moves every member still there
 * (members a person already moved further on their own are left as they are); escalate takes
 * every open member; a comment goes on every member. Null: the case cannot take the action now.
 */
export function caseActionTargets<M extends { state: AlertState }>(status: AlertState, members: readonly M[], action: AlertAction): M[] | null {
  if (action === 'comment') return [...members]
  if (action === 'escalate') {
    const open = members.filter((m) => m.state !== 'closed')
    return open.length ? open : null
  }
  const move = MOVES[action]
  if (!move || status !== move.from) return null
  return members.filter((m) => m.state === move.from)
}

/** The case is past its acknowledgement deadline and nobody has signed for it, nor escalated it. */
export function ackOverdue(c: { status: AlertState; escalated: boolean; ackDeadline: number | null }, now: number): boolean {
  return c.status === 'new' && !c.escalated && c.ackDeadline !== null && now >= c.ackDeadline
}
