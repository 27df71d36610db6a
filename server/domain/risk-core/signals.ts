// Signals and the score they add up to. Decaying signals are summed per half-life, so a score
// costs O(half-life groups), not O(signals). See docs/architecture.md (scoring).
import { expiryTime } from '../decay.ts'
import { heapPush } from '../due-queue.ts'
import type { CompiledRule } from '../ruleset.ts'
import { capScore } from '../score.ts'
import { markActive, slotOf, type CoreState } from './township-state.ts'
import type { DecayGroup, LiveSignal, Signal, TownshipState } from './types.ts'

/** Keep at most this many event ids on a window/chain signal: enough to explain, bounded. */
export const MAX_EVENT_IDS = 50

export function publicSignal(s: LiveSignal): Signal {
  return {
    township: s.township,
    ruleId: s.ruleId,
    ruleName: s.ruleName,
    kind: s.kind,
    at: s.at,
    points: s.points,
    factor: s.factor,
    eventIds: s.eventIds,
  }
}

function groupFor(s: TownshipState, h: number): DecayGroup {
  let g = s.groups.find((x) => x.halfLifeMs === h)
  if (!g) {
    g = { halfLifeMs: h, ref: 0, sum: 0, n: 0 }
    s.groups.push(g)
  }
  return g
}

function addPoints(s: TownshipState, sig: LiveSignal): void {
  if (sig.halfLifeMs === null) {
    s.steady += sig.points
    return
  }
  const g = groupFor(s, sig.halfLifeMs)
  if (g.n === 0) {
    g.ref = sig.at
    g.sum = sig.points
  } else if (sig.at > g.ref) {
    g.sum = g.sum * 0.5 ** ((sig.at - g.ref) / g.halfLifeMs) + sig.points
    g.ref = sig.at
  } else {
    g.sum += sig.points * 0.5 ** ((g.ref - sig.at) / g.halfLifeMs)
  }
  g.n++
}

function removePoints(s: TownshipState, sig: LiveSignal): void {
  if (sig.halfLifeMs === null) {
    s.steady = liveCount(s) === 0 ? 0 : Math.max(0, s.steady - sig.points)
    return
  }
  const g = groupFor(s, sig.halfLifeMs)
  g.n--
  if (g.n <= 0) {
    s.groups.splice(s.groups.indexOf(g), 1)
    return
  }
  g.sum = Math.max(0, g.sum - sig.points * 0.5 ** ((g.ref - sig.at) / g.halfLifeMs))
}

function rawScore(s: TownshipState, t: number): number {
  let total = s.steady
  for (const g of s.groups) total += t <= g.ref ? g.sum : g.sum * 0.5 ** ((t - g.ref) / g.halfLifeMs)
  return total
}

export const scoreAt = (s: TownshipState, t: number): number => capScore(rawScore(s, t))

export const liveCount = (s: TownshipState): number => s.expiring.length + s.holding.length

export function addSignal(core: CoreState, s: TownshipState, sig: LiveSignal): void {
  if (sig.due === Number.POSITIVE_INFINITY) s.holding.push(sig)
  else heapPush(s.expiring, sig)
  addPoints(s, sig)
  const i = slotOf(core, sig.rule)
  s.liveByRule[i] = (s.liveByRule[i] as number) + 1
  markActive(core, s, true)
}

/** Take a signal's points off; true when it was its rule's last live signal. */
export function countDown(core: CoreState, s: TownshipState, sig: LiveSignal): boolean {
  removePoints(s, sig)
  const i = slotOf(core, sig.rule)
  const n = Math.max(0, (s.liveByRule[i] as number) - 1)
  s.liveByRule[i] = n
  return n === 0
}

/** Remove a holding signal (threshold, silence). */
export function dropHolding(core: CoreState, s: TownshipState, sig: LiveSignal): void {
  const i = s.holding.indexOf(sig)
  if (i < 0) return
  s.holding.splice(i, 1)
  countDown(core, s, sig)
}

export function makeSignal(
  s: TownshipState,
  rule: CompiledRule,
  at: number,
  factor: number,
  eventIds: number[],
  holding: boolean,
): LiveSignal {
  const points = rule.points * factor
  return {
    township: s.code,
    ruleId: rule.id,
    ruleName: rule.name,
    kind: rule.kind,
    at,
    points,
    factor,
    eventIds,
    halfLifeMs: rule.halfLifeMs,
    due: holding ? Number.POSITIVE_INFINITY : expiryTime(points, at, rule.halfLifeMs),
    heapIndex: -1,
    rule,
  }
}
