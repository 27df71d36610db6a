// The alert state machine: every alert is followed to its end. The states, the actions each
// allows and what "open" means are the shared contract (server/contract/alerts.ts); this adds
// the transitions with their required fields. Pure: the edge persists the result and the audit
// entry together, with the version check.

import { ALERT_ACTIONS, type AlertAction, type AlertState, allowedActions, isHandling, MOVES, SATISFACTIONS, type Satisfaction } from '#contract/alerts.ts'

export { ALERT_ACTIONS, ALERT_STATES, type AlertAction, type AlertState, allowedActions, SATISFACTIONS, type Satisfaction } from '#contract/alerts.ts'

/** The fields of an alert the lifecycle reads and writes; the edge's alert extends this. */
export interface AlertLifecycle {
  state: AlertState
  escalated: boolean
  deadline: number | null
  department: string | null
  leadOfficial: string | null
  resolution: string | null
  followUp: string | null
  satisfaction: Satisfaction | null
  resolvedAt: number | null
  closedAt: number | null
}

export interface ActionPayload {
  note?: string
  department?: string
  leadOfficial?: string
  /** epoch ms */
  deadline?: number
  resolution?: string
  followUp?: string
  satisfaction?: string
}

export interface AuditEntry {
  action: AlertAction
  from: AlertState
  to: AlertState
  note: string | null
  at: number
}

export type TransitionResult<T extends AlertLifecycle> =
  | { ok: true; alert: T; auditEntry: AuditEntry }
  | { ok: false; reason: string; allowed: AlertAction[] }

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)

export function transition<T extends AlertLifecycle>(
  alert: T,
  action: AlertAction,
  payload: ActionPayload,
  now: number,
): TransitionResult<T> {
  const allowed = allowedActions(alert)
  const refuse = (reason: string): TransitionResult<T> => ({ ok: false, reason, allowed })
  if (!ALERT_ACTIONS.includes(action)) return refuse(`unknown action "${String(action)}"`)
  const note = text(payload.note)
  const done = (next: T): TransitionResult<T> => ({
    ok: true,
    alert: next,
    auditEntry: { action, from: alert.state, to: next.state, note, at: now },
  })

  if (action === 'comment') {
    if (!note) return refuse('a comment needs a note')
    return done({ ...alert })
  }
  if (action === 'escalate') {
    if (alert.state === 'closed') return refuse('a closed alert cannot be escalated')
    // escalating again is allowed (a second 督办 is still worth an audit row) and idempotent
    return done({ ...alert, escalated: true })
  }
  const move = MOVES[action] as { from: AlertState; to: AlertState }
  if (alert.state !== move.from) {
    return refuse(`cannot ${action} an alert that is ${alert.state}; allowed: ${allowed.join(', ')}`)
  }
  switch (action) {
    case 'ack':
      return done({ ...alert, state: move.to })
    case 'dispatch': {
      const department = text(payload.department)
      const leadOfficial = text(payload.leadOfficial)
      const deadline = payload.deadline
      if (!department) return refuse('dispatch requires a department')
      if (!leadOfficial) return refuse('dispatch requires a lead official (包案领导)')
      if (typeof deadline !== 'number' || !Number.isFinite(deadline)) return refuse('dispatch requires a deadline')
      if (deadline <= now) return refuse('the deadline must be in the future')
      return done({ ...alert, state: move.to, department, leadOfficial, deadline })
    }
    case 'resolve': {
      const resolution = text(payload.resolution)
      if (!resolution) return refuse('resolve requires a resolution')
      return done({ ...alert, state: move.to, resolution, resolvedAt: now })
    }
    default: {
      const followUp = text(payload.followUp)
      const satisfaction = payload.satisfaction
      if (!followUp) return refuse('close requires the follow-up visit note (回访)')
      if (!SATISFACTIONS.includes(satisfaction as Satisfaction)) {
        return refuse(`close requires satisfaction: ${SATISFACTIONS.join(' | ')}`)
      }
      return done({ ...alert, state: move.to, followUp, satisfaction: satisfaction as Satisfaction, closedAt: now })
    }
  }
}

/** Past its deadline and not yet dealt with (resolved or closed). */
export function isOverdue(alert: AlertLifecycle, now: number): boolean {
  return alert.deadline !== null && now > alert.deadline && isHandling(alert)
}

/** The edge escalates these automatically (挂牌督办 when a deadline passes). */
export function needsAutoEscalation(alert: AlertLifecycle, now: number): boolean {
  return isOverdue(alert, now) && !alert.escalated
}

export function newAlertLifecycle(): AlertLifecycle {
  return {
    state: 'new',
    escalated: false,
    deadline: null,
    department: null,
    leadOfficial: null,
    resolution: null,
    followUp: null,
    satisfaction: null,
    resolvedAt: null,
    closedAt: null,
  }
}
