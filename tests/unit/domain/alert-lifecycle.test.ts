import { describe, expect, it } from 'vitest'
import {
  ALERT_ACTIONS,
  ALERT_STATES,
  allowedActions,
  isOverdue,
  needsAutoEscalation,
  newAlertLifecycle,
  transition,
  type ActionPayload,
  type AlertAction,
  type AlertLifecycle,
  type AlertState,
} from '../../../server/domain/alert-lifecycle.ts'

const NOW = Date.UTC(2024, 5, 1)
const payloads: Record<AlertAction, ActionPayload> = {
  ack: {},
  dispatch: { department: '信访办', leadOfficial: '王副镇长', deadline: NOW + 86_400_000 },
  resolve: { resolution: '已协调发放工资' },
  close: { followUp: '电话回访，当事人表示认可', satisfaction: 'basically_satisfied' },
  escalate: { note: '逾期未办' },
  comment: { note: '已联系村委' },
}
const inState = (state: AlertState, over: Partial<AlertLifecycle> = {}): AlertLifecycle => ({ ...newAlertLifecycle(), state, ...over })
const LEGAL: Record<AlertState, AlertAction[]> = {
  new: ['ack', 'escalate', 'comment'],
  acknowledged: ['dispatch', 'escalate', 'comment'],
  dispatched: ['resolve', 'escalate', 'comment'],
  resolved: ['close', 'escalate', 'comment'],
  closed: ['comment'],
}

describe('alert lifecycle', () => {
  it('walks new → acknowledged → dispatched → resolved → closed with audit entries', () => {
    let alert = newAlertLifecycle()
    const trail: string[] = []
    for (const action of ['ack', 'dispatch', 'resolve', 'close'] as const) {
      const r = transition(alert, action, payloads[action], NOW)
      if (!r.ok) throw new Error(r.reason)
      trail.push(`${r.auditEntry.from}→${r.auditEntry.to}`)
      alert = r.alert
    }
    expect(trail).toEqual(['new→acknowledged', 'acknowledged→dispatched', 'dispatched→resolved', 'resolved→closed'])
    expect(alert).toMatchObject({ department: '信访办', leadOfficial: '王副镇长', resolution: '已协调发放工资', satisfaction: 'basically_satisfied', closedAt: NOW })
  })

  for (const state of ALERT_STATES) {
    for (const action of ALERT_ACTIONS) {
      const legal = LEGAL[state].includes(action)
      it(`${legal ? 'allows' : 'refuses'} ${action} from ${state}`, () => {
        const r = transition(inState(state), action, payloads[action], NOW)
        expect(r.ok).toBe(legal)
        if (!r.ok) expect(r.allowed).toEqual(LEGAL[state])
        else {
          expect(r.auditEntry).toMatchObject({ action, from: state })
          if (action === 'escalate') expect(r.alert.escalated).toBe(true)
          if (action === 'comment' || action === 'escalate') expect(r.alert.state).toBe(state)
        }
      })
    }
  }

  it('requires the fields of each step', () => {
    const refused = (state: AlertState, action: AlertAction, p: ActionPayload) => {
      const r = transition(inState(state), action, p, NOW)
      return r.ok ? null : r.reason
    }
    expect(refused('acknowledged', 'dispatch', { ...payloads.dispatch, department: ' ' })).toMatch(/department/)
    expect(refused('acknowledged', 'dispatch', { ...payloads.dispatch, leadOfficial: undefined })).toMatch(/lead official/)
    expect(refused('acknowledged', 'dispatch', { department: 'x', leadOfficial: 'y' })).toMatch(/deadline/)
    expect(refused('acknowledged', 'dispatch', { ...payloads.dispatch, deadline: NOW })).toMatch(/future/)
    expect(refused('dispatched', 'resolve', {})).toMatch(/resolution/)
    expect(refused('resolved', 'close', { satisfaction: 'satisfied' })).toMatch(/follow-up/)
    expect(refused('resolved', 'close', { followUp: 'ok', satisfaction: 'happy' })).toMatch(/satisfied \| basically_satisfied \| dissatisfied/)
    expect(refused('new', 'comment', { note: '  ' })).toMatch(/note/)
  })

  it('lists allowed actions and detects overdue alerts for auto-escalation', () => {
    expect(allowedActions(inState('closed'))).toEqual(['comment'])
    const dispatched = inState('dispatched', { deadline: NOW })
    expect(isOverdue(dispatched, NOW)).toBe(false)
    expect(isOverdue(dispatched, NOW + 1)).toBe(true)
    expect(needsAutoEscalation(dispatched, NOW + 1)).toBe(true)
    expect(needsAutoEscalation({ ...dispatched, escalated: true }, NOW + 1)).toBe(false)
    expect(isOverdue(inState('resolved', { deadline: NOW }), NOW + 1)).toBe(false)
  })
})
