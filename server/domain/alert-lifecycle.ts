// PLACEHOLDER for the alert state machine of DESIGN §6, owned by branch `domain`. It follows the
// announced interface — transition(alert, action, payload, now) → {ok, alert, auditEntry} |
// {ok: false, reason, allowed}, isOverdue(alert, now) — so that the alerts module can be built
// and tested before `domain` lands. On merge, take domain's file; the only caller is
// server/modules/alerts/service.ts (`applyTransition`), which is where any difference in shape
// gets adapted.

export const ALERT_ACTIONS = ['ack', 'dispatch', 'escalate', 'resolve', 'close', 'comment'] as const
export type AlertAction = (typeof ALERT_ACTIONS)[number]
export type AlertState = 'new' | 'acknowledged' | 'dispatched' | 'resolved' | 'closed'
export type Satisfaction = 'satisfied' | 'basically_satisfied' | 'dissatisfied'

export interface LifecycleAlert {
  state: AlertState
  escalated: boolean
  /** epoch ms */
  deadline: number | null
  department: string | null
  leadOfficial: string | null
  resolution: string | null
  followUp: string | null
  satisfaction: Satisfaction | null
}

export interface ActionPayload {
  department?: string
  leadOfficial?: string
  /** epoch ms */
  deadline?: number
  resolution?: string
  followUp?: string
  satisfaction?: Satisfaction
  note?: string
  text?: string
}

export interface LifecycleAuditEntry {
  action: AlertAction
  from: AlertState
  to: AlertState
  note: string | null
  at: number
}

export type TransitionResult<A extends LifecycleAlert> =
  | { ok: true; alert: A; auditEntry: LifecycleAuditEntry }
  | { ok: false; reason: string; allowed: AlertAction[] }

const OPEN: readonly AlertState[] = ['new', 'acknowledged', 'dispatched', 'resolved']

/** The actions an alert in this state accepts. */
export function allowedActions(alert: Pick<LifecycleAlert, 'state' | 'escalated'>): AlertAction[] {
  const allowed: AlertAction[] = []
  if (alert.state === 'new') allowed.push('ack')
  if (alert.state === 'acknowledged') allowed.push('dispatch')
  if (alert.state === 'dispatched') allowed.push('resolve')
  if (alert.state === 'resolved') allowed.push('close')
  if (OPEN.includes(alert.state) && !alert.escalated) allowed.push('escalate')
  allowed.push('comment')
  return allowed
}

const NEXT: Partial<Record<AlertAction, AlertState>> = { ack: 'acknowledged', dispatch: 'dispatched', resolve: 'resolved', close: 'closed' }

export function transition<A extends LifecycleAlert>(alert: A, action: AlertAction, payload: ActionPayload, now: number): TransitionResult<A> {
  const allowed = allowedActions(alert)
  if (!allowed.includes(action)) {
    const why = action === 'escalate' && alert.escalated ? 'it is already escalated' : `it is ${alert.state}`
    return { ok: false, reason: `cannot ${action} this alert: ${why} (allowed: ${allowed.join(', ')})`, allowed }
  }
  const missing = (field: string) => ({ ok: false as const, reason: `${action} needs ${field}`, allowed })
  let next: A = alert
  switch (action) {
    case 'dispatch':
      if (!payload.department) return missing('department')
      if (!payload.leadOfficial) return missing('leadOfficial')
      if (payload.deadline === undefined) return missing('deadline')
      if (payload.deadline <= now) return { ok: false, reason: 'the deadline must be in the future', allowed }
      next = { ...alert, state: 'dispatched', department: payload.department, leadOfficial: payload.leadOfficial, deadline: payload.deadline }
      break
    case 'resolve':
      if (!payload.resolution) return missing('resolution')
      next = { ...alert, state: 'resolved', resolution: payload.resolution }
      break
    case 'close':
      if (!payload.followUp) return missing('followUp')
      if (!payload.satisfaction) return missing('satisfaction')
      next = { ...alert, state: 'closed', followUp: payload.followUp, satisfaction: payload.satisfaction }
      break
    case 'escalate':
      next = { ...alert, escalated: true }
      break
    case 'comment':
      if (!payload.text) return missing('text')
      break
    default:
      next = { ...alert, state: NEXT[action]! }
  }
  return { ok: true, alert: next, auditEntry: { action, from: alert.state, to: next.state, note: payload.note ?? payload.text ?? null, at: now } }
}

/** Open, not yet escalated, and past its deadline: the automatic 挂牌督办. */
export function isOverdue(alert: Pick<LifecycleAlert, 'state' | 'escalated' | 'deadline'>, now: number): boolean {
  return !alert.escalated && alert.deadline !== null && alert.deadline <= now && (alert.state === 'new' || alert.state === 'acknowledged' || alert.state === 'dispatched')
}
