// The engine core's types: what it hands out (signals, changes, alert decisions, snapshots)
// and the state it keeps per township. See docs/architecture.md (the pure engine core).
import type { DueItem } from '../due-queue.ts'
import type { RiskEvent, SensitivePeriod, TownshipContext, ZeroReport } from '../event.ts'
import type { LocalDays } from '../local-days.ts'
import type { CelTownship } from '../rule-language.ts'
import type { Baseline } from '../anomaly.ts'
import type { CompiledRule, CompiledRuleSet, RuleKind } from '../ruleset.ts'
import type { Level } from '../taxonomy.ts'

export interface Signal {
  township: string
  ruleId: string
  ruleName: string
  kind: RuleKind
  /** when the signal fired (or was last refreshed); decay runs from here */
  at: number
  /** points at `at`: the rule's points × factor */
  points: number
  /** product of the modifiers that applied */
  factor: number
  /** never mutated once a signal is made: outputs share it */
  eventIds: readonly number[]
}

export interface SignalExplanation extends Signal {
  pointsNow: number
}

export interface TownshipChange {
  township: string
  score: number
  level: Level
  previousLevel: Level
}

export interface AlertDecision {
  kind: 'raise' | 'repeat' | 'recover'
  /** `${township}|${ruleId ?? 'level'}` */
  key: string
  township: string
  ruleId: string | null
  level: Level
  at: number
  eventId: number | null
  reason: string
}

export interface EngineOutput {
  signals: Signal[]
  changes: TownshipChange[]
  alerts: AlertDecision[]
}

export interface TownshipSnapshot {
  township: string
  score: number
  level: Level
  /** a silence rule holds: the feed is quiet, which is unknown, not calm */
  silent: boolean
  updatedAt: number
}

export interface Explanation {
  township: string
  score: number
  level: Level
  silent: boolean
  signals: SignalExplanation[]
}

export interface EngineOptions {
  ruleSet: CompiledRuleSet
  townships: TownshipContext[]
  calendar: SensitivePeriod[]
  /** days (anomaly counts, daily series) are counted in this IANA zone, e.g. Asia/Shanghai */
  timeZone: string
  /**
   * From when data are complete: silence is measured from here for townships that never
   * reported, and anomaly baselines need their days to be at or after it. Default: the first
   * time the engine is given.
   */
  origin?: number
  /** Called whenever a township's score is re-evaluated (after events and due changes). */
  onScore?: (township: string, at: number, score: number, level: Level) => void
}

export interface Engine {
  ingest(event: RiskEvent, now: number): EngineOutput
  zeroReport(report: ZeroReport, now: number): EngineOutput
  tick(now: number): EngineOutput
  /**
   * Shown scores that decay alone has moved since they were last reported, at `now` (call after
   * tick(now)). Each decaying township is kept in a queue by the earliest time decay can move
   * its shown decimal, so a pass visits only townships whose time has come — not every active
   * one (a country has tens of thousands). A township that goes quiet is reported by the tick
   * that expires its last signal; level drops and silences are reported by tick() too.
   */
  refresh(now: number): TownshipChange[]
  /** When refresh() will next look at a township (+Infinity: decay alone cannot move what it shows). */
  nextRefresh(township: string): number
  snapshot(now: number): TownshipSnapshot[]
  /** The same for some townships only: cost bounded by their number, not the county's. */
  snapshotOf(townships: Iterable<string>, now: number): TownshipSnapshot[]
  explain(township: string, now: number): Explanation
  /** The current score of one township (full precision, capped), without changing state. */
  scoreOf(township: string, now: number): number
  levelOf(township: string): Level
  /** Townships with live signals or a level above blue. */
  activeTownships(): string[]
  /** Keys of alerts the engine considers active (raised, not recovered). */
  activeAlertKeys(): string[]
  readonly ruleSet: CompiledRuleSet
  readonly days: LocalDays
}

export interface LiveSignal extends Signal, DueItem {
  halfLifeMs: number | null
  /** `due` is when it expires (+Infinity for a holding signal) */
  rule: CompiledRule
}

export interface WindowEntry {
  at: number
  value: number
  eventId: number
}

export interface ThresholdState {
  rule: CompiledRule
  entries: WindowEntry[]
  sum: number
  holding: boolean
  signal: LiveSignal | null
}

export interface AnomalyState {
  rule: CompiledRule
  /**
   * Per day of a ring of RING days, three numbers side by side: the day, its count, whether it
   * fired (1/0). One plain array of doubles, not three typed arrays: a typed array this size
   * keeps its numbers off the heap behind two more pointers, and in a country every township's
   * ring is a cache miss (BENCHMARKS.md, scale).
   */
  ring: number[]
  latest: number
  /** C1/C2: the baseline of `baseDay` does not involve that day's own count, so it is computed
   * once per day and dropped when a late event changes an earlier day */
  baseDay: number
  base: Baseline | null
}

export interface SilenceState {
  lastActivity: number
  silent: boolean
  signal: LiveSignal | null
}

export interface DecayGroup {
  halfLifeMs: number
  ref: number
  sum: number
  n: number
}

/** A township's place in the refresh queue (the TownshipState's own due is its next change). */
export interface RefreshItem extends DueItem {
  state: TownshipState
}

export interface TownshipState extends DueItem {
  code: string
  context: TownshipContext
  /** the township as CEL sees it, made on first need */
  cel: CelTownship | null
  clock: number
  /** decaying signals, a binary min-heap by expiry (due): they leave only by expiring */
  expiring: LiveSignal[]
  /** signals that last while a condition holds (threshold, silence): few, removed explicitly */
  holding: LiveSignal[]
  groups: DecayGroup[]
  steady: number
  // Per-rule state lives in small arrays, not Maps: with a country's 40,000 townships every
  // event lands on a township that is out of the CPU cache, and each Map is one more object
  // (and hash table) to fetch from memory (BENCHMARKS.md, scale).
  /** live signals per rule, by the rule's index in the rule set */
  liveByRule: number[]
  /** the active alert's level per rule (by index; the last slot is the level alert), or null */
  alertLevels: Array<Level | null>
  /** in order of first use, found by rule (a rule set has a handful of each kind) */
  thresholds: ThresholdState[]
  anomalies: AnomalyState[]
  /** parallel to the rule set's silence rules */
  silences: SilenceState[]
  /** a member of the engine's active set; kept here so most re-evaluations skip the set */
  isActive: boolean
  level: Level
  /** when the township's state last changed (an event, a report, a due change) */
  updatedAt: number
  reportedScore: number
  reportedLevel: Level
  reportedSilent: boolean
  /** when decay alone may first move the shown score; made when the township first decays */
  refreshItem: RefreshItem | null
}
