import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backtest } from '../../../server/domain/backtest.ts'
import {
  ackDeadlineFor,
  ackOverdue,
  assignCase,
  type CaseMember,
  caseActionTargets,
  caseSettingsOf,
  dueSteps,
  type GroupableCase,
  summarizeCase,
  validateCases,
  withEvent,
} from '../../../server/domain/cases.ts'
import { validateRuleSet } from '../../../server/domain/ruleset.ts'
import { compile, ev, H, T0, TOWNSHIPS, TZ } from './helpers.ts'

const M = 60_000
const defaults = caseSettingsOf(null)
const open = (over: Partial<GroupableCase<number>> & Pick<GroupableCase<number>, 'id'>): GroupableCase<number> => ({
  township: '990100001',
  status: 'new',
  openedAt: T0,
  eventIds: [],
  ...over,
})
const member = (over: Partial<CaseMember> = {}): CaseMember => ({
  level: 'yellow',
  state: 'new',
  escalated: false,
  raisedAt: T0,
  ackDeadline: null,
  deadline: null,
  department: null,
  leadOfficial: null,
  resolvedAt: null,
  closedAt: null,
  ...over,
})

describe('case settings', () => {
  it('defaults: window 30 min; acknowledge red 10 min, orange 30 min, yellow 2 h', () => {
    expect(defaults).toEqual({ groupWindowMs: 30 * M, ackWithinMs: { red: 10 * M, orange: 30 * M, yellow: 2 * H }, escalation: [] })
    expect(ackDeadlineFor('red', T0, defaults)).toBe(T0 + 10 * M)
  })

  it('takes the rule set document’s values, and null turns a level’s deadline off', () => {
    const s = caseSettingsOf({ cases: { groupWindow: '2h', ackWithin: { red: '5m', yellow: null } } })
    expect(s).toEqual({ groupWindowMs: 2 * H, ackWithinMs: { red: 5 * M, orange: 30 * M, yellow: null }, escalation: [] })
    expect(ackDeadlineFor('yellow', T0, s)).toBeNull()
  })

  it('is validated with the rule set, errors naming the path', () => {
    const base = { levels: { yellow: 30, orange: 55, red: 80 }, hysteresis: 5, rules: [] }
    const errors = (cases: unknown) => {
      const r = validateRuleSet({ ...base, cases })
      return r.ok ? [] : r.errors.map((e) => e.path)
    }
    expect(errors({ groupWindow: '45m', ackWithin: { red: '15m' } })).toEqual([])
    expect(errors({ groupWindow: 'soon' })).toEqual(['cases.groupWindow'])
    expect(errors({ groupWindow: '8d' })).toEqual(['cases.groupWindow'])
    expect(errors({ ackWithin: { red: '5s' } })).toEqual(['cases.ackWithin.red'])
    expect(errors({ ackWithin: { blue: '1h' } })).toEqual(['cases.ackWithin'])
    expect(errors({ window: '1h' })).toEqual(['cases'])
    // compiled settings carry the defaults; the document stays as written
    const r = validateRuleSet({ ...base, cases: { groupWindow: '1h' } })
    expect(r.ok && r.ruleSet.cases.groupWindowMs).toBe(H)
    expect(r.ok && r.ruleSet.document.cases).toEqual({ groupWindow: '1h' })
  })
})

