// Silence rules: a feed that reports nothing for a window is unknown, not calm. The signal
// holds from the window's end until the feed (or a zero report) speaks again. See
// docs/architecture.md (rules).
import type { CompiledRule } from '../ruleset.ts'
import { alertCleared, alertFired, silenceReason } from './alerts.ts'
import { addSignal, dropHolding, makeSignal, publicSignal } from './signals.ts'
import { matches, type CoreState } from './township-state.ts'
import type { EngineOutput, SilenceState, TownshipState } from './types.ts'

function startSilence(core: CoreState, out: EngineOutput, s: TownshipState, rule: CompiledRule, st: SilenceState): void {
  const at = st.lastActivity + (rule.windowMs as number)
  st.silent = true
  const sig = makeSignal(s, rule, at, 1, [], true)
  st.signal = sig
  addSignal(core, s, sig)
  out.signals.push(publicSignal(sig))
  alertFired(core, out, s, rule, at, null, silenceReason(rule.name, st.lastActivity))
}

function endSilence(core: CoreState, out: EngineOutput, s: TownshipState, rule: CompiledRule, st: SilenceState, at: number): void {
  st.silent = false
  if (st.signal) dropHolding(core, s, st.signal)
  st.signal = null
  alertCleared(core, out, s, rule, at, `${rule.name}: reports resumed`)
}

/** The earliest time before `before` at which a feed of the township goes silent. */
export function silenceStarts(core: CoreState, s: TownshipState, before: number): number {
  let t = before
  const rules = core.silenceRules
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i] as CompiledRule
    const st = s.silences[i] as SilenceState
    if (!st.silent && st.lastActivity + (r.windowMs as number) < t) t = st.lastActivity + (r.windowMs as number)
  }
  return t
}

/** Start every silence whose window has ended by t. */
export function startDueSilences(core: CoreState, out: EngineOutput, s: TownshipState, t: number): void {
  const rules = core.silenceRules
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i] as CompiledRule
    const st = s.silences[i] as SilenceState
    if (!st.silent && st.lastActivity + (r.windowMs as number) <= t) startSilence(core, out, s, r, st)
  }
}

/**
 * Activity at `t` (applied at `at`): an event (only the silence rules it matches) or a zero
 * report (all of them). A feed heard again ends its silence.
 */
export function silenceActivity(core: CoreState, out: EngineOutput, s: TownshipState, t: number, at: number, isEvent: boolean): void {
  const rules = core.silenceRules
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledRule
    if (isEvent && !matches(core, rule)) continue
    const st = s.silences[i] as SilenceState
    if (t > st.lastActivity) st.lastActivity = t
    if (st.silent && st.lastActivity + (rule.windowMs as number) > at) endSilence(core, out, s, rule, st, at)
  }
}
