// The alert states, the actions each state allows, and what "open" means: one definition for
// the server's lifecycle and queries, the wall's counters and the duty console's queue
// (docs/architecture.md, "The contract"). Pure: no I/O.
//
//   new 新预警 → acknowledged 已签收 → dispatched 已分流 → resolved 已办结 → closed 已回访
//
// Escalation 挂牌督办 is a flag any open alert may get (again: a second 督办 is worth an audit row),
// comments are always allowed, and nothing ever leaves `closed`.

export const ALERT_STATES = ['new', 'acknowledged', 'dispatched', 'resolved', 'closed'] as const
export type AlertState = (typeof ALERT_STATES)[number]

export const ALERT_ACTIONS = ['ack', 'dispatch', 'resolve', 'close', 'escalate', 'comment'] as const
export type AlertAction = (typeof ALERT_ACTIONS)[number]

export const SATISFACTIONS = ['satisfied', 'basically_satisfied', 'dissatisfied'] as const
export type Satisfaction = (typeof SATISFACTIONS)[number]

/**
 * An alert is open until a person closes it after the follow-up visit: a resolved alert still
 * awaits its 回访, and a recovered one stays open too. The wall's 在办, the duty console's 未关闭,
 * the snapshot's "open alerts" and `GET /api/v1/alerts?state=open` all count these.
 */
export const OPEN_ALERT_STATES: readonly AlertState[] = ALERT_STATES.filter((s) => s !== 'closed')

export function isOpen(alert: { state: AlertState }): boolean {
  return alert.state !== 'closed'
}

/** Still being handled (not yet resolved): a deadline runs only for these. */
export const HANDLING_STATES: readonly AlertState[] = ['new', 'acknowledged', 'dispatched']

export function isHandling(alert: { state: AlertState }): boolean {
  return HANDLING_STATES.includes(alert.state)
}

/** The state-changing actions and the state each leads from → to. */
export const MOVES: Readonly<Partial<Record<AlertAction, { from: AlertState; to: AlertState }>>> = {
  ack: { from: 'new', to: 'acknowledged' },
  dispatch: { from: 'acknowledged', to: 'dispatched' },
  resolve: { from: 'dispatched', to: 'resolved' },
  close: { from: 'resolved', to: 'closed' },
}

/** The actions legal in an alert's state, in ALERT_ACTIONS order: the next step, escalate while open, comment always. */
export function allowedActions(alert: { state: AlertState }): AlertAction[] {
  const list: AlertAction[] = []
  for (const action of ALERT_ACTIONS) {
    const move = MOVES[action]
    if (move && move.from === alert.state) list.push(action)
  }
  if (isOpen(alert)) list.push('escalate')
  list.push('comment')
  return list
}

/** What each state is called on every screen (zh-CN first). */
export const STATE_LABELS: Record<AlertState, { zh: string; en: string }> = {
  new: { zh: '新预警', en: 'New' },
  acknowledged: { zh: '已签收', en: 'Acknowledged' },
  dispatched: { zh: '已分流', en: 'Dispatched' },
  resolved: { zh: '已办结', en: 'Resolved' },
  closed: { zh: '已回访', en: 'Closed' },
}