describe('assignCase', () => {
  it('joins an open case of the township that already holds the triggering event, whatever the window', () => {
    const cases = [open({ id: 1, openedAt: T0 - 5 * H, eventIds: [7] }), open({ id: 2, openedAt: T0 - 10 * M })]
    expect(assignCase({ township: '990100001', at: T0, eventId: 7 }, cases, defaults)).toEqual({ kind: 'join', caseId: 1, why: 'same_event' })
  })

  it('joins the newest case opened within the window, else opens one', () => {
    const cases = [open({ id: 1, openedAt: T0 - 20 * M }), open({ id: 2, openedAt: T0 - 10 * M })]
    expect(assignCase({ township: '990100001', at: T0, eventId: 9 }, cases, defaults)).toEqual({ kind: 'join', caseId: 2, why: 'window' })
    expect(assignCase({ township: '990100001', at: T0 + 21 * M, eventId: 9 }, cases, defaults)).toEqual({ kind: 'open' })
    // the window counts from the opening, not from the latest member
    expect(assignCase({ township: '990100001', at: T0 - 10 * M + 30 * M + 1, eventId: null }, cases, defaults)).toEqual({ kind: 'open' })
  })

  it('never joins another township, nor a case already resolved or closed', () => {
    const cases = [open({ id: 1, township: '990100002', eventIds: [7] }), open({ id: 2, status: 'resolved', eventIds: [7] }), open({ id: 3, status: 'closed' })]
    expect(assignCase({ township: '990100001', at: T0, eventId: 7 }, cases, defaults)).toEqual({ kind: 'open' })
    expect(assignCase({ township: '990100001', at: T0, eventId: 7 }, [open({ id: 4, status: 'dispatched' })], defaults)).toMatchObject({ kind: 'join', caseId: 4 })
  })

  it('property: a join is always to an open case of the same township that shares the event or is within the window', () => {
    const caseArb = fc.record({
      id: fc.integer({ min: 1, max: 50 }),
      township: fc.constantFrom('a', 'b'),
      status: fc.constantFrom('new', 'acknowledged', 'dispatched', 'resolved', 'closed' as const),
      openedAt: fc.integer({ min: 0, max: 10 * H }),
      eventIds: fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 3 }),
    })
    fc.assert(
      fc.property(fc.array(caseArb, { maxLength: 8 }), fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 10 * H }), fc.option(fc.integer({ min: 1, max: 10 }), { nil: null }), (cases, township, at, eventId) => {
        const r = assignCase({ township, at, eventId }, cases, defaults)
        const fits = cases.filter((c) => c.township === township && ['new', 'acknowledged', 'dispatched'].includes(c.status))
        const sharing = fits.filter((c) => eventId !== null && c.eventIds.includes(eventId))
        const near = fits.filter((c) => Math.abs(at - c.openedAt) <= defaults.groupWindowMs)
        if (r.kind === 'open') {
          expect(sharing).toEqual([])
          expect(near).toEqual([])
        } else {
          const chosen = fits.filter((c) => c.id === r.caseId)
          expect(chosen.length).toBeGreaterThan(0)
          if (r.why === 'same_event') expect(sharing.some((c) => c.id === r.caseId)).toBe(true)
          else expect(sharing).toEqual([])
        }
      }),
    )
  })

  it('remembers a bounded list of events, without repeats', () => {
    expect(withEvent([1, 2], 2)).toEqual([1, 2])
    expect(withEvent([1, 2], null)).toEqual([1, 2])
    expect(withEvent(Array.from({ length: 50 }, (_, i) => i), 99)).toHaveLength(50)
  })
})

describe('summarizeCase', () => {
  it('is at the highest level and the least advanced state of its members', () => {
    const s = summarizeCase([member({ level: 'orange', state: 'acknowledged' }), member({ level: 'red', state: 'dispatched', raisedAt: T0 + H })])
    expect(s).toMatchObject({ level: 'red', status: 'acknowledged', alertCount: 2, lastAlertAt: T0 + H, resolvedAt: null })
  })

  it('acknowledgement deadline: the earliest of the members still to sign for; handling deadline of those being handled', () => {
    const s = summarizeCase([
      member({ state: 'acknowledged', ackDeadline: T0 + 5 * M }),
      member({ state: 'new', ackDeadline: T0 + 10 * M }),
      member({ state: 'new', ackDeadline: T0 + 30 * M }),
    ])
    expect(s.ackDeadline).toBe(T0 + 10 * M)
    const d = summarizeCase([
      member({ state: 'dispatched', deadline: T0 + 48 * H, department: '信访办', leadOfficial: '王书记' }),
      member({ state: 'resolved', deadline: T0 + 24 * H, department: '派出所', leadOfficial: '李所长', resolvedAt: T0 + 2 * H }),
    ])
    expect(d).toMatchObject({ status: 'dispatched', deadline: T0 + 48 * H, department: '信访办', resolvedAt: null })
  })

  it('is resolved and closed once every member is, escalated once any is', () => {
    const s = summarizeCase([member({ state: 'closed', closedAt: T0 + 3 * H, resolvedAt: T0 + H }), member({ state: 'closed', escalated: true, closedAt: T0 + 2 * H, resolvedAt: T0 + 2 * H })])
    expect(s).toMatchObject({ status: 'closed', escalated: true, closedAt: T0 + 3 * H, resolvedAt: T0 + 2 * H })
  })
})

describe('case actions', () => {
  const members = [{ id: 1, state: 'new' as const }, { id: 2, state: 'acknowledged' as const }, { id: 3, state: 'closed' as const }]
  it('a step applies to the members at the case’s state; the others are left', () => {
    expect(caseActionTargets('new', members, 'ack')?.map((m) => m.id)).toEqual([1])
    expect(caseActionTargets('new', members, 'dispatch')).toBeNull()
    expect(caseActionTargets('new', members, 'escalate')?.map((m) => m.id)).toEqual([1, 2])
    expect(caseActionTargets('new', members, 'comment')?.map((m) => m.id)).toEqual([1, 2, 3])
    expect(caseActionTargets('closed', [{ id: 3, state: 'closed' as const }], 'escalate')).toBeNull()
  })

  it('overdue: unacknowledged, not escalated, deadline reached', () => {
    expect(ackOverdue({ status: 'new', escalated: false, ackDeadline: T0 }, T0)).toBe(true)
    expect(ackOverdue({ status: 'new', escalated: false, ackDeadline: T0 }, T0 - 1)).toBe(false)
    expect(ackOverdue({ status: 'new', escalated: true, ackDeadline: T0 }, T0 + H)).toBe(false)
    expect(ackOverdue({ status: 'acknowledged', escalated: false, ackDeadline: T0 }, T0 + H)).toBe(false)
    expect(ackOverdue({ status: 'new', escalated: false, ackDeadline: null }, T0 + H)).toBe(false)
  })
})

