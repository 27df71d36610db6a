// Anomaly rules: a day's count above its baseline's bound (C1/C2/C3, Poisson), counted per
// township in a ring of recent days. See docs/architecture.md (rules).
import { baselineLag, baselineOf, detectDay, lookbackDays, type CountAt } from '../anomaly.ts'
import type { RiskEvent } from '../event.ts'
import type { CompiledRule } from '../ruleset.ts'
import { alertFired, anomalyReason } from './alerts.ts'
import { addSignal, makeSignal, publicSignal } from './signals.ts'
import { factor, type CoreState } from './township-state.ts'
import type { AnomalyState, EngineOutput, TownshipState } from './types.ts'

const RING = 32
const RING_MASK = RING - 1

function newRing(): number[] {
  const ring = new Array<number>(3 * RING).fill(Number.NaN)
  for (let k = 0; k < 3 * RING; k += 3) {
    ring[k + 1] = 0
    ring[k + 2] = 0
  }
  return ring
}

function anomalyState(s: TownshipState, rule: CompiledRule): AnomalyState {
  let a = s.anomalies.find((x) => x.rule === rule)
  if (!a) {
    a = { rule, ring: newRing(), latest: Number.NEGATIVE_INFINITY, baseDay: Number.NaN, base: null }
    s.anomalies.push(a)
  }
  return a
}

interface Verdict {
  alarm: boolean
  count: number
  upperbound: number
}

function judgeDay(rule: CompiledRule, a: AnomalyState, get: CountAt, day: number, count: number): Verdict {
  if (rule.method === 'C1' || rule.method === 'C2') {
    // the same arithmetic as detectDay, with the baseline cached for the day
    if (a.baseDay !== day) {
      a.base = baselineOf(get, day, baselineLag(rule.method), 7)
      a.baseDay = day
    }
    const upperbound = a.base ? a.base.mean + rule.threshold * Math.max(a.base.sd, rule.minSigma) : Number.NaN
    return { alarm: count > upperbound, count, upperbound }
  }
  return detectDay(get, day, { method: rule.method, threshold: rule.threshold, minSigma: rule.minSigma })
}

export function anomalyEvent(core: CoreState, out: EngineOutput, s: TownshipState, rule: CompiledRule, event: RiskEvent, at: number): void {
  const { days, originDay } = core
  const day = days.dayOf(event.occurredAt)
  if (day < originDay) return
  const a = anomalyState(s, rule)
  if (day <= a.latest - RING) return // older than the counts we keep
  const ring = a.ring
  const slot = (day & RING_MASK) * 3
  if (ring[slot] !== day) {
    ring[slot] = day
    ring[slot + 1] = 0
    ring[slot + 2] = 0
  }
  ring[slot + 1] = (ring[slot + 1] as number) + 1
  if (day > a.latest) a.latest = day
  if (day < a.baseDay) a.baseDay = Number.NaN
  if (ring[slot + 2] === 1) return
  const latest = a.latest
  const get: CountAt = (d) => {
    if (d < originDay || d > latest || d <= latest - RING) return undefined
    const k = (d & RING_MASK) * 3
    return ring[k] === d ? (ring[k + 1] as number) : 0
  }
  if (day - lookbackDays(rule.method) < originDay) return
  const verdict = judgeDay(rule, a, get, day, ring[slot + 1] as number)
  if (!verdict.alarm) return
  ring[slot + 2] = 1
  const sig = makeSignal(s, rule, event.occurredAt, factor(core, rule), [event.id], false)
  if (sig.due <= at) return
  addSignal(core, s, sig)
  out.signals.push(publicSignal(sig))
  alertFired(core, out, s, rule, at, event.id, anomalyReason(rule.name, verdict.count, days.dateOf, day, rule.method, verdict.upperbound))
}
