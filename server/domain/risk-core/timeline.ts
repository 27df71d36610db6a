// Time in the engine core: every township advances through its time-driven changes (signals
// expiring, windows emptying, feeds going silent, the level dropping) in time order, each
// stamped with the instant it happens, never with the tick that noticed it; the due-time queue
// holds each township's next such change. See docs/architecture.md (determinism).
import { heapPop } from '../due-queue.ts'
import { dropBelow } from '../score.ts'
import { alertCleared, settleLevel } from './alerts.ts'
import { countDown, scoreAt } from './signals.ts'
import { silenceStarts, startDueSilences } from './silence-rule.ts'
import { pruneWindows, thresholdLeaves } from './threshold-rule.ts'
import type { CoreState } from './township-state.ts'
import type { Level } from '../taxonomy.ts'
import type { EngineOutput, LiveSignal, TownshipState } from './types.ts'

/** Fix the origin on first use and make every known township's state. */
export function start(core: CoreState, t: number): void {
  if (core.started) return
  core.started = true
  if (core.origin === null) {
    core.origin = t
    core.originDay = core.days.dayOf(t)
  }
  for (const ctx of core.options.townships) stateOf(core, ctx.code)
}

export function stateOf(core: CoreState, code: string): TownshipState {
  let s = core.states.get(code)
  if (s) return s
  const since = core.origin ?? 0
  const n = core.rules.length
  s = {
    code,
    context: core.contexts.get(code) ?? { code, name: code, tags: [] },
    cel: null,
    clock: since,
    due: Number.POSITIVE_INFINITY,
    heapIndex: -1,
    expiring: [],
    holding: [],
    groups: [],
    steady: 0,
    liveByRule: new Array<number>(n).fill(0),
    alertLevels: new Array<Level | null>(n + 1).fill(null),
    thresholds: [],
    anomalies: [],
    silences: core.silenceRules.map(() => ({ lastActivity: since, silent: false, signal: null })),
    isActive: false,
    level: 'blue',
    updatedAt: since,
    reportedScore: 0,
    reportedLevel: 'blue',
    reportedSilent: false,
    refreshItem: null,
  }
  core.states.set(code, s)
  schedule(core, s)
  return s
}

/** Earliest time something other than a level drop happens in the township. */
function nextStructuralChange(core: CoreState, s: TownshipState): number {
  const t = s.expiring[0]?.due ?? Number.POSITIVE_INFINITY
  return silenceStarts(core, s, thresholdLeaves(s, t))
}

/**
 * The first millisecond in (from, until] at which the score falls below the current level's
 * drop line, with the signal set fixed (it only decays in between, so the score is monotone
 * and bisection is exact to the millisecond). +Infinity when it does not happen by `until`.
 */
function levelDropTime(core: CoreState, s: TownshipState, from: number, until: number): number {
  const line = dropBelow(s.level, core.ruleSet.levels, core.ruleSet.hysteresis)
  if (line === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY
  if (scoreAt(s, from) < line) return from
  let hi = until
  if (hi === Number.POSITIVE_INFINITY) {
    if (s.groups.length === 0) return Number.POSITIVE_INFINITY
    // beyond the last expiry nothing decays: bound the search by a long horizon
    hi = from + 1000 * 86_400_000
  }
  if (scoreAt(s, hi) >= line) return Number.POSITIVE_INFINITY
  let lo = from
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (scoreAt(s, mid) < line) hi = mid
    else lo = mid
  }
  return hi
}

/** Put the township in the due-time queue at its next time-driven change. */
export function schedule(core: CoreState, s: TownshipState): void {
  const structural = nextStructuralChange(core, s)
  const drop = levelDropTime(core, s, s.clock, structural)
  const due = Math.min(structural, drop)
  // unchanged (most events): leave the heap alone, its neighbours are cache misses in a country
  if (due === s.due && (s.heapIndex >= 0 || due === Number.POSITIVE_INFINITY)) return
  core.queue.set(s, due)
}

function expireSignals(core: CoreState, out: EngineOutput, s: TownshipState, t: number): void {
  while (s.expiring.length > 0 && (s.expiring[0] as LiveSignal).due <= t) {
    const sig = heapPop(s.expiring)
    const last = countDown(core, s, sig)
    const kind = sig.rule.kind
    if (last && (kind === 'trigger' || kind === 'anomaly' || kind === 'escalation')) {
      alertCleared(core, out, s, sig.rule, sig.due, `${sig.rule.name}: its signals have expired`)
    }
  }
}

/** Process everything due in the township up to and including `until`, in time order. */
export function advance(core: CoreState, out: EngineOutput, s: TownshipState, until: number): void {
  if (until <= s.clock) return
  // s.due was computed by schedule() after the last change, so nothing happens before it
  if (until < s.due) {
    s.clock = until
    return
  }
  for (;;) {
    const structural = nextStructuralChange(core, s)
    const bound = Math.min(structural, until)
    const drop = bound >= s.clock ? levelDropTime(core, s, s.clock, bound) : Number.POSITIVE_INFINITY
    if (drop <= bound && drop < structural) {
      s.clock = Math.max(s.clock, drop)
      settleLevel(core, out, s, s.clock, null)
      continue
    }
    if (structural > until) break
    const t = structural
    s.clock = Math.max(s.clock, t)
    expireSignals(core, out, s, t)
    pruneWindows(core, out, s, t)
    startDueSilences(core, out, s, t)
    settleLevel(core, out, s, t, null)
  }
  if (until > s.clock) s.clock = until
}
