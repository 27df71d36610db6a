// The engine core's explicit state: the rule set split by kind, every township's state, the
// due-time queues and the active alerts. Each rule kind's module works on this state, handed
// to it as its first argument; nothing is hidden in a closure. See docs/architecture.md.
import { DueQueue } from '../due-queue.ts'
import { EscalationIndex } from '../escalation.ts'
import type { RiskEvent, SensitivePeriod, TownshipContext } from '../event.ts'
import { localDays, type LocalDays } from '../local-days.ts'
import { celTownship, eventContext, mayMatch, type EventCelContext } from '../rule-language.ts'
import type { CompiledRule, CompiledRuleSet } from '../ruleset.ts'
import type { Level } from '../taxonomy.ts'
import type { EngineOptions, EngineOutput, RefreshItem, TownshipState } from './types.ts'

/** The event being applied, with its CEL context built on first need and shared by all rules. */
export interface CurrentEvent {
  event: RiskEvent | null
  township: TownshipState | null
  ctx: EventCelContext | null
  globalFactor: number
}

export interface CoreState {
  readonly options: EngineOptions
  readonly ruleSet: CompiledRuleSet
  readonly rules: readonly CompiledRule[]
  readonly ruleIndex: ReadonlyMap<string, number>
  /** the alert slot of the level alert: after the rules' own */
  readonly levelSlot: number
  /** trigger, threshold and anomaly rules, in rule-set order */
  readonly triggerLike: readonly CompiledRule[]
  readonly silenceRules: readonly CompiledRule[]
  readonly escalationRules: readonly CompiledRule[]
  readonly escalation: EscalationIndex
  readonly days: LocalDays
  readonly periods: readonly SensitivePeriod[]
  readonly contexts: ReadonlyMap<string, TownshipContext>
  readonly states: Map<string, TownshipState>
  /** townships by their next time-driven change */
  readonly queue: DueQueue<TownshipState>
  /** townships by the next time decay alone may move their shown score */
  readonly refreshQueue: DueQueue<RefreshItem>
  /** in the order the alerts were raised */
  readonly activeAlerts: Map<string, Level>
  readonly active: Set<TownshipState>
  readonly current: CurrentEvent
  origin: number | null
  originDay: number
  started: boolean
}

export function createCoreState(options: EngineOptions): CoreState {
  const { ruleSet } = options
  const days = localDays(options.timeZone)
  const rules = ruleSet.rules
  const escalationRules = rules.filter((r) => r.kind === 'escalation')
  const origin = options.origin ?? null
  return {
    options,
    ruleSet,
    rules,
    ruleIndex: new Map(rules.map((r, i) => [r.id, i])),
    levelSlot: rules.length,
    triggerLike: rules.filter((r) => r.kind !== 'silence' && r.kind !== 'escalation'),
    silenceRules: rules.filter((r) => r.kind === 'silence'),
    escalationRules,
    escalation: new EscalationIndex(escalationRules),
    days,
    periods: options.calendar.slice().sort((a, b) => a.from - b.from),
    contexts: new Map(options.townships.map((t) => [t.code, t])),
    states: new Map(),
    queue: new DueQueue<TownshipState>(),
    refreshQueue: new DueQueue<RefreshItem>(),
    activeAlerts: new Map(),
    active: new Set(),
    current: { event: null, township: null, ctx: null, globalFactor: -1 },
    origin,
    originDay: origin === null ? 0 : days.dayOf(origin),
    started: false,
  }
}

export function emptyOutput(): EngineOutput {
  return { signals: [], changes: [], alerts: [] }
}

export const slotOf = (core: CoreState, rule: CompiledRule): number => core.ruleIndex.get(rule.id) as number

export function markActive(core: CoreState, s: TownshipState, on: boolean): void {
  if (s.isActive === on) return
  s.isActive = on
  if (on) core.active.add(s)
  else core.active.delete(s)
}

export function silentOf(s: TownshipState): boolean {
  for (const st of s.silences) if (st.silent) return true
  return false
}

// ---- the event being applied

function isSensitive(core: CoreState, t: number): boolean {
  for (const p of core.periods) {
    if (p.from > t) break
    if (t < p.to) return true
  }
  return false
}

export function beginEvent(core: CoreState, event: RiskEvent, s: TownshipState): void {
  const c = core.current
  c.event = event
  c.township = s
  c.ctx = null
  c.globalFactor = -1
}

function context(core: CoreState): EventCelContext {
  const c = core.current
  if (c.ctx === null) {
    const event = c.event as RiskEvent
    const s = c.township as TownshipState
    s.cel ??= celTownship(s.context)
    c.ctx = eventContext(event, s.cel, isSensitive(core, event.occurredAt))
  }
  return c.ctx
}

export function matches(core: CoreState, rule: CompiledRule): boolean {
  return rule.when === null || (mayMatch(rule.when, core.current.event as RiskEvent) && rule.when.matches(context(core)))
}

export function factor(core: CoreState, rule: CompiledRule): number {
  const c = core.current
  const ctx = context(core)
  if (c.globalFactor < 0) {
    let f = 1
    for (const m of core.ruleSet.modifiers) if (m.when.matches(ctx)) f *= m.factor
    c.globalFactor = f
  }
  let f = c.globalFactor
  for (const m of rule.modifiers) if (m.when.matches(ctx)) f *= m.factor
  return f
}
