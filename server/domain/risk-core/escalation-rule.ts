// Escalation rules: one party reported through several sources (the global escalation index
// keeps the chains across townships). See docs/architecture.md (rules).
import type { RiskEvent } from '../event.ts'
import { alertFired, escalationReason } from './alerts.ts'
import { addSignal, makeSignal, MAX_EVENT_IDS, publicSignal } from './signals.ts'
import { factor, matches, type CoreState } from './township-state.ts'
import type { EngineOutput, TownshipState } from './types.ts'

export function escalationEvent(core: CoreState, out: EngineOutput, s: TownshipState, event: RiskEvent, at: number): void {
  if (core.escalationRules.length === 0 || event.partyHashes.length === 0) return
  const t = event.occurredAt
  for (const rule of core.escalationRules) {
    if (!matches(core, rule)) continue
    const chain = core.escalation.record(rule, event)
    if (!chain) continue
    const ids = chain.here.length > MAX_EVENT_IDS ? chain.here.slice(chain.here.length - MAX_EVENT_IDS) : chain.here
    const sig = makeSignal(s, rule, t, factor(core, rule), ids, false)
    if (sig.due <= at) continue
    addSignal(core, s, sig)
    out.signals.push(publicSignal(sig))
    alertFired(core, out, s, rule, at, event.id, escalationReason(rule.name, rule.minSources as number, ids, chain.elsewhere))
  }
}
