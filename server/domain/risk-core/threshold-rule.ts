// Threshold rules: a sum over a trailing window reaches a count; the signal holds while it
// does and decays from the moment the window falls below it. See docs/architecture.md (rules).
import { expiryTime } from '../decay.ts'
import type { RiskEvent } from '../event.ts'
import type { CompiledRule } from '../ruleset.ts'
import { alertCleared, alertFired, thresholdReason } from './alerts.ts'
import { addSignal, dropHolding, makeSignal, MAX_EVENT_IDS, publicSignal } from './signals.ts'
import { factor, type CoreState } from './township-state.ts'
import type { EngineOutput, ThresholdState, TownshipState, WindowEntry } from './types.ts'

function sumValue(rule: CompiledRule, event: RiskEvent): number {
  const field = rule.sum
  if (field === null) return 1
  if (field === 'peopleCount') return event.peopleCount
  if (field === 'severity') return event.severity
  const v = event.attributes[field.slice('attributes.'.length)]
  return typeof v === 'number' && Number.isFinite(v) ? v : 0
}

/** When the oldest entry of a holding threshold leaves its window (+Infinity: none holds). */
export function thresholdLeaves(s: TownshipState, before: number): number {
  let t = before
  for (const th of s.thresholds) {
    if (!th.holding) continue
    const first = th.entries[0]
    const leaves = first ? first.at + (th.rule.windowMs as number) : Number.POSITIVE_INFINITY
    if (leaves < t) t = leaves
  }
  return t
}

export function pruneWindow(core: CoreState, out: EngineOutput, s: TownshipState, th: ThresholdState, t: number): void {
  const rule = th.rule
  const w = rule.windowMs as number
  const count = rule.count as number
  while (th.entries.length > 0 && (th.entries[0] as WindowEntry).at + w <= t) {
    const e = th.entries.shift() as WindowEntry
    th.sum -= e.value
    if (th.holding && th.sum < count) {
      const stoppedAt = e.at + w
      th.holding = false
      const sig = th.signal
      th.signal = null
      if (sig) {
        dropHolding(core, s, sig)
        sig.due = Math.max(stoppedAt, expiryTime(sig.points, sig.at, sig.halfLifeMs))
        if (sig.halfLifeMs !== null && sig.due > stoppedAt) addSignal(core, s, sig)
      }
      alertCleared(core, out, s, rule, stoppedAt, `${rule.name}: window fell below ${count}`)
    }
  }
  if (th.entries.length === 0) th.sum = 0
}

/** Prune every threshold window of the township at t. */
export function pruneWindows(core: CoreState, out: EngineOutput, s: TownshipState, t: number): void {
  for (const th of s.thresholds) pruneWindow(core, out, s, th, t)
}

export function thresholdEvent(core: CoreState, out: EngineOutput, s: TownshipState, rule: CompiledRule, event: RiskEvent, at: number): void {
  const w = rule.windowMs as number
  const t = event.occurredAt
  if (t + w <= at) return // already outside the trailing window
  let th = s.thresholds.find((x) => x.rule === rule)
  if (!th) {
    th = { rule, entries: [], sum: 0, holding: false, signal: null }
    s.thresholds.push(th)
  }
  pruneWindow(core, out, s, th, at)
  const entry = { at: t, value: sumValue(rule, event), eventId: event.id }
  let i = th.entries.length
  while (i > 0 && (th.entries[i - 1] as WindowEntry).at > t) i--
  th.entries.splice(i, 0, entry)
  th.sum += entry.value
  if (th.sum < (rule.count as number)) return
  if (th.signal) {
    // Refreshed while holding: decay restarts from the newest matching event. The live
    // signal keeps its window's ids for explanations (they are read from the window when
    // explained); the firing reports just the refreshing event, so a long-held threshold
    // does not copy its whole window once per event.
    const old = th.signal
    dropHolding(core, s, old)
    const sig = makeSignal(s, rule, Math.max(old.at, t), factor(core, rule), [event.id], true)
    th.signal = sig
    addSignal(core, s, sig)
    out.signals.push(publicSignal(sig))
  } else {
    const ids = th.entries.slice(-MAX_EVENT_IDS).map((e) => e.eventId)
    const sig = makeSignal(s, rule, t, factor(core, rule), ids, true)
    th.signal = sig
    addSignal(core, s, sig)
    out.signals.push(publicSignal(sig))
  }
  const crossed = !th.holding
  th.holding = true
  alertFired(core, out, s, rule, at, event.id, thresholdReason(rule.name, th.sum, w, crossed ? (rule.count as number) : null))
}

/** The ids a threshold signal explains itself with: its window's, while it holds. */
export function thresholdEventIds(s: TownshipState, ruleId: string, sig: object): readonly number[] | null {
  const th = s.thresholds.find((x) => x.rule.id === ruleId)
  return th && th.signal === sig ? th.entries.slice(-MAX_EVENT_IDS).map((e) => e.eventId) : null
}
