// Trigger rules: one matching event fires a decaying signal. See docs/architecture.md (rules).
import type { RiskEvent } from '../event.ts'
import type { CompiledRule } from '../ruleset.ts'
import { alertFired } from './alerts.ts'
import { addSignal, makeSignal, publicSignal } from './signals.ts'
import { factor, type CoreState } from './township-state.ts'
import type { EngineOutput, TownshipState } from './types.ts'

export function triggerEvent(core: CoreState, out: EngineOutput, s: TownshipState, rule: CompiledRule, event: RiskEvent, at: number): void {
  const sig = makeSignal(s, rule, event.occurredAt, factor(core, rule), [event.id], false)
  if (sig.due <= at) return
  addSignal(core, s, sig)
  out.signals.push(publicSignal(sig))
  alertFired(core, out, s, rule, at, event.id, `${rule.name}: event ${event.externalId}`)
}
