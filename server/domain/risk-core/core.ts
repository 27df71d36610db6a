// The pure engine core (see docs/architecture.md): one event updates one township (and the
// global escalation index) at a cost bounded by the number of rules; time-driven changes are
// scheduled per township in the due-time queue, so tick() touches only townships that are due.
//
// Determinism across tick schedules: every time-driven change is stamped with the exact instant
// it happens (a signal's expiry, the moment a window loses its oldest event, the moment the
// score crosses below a level's drop line), never with the tick that noticed it. A township is
// always advanced to an event's occurredAt before the event is applied. So a live engine ticked
// every second and a replay ticked every hour, fed the same events in the same order, reach the
// same state and the same alert decisions (the property test checks this).
//
// Each rule kind has its module (trigger, threshold, anomaly, escalation, silence); they all
// work on the explicit state of township-state.ts.
import { decayedPoints } from '../decay.ts'
import type { RiskEvent, ZeroReport } from '../event.ts'
import { displayScore } from '../score.ts'
import { report, settleLevel } from './alerts.ts'
import { anomalyEvent } from './anomaly-rule.ts'
import { escalationEvent } from './escalation-rule.ts'
import { publicSignal, scoreAt } from './signals.ts'
import { silenceActivity } from './silence-rule.ts'
import { thresholdEvent, thresholdEventIds } from './threshold-rule.ts'
import { advance, schedule, start, stateOf } from './timeline.ts'
import { beginEvent, createCoreState, emptyOutput, matches, silentOf, type CoreState } from './township-state.ts'
import { triggerEvent } from './trigger-rule.ts'
import type { Engine, EngineOptions, EngineOutput, Explanation, TownshipSnapshot, TownshipState } from './types.ts'

function ingestEvent(core: CoreState, event: RiskEvent, now: number): EngineOutput {
  const out = emptyOutput()
  start(core, Math.min(event.occurredAt, now))
  const s = stateOf(core, event.township)
  const t = event.occurredAt
  advance(core, out, s, t)
  const at = Math.max(t, s.clock)
  beginEvent(core, event, s)
  silenceActivity(core, out, s, t, at, true)
  for (const rule of core.triggerLike) {
    if (!matches(core, rule)) continue
    if (rule.kind === 'trigger') triggerEvent(core, out, s, rule, event, at)
    else if (rule.kind === 'threshold') thresholdEvent(core, out, s, rule, event, at)
    else if (rule.kind === 'anomaly') anomalyEvent(core, out, s, rule, event, at)
  }
  escalationEvent(core, out, s, event, at)
  settleLevel(core, out, s, at, event.id)
  settle(core, out, s, now)
  return out
}

function zeroReport(core: CoreState, zero: ZeroReport, now: number): EngineOutput {
  const out = emptyOutput()
  start(core, Math.min(zero.at, now))
  const s = stateOf(core, zero.township)
  advance(core, out, s, zero.at)
  const at = Math.max(zero.at, s.clock)
  silenceActivity(core, out, s, zero.at, at, false)
  settleLevel(core, out, s, at, null)
  settle(core, out, s, now)
  return out
}

/** After a change: advance to now, re-queue, report what screens show. */
function settle(core: CoreState, out: EngineOutput, s: TownshipState, now: number): void {
  advance(core, out, s, now)
  schedule(core, s)
  report(core, out, s, now)
}

function tick(core: CoreState, now: number): EngineOutput {
  const out = emptyOutput()
  start(core, now)
  for (;;) {
    const s = core.queue.peek()
    if (!s || s.due > now) break
    advance(core, out, s, now)
    schedule(core, s)
    report(core, out, s, now)
  }
  core.escalation.prune(now)
  return out
}

function snapshotOfState(s: TownshipState, now: number): TownshipSnapshot {
  return { township: s.code, score: displayScore(scoreAt(s, Math.max(now, s.clock))), level: s.level, silent: silentOf(s), updatedAt: s.updatedAt }
}

function explain(core: CoreState, code: string, now: number): Explanation {
  const s = core.states.get(code)
  if (!s) return { township: code, score: 0, level: 'blue', silent: false, signals: [] }
  const t = Math.max(now, s.clock)
  return {
    township: code,
    score: displayScore(scoreAt(s, t)),
    level: s.level,
    silent: silentOf(s),
    signals: [...s.holding, ...s.expiring]
      .map((sig) => {
        const eventIds = (sig.kind === 'threshold' ? thresholdEventIds(s, sig.ruleId, sig) : null) ?? sig.eventIds
        return { ...publicSignal(sig), eventIds, pointsNow: decayedPoints(sig.points, sig.at, t, sig.halfLifeMs) }
      })
      .sort((x, y) => y.pointsNow - x.pointsNow),
  }
}

export function createEngine(options: EngineOptions): Engine {
  const core = createCoreState(options)
  return {
    ruleSet: core.ruleSet,
    days: core.days,
    ingest: (event, now) => ingestEvent(core, event, now),
    zeroReport: (zero, now) => zeroReport(core, zero, now),
    tick: (now) => tick(core, now),
    refresh(now) {
      const out = emptyOutput()
      for (;;) {
        const item = core.refreshQueue.peek()
        if (!item || item.due > now) break
        // report() moves it past now: to its next bound, or out of the queue
        report(core, out, item.state, now, true)
      }
      return out.changes
    },
    nextRefresh: (code) => core.states.get(code)?.refreshItem?.due ?? Number.POSITIVE_INFINITY,
    snapshot(now) {
      start(core, now)
      return [...core.states.values()].map((s) => snapshotOfState(s, now))
    },
    snapshotOf(codes, now) {
      start(core, now)
      const list: TownshipSnapshot[] = []
      for (const code of codes) {
        const s = core.states.get(code)
        if (s) list.push(snapshotOfState(s, now))
      }
      return list
    },
    explain: (code, now) => explain(core, code, now),
    scoreOf(code, now) {
      const s = core.states.get(code)
      return s ? scoreAt(s, Math.max(now, s.clock)) : 0
    },
    levelOf: (code) => core.states.get(code)?.level ?? 'blue',
    activeTownships: () => [...core.active].map((s) => s.code),
    activeAlertKeys: () => [...core.activeAlerts.keys()],
  }
}