describe('backtest groups alerts into cases with the rule set’s window', () => {
  const rules = [
    { id: 'mass', name: '群体性事件', kind: 'trigger' as const, when: "source == 'incident' && category == 'mass'", points: 85, halfLife: '24h', alert: 'red' as const },
    { id: 'petition', name: '集体访', kind: 'trigger' as const, when: "source == 'petition' && peopleCount >= 5", points: 5, halfLife: '24h', alert: 'orange' as const },
  ]
  const events = [
    ev({ id: 1, occurredAt: T0 + H, township: TOWNSHIPS[0]!.code, source: 'incident', category: 'mass', peopleCount: 40, severity: 4 }),
    ev({ id: 2, occurredAt: T0 + H + 40 * M, township: TOWNSHIPS[0]!.code, peopleCount: 6 }),
    ev({ id: 3, occurredAt: T0 + H + 5 * M, township: TOWNSHIPS[1]!.code, peopleCount: 6 }),
  ]
  const run = (cases?: { groupWindow: string }) =>
    backtest({ events, ruleSet: compile({ rules, ...(cases ? { cases } : {}) }), townships: TOWNSHIPS, calendar: [], timeZone: TZ, from: T0, to: T0 + 6 * H })

  it('the rule alert and the level alert of one mass incident share a case; a petition 40 min later opens another with the default window', () => {
    const r = run()
    const own = r.alerts.filter((a) => a.township === TOWNSHIPS[0]!.code)
    expect(own.map((a) => a.key).sort()).toEqual([`${TOWNSHIPS[0]!.code}|level`, `${TOWNSHIPS[0]!.code}|mass`, `${TOWNSHIPS[0]!.code}|petition`])
    const byKey = new Map(own.map((a) => [a.key.split('|')[1], a.caseId]))
    expect(byKey.get('level')).toBe(byKey.get('mass'))
    expect(byKey.get('petition')).not.toBe(byKey.get('mass'))
    const c = r.cases.find((x) => x.id === byKey.get('mass'))!
    expect(c).toMatchObject({ township: TOWNSHIPS[0]!.code, level: 'red', eventIds: [1] })
    // another township never joins
    expect(r.alerts.find((a) => a.township === TOWNSHIPS[1]!.code)!.caseId).not.toBe(byKey.get('mass'))
  })

  it('a wider window in the rule set folds the petition into the same case', () => {
    const r = run({ groupWindow: '1h' })
    const own = r.alerts.filter((a) => a.township === TOWNSHIPS[0]!.code)
    expect(new Set(own.map((a) => a.caseId)).size).toBe(1)
    expect(r.cases.find((c) => c.id === own[0]!.caseId)!.alertKeys).toHaveLength(3)
  })
})

describe('escalation policy steps', () => {
  const settings = caseSettingsOf({ cases: { escalation: [{ after: '10m', notify: 'shift_leader' }, { after: '30m', notify: 'county_leader' }] } } as never)
  const M = 60_000
  const base = { status: 'new' as const, ackEscalated: true, ackDeadline: 0, fired: 0 }
  it('are due in order after the deadline, and only once the deadline escalated an unsigned case', () => {
    expect(settings.escalation).toEqual([{ afterMs: 10 * M, notify: 'shift_leader' }, { afterMs: 30 * M, notify: 'county_leader' }])
    expect(dueSteps(base, 10 * M - 1, settings)).toEqual([])
    expect(dueSteps(base, 10 * M, settings)).toEqual([1])
    expect(dueSteps(base, 31 * M, settings)).toEqual([1, 2])
    expect(dueSteps({ ...base, fired: 1 }, 31 * M, settings)).toEqual([2])
    expect(dueSteps({ ...base, fired: 2 }, 99 * M, settings)).toEqual([])
    expect(dueSteps({ ...base, ackEscalated: false }, 99 * M, settings)).toEqual([])
    expect(dueSteps({ ...base, status: 'acknowledged' }, 99 * M, settings)).toEqual([])
  })
  it('must come later each, within bounds', () => {
    expect(validateCases({ escalation: [{ after: '10m', notify: 'duty' }, { after: '10m', notify: 'shift_leader' }, { after: '1s', notify: 'duty' }, { after: '31d', notify: 'duty' }] })).toEqual([
      { path: 'cases.escalation[1].after', message: 'each step must come later than the one before it' },
      { path: 'cases.escalation[2].after', message: 'a step must come at least 10s after the acknowledgement deadline' },
      { path: 'cases.escalation[3].after', message: 'a step must come at most 30d after the acknowledgement deadline' },
    ])
  })
})
