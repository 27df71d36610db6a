// The incremental risk engine (DESIGN §5): one event updates one township (and the global
// escalation index) at a cost bounded by the number of rules; time-driven changes (decay below
// ε, windows emptying, feeds going silent, levels dropping) are scheduled per township in a
// min-heap, so tick() touches only townships that are due.
//
// Determinism across tick schedules: every time-driven change is stamped with the exact instant
// it happens (a signal's expiry, the moment a window loses its oldest event, the moment the
// score crosses below a level's drop line), never with the tick that noticed it. A township is
// always advanced to an event's occurredAt before the event is applied. So a live engine ticked
// every second and a replay ticked every hour, fed the same events in the same order, reach the
// same state and the same alert decisions (the property test checks this).

import { baselineLag, baselineOf, detectDay, lookbackDays, type Baseline, type CountAt } from './anomaly.ts'
import { decayedPoints, expiryTime, SIGNAL_EPSILON } from './decay.ts'
import { formatDuration } from './duration.ts'
import { DueQueue, type DueItem } from './due-queue.ts'
import { EscalationIndex } from './escalation.ts'
import type { RiskEvent, SensitivePeriod, TownshipContext, ZeroReport } from './event.ts'
import { localDays, type LocalDays } from './local-days.ts'
import { celTownship, type CelTownship, eventContext, mayMatch, type EventCelContext } from './rule-language.ts'
import type { CompiledRule, CompiledRuleSet, RuleKind } from './ruleset.ts'
import { capScore, displayScore, dropBelow, nextLevel } from './score.ts'
import { levelRank, type Level } from './taxonomy.ts'

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

interface LiveSignal extends Signal {
  halfLifeMs: number | null
  expiresAt: number
  rule: CompiledRule
}

interface WindowEntry {
  at: number
  value: number
  eventId: number
}

interface ThresholdState {
  rule: CompiledRule
  entries: WindowEntry[]
  sum: number
  holding: boolean
  signal: LiveSignal | null
}

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

interface AnomalyState {
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

interface SilenceState {
  lastActivity: number
  silent: boolean
  signal: LiveSignal | null
}

interface DecayGroup {
  halfLifeMs: number
  ref: number
  sum: number
  n: number
}

/** A township's place in the refresh queue (a second heap: the TownshipState's own due is taken). */
interface RefreshItem extends DueItem {
  state: TownshipState
}

interface TownshipState extends DueItem {
  code: string
  context: TownshipContext
  /** the township as CEL sees it, made on first need */
  cel: CelTownship | null
  clock: number
  /** decaying signals, a binary min-heap by expiresAt: they leave only by expiring */
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

const LEVEL_KEY = 'level'

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

function emptyOutput(): EngineOutput {
  return { signals: [], changes: [], alerts: [] }
}

function publicSignal(s: LiveSignal): Signal {
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

function sumValue(rule: CompiledRule, event: RiskEvent): number {
  const field = rule.sum
  if (field === null) return 1
  if (field === 'peopleCount') return event.peopleCount
  if (field === 'severity') return event.severity
  const v = event.attributes[field.slice('attributes.'.length)]
  return typeof v === 'number' && Number.isFinite(v) ? v : 0
}

/**
 * A decision whose reason text is made when first read. A rebuild replays ~1 M decisions and
 * keeps the ~50,000 that survive reconciliation: formatting a date or a window's length for
 * every one of them was a measurable share of it (BENCHMARKS.md, scale). The text is the same
 * whenever it is read (made from values fixed when the decision was), and spreading or
 * serialising the decision reads it like any field.
 */
function lazyDecision(
  kind: AlertDecision['kind'],
  key: string,
  township: string,
  ruleId: string | null,
  level: Level,
  at: number,
  eventId: number | null,
  make: () => string,
): AlertDecision {
  let text: string | null = null
  return {
    kind,
    key,
    township,
    ruleId,
    level,
    at,
    eventId,
    get reason() {
      return (text ??= make())
    },
  }
}

// Reason makers: each closes over exactly what its text needs, so a kept decision holds no event.
const silenceReason = (name: string, since: number) => () => `${name}: nothing reported since ${new Date(since).toISOString()}`
const escalationReason = (name: string, minSources: number, ids: readonly number[]) => () =>
  `${name}: one party across ${minSources}+ sources (events ${ids.join(', ')})`
const thresholdReason = (name: string, sum: number, windowMs: number, reached: number | null) => () =>
  reached === null ? `${name}: still ${sum} within ${formatDuration(windowMs)}` : `${name}: ${sum} within ${formatDuration(windowMs)} reached ${reached}`
const anomalyReason = (name: string, count: number, dateOf: (day: number) => string, day: number, method: string, bound: number) => () =>
  `${name}: ${count} on ${dateOf(day)} above ${method} bound ${bound.toFixed(2)}`

/** Keep at most this many event ids on a window/chain signal: enough to explain, bounded. */
const MAX_EVENT_IDS = 50

export function createEngine(options: EngineOptions): Engine {
  const { ruleSet, calendar } = options
  const days = localDays(options.timeZone)
  const contexts = new Map(options.townships.map((t) => [t.code, t]))
  const states = new Map<string, TownshipState>()
  const queue = new DueQueue<TownshipState>()
  const refreshQueue = new DueQueue<RefreshItem>()
  const activeAlerts = new Map<string, Level>()
  const active = new Set<TownshipState>()
  const periods = calendar.slice().sort((a, b) => a.from - b.from)
  let origin: number | null = options.origin ?? null
  let originDay = origin === null ? 0 : days.dayOf(origin)

  const rules = ruleSet.rules
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]))
  const slotOf = (rule: CompiledRule): number => ruleIndex.get(rule.id) as number
  const LEVEL_SLOT = rules.length
  const triggerLike = rules.filter((r) => r.kind !== 'silence' && r.kind !== 'escalation')
  const silenceRules = rules.filter((r) => r.kind === 'silence')
  const escalationRules = rules.filter((r) => r.kind === 'escalation')
  const escalation = new EscalationIndex(escalationRules)

  const isSensitive = (t: number): boolean => {
    for (const p of periods) {
      if (p.from > t) break
      if (t < p.to) return true
    }
    return false
  }

  let started = false
  function start(t: number): void {
    if (started) return
    started = true
    if (origin === null) {
      origin = t
      originDay = days.dayOf(t)
    }
    for (const ctx of options.townships) stateOf(ctx.code)
  }

  function stateOf(code: string): TownshipState {
    let s = states.get(code)
    if (s) return s
    const context = contexts.get(code) ?? { code, name: code, tags: [] }
    const since = origin ?? 0
    s = {
      code,
      context,
      cel: null,
      clock: since,
      due: Number.POSITIVE_INFINITY,
      heapIndex: -1,
      expiring: [],
      holding: [],
      groups: [],
      steady: 0,
      liveByRule: new Array<number>(rules.length).fill(0),
      alertLevels: new Array<Level | null>(rules.length + 1).fill(null),
      thresholds: [],
      anomalies: [],
      silences: silenceRules.map(() => ({ lastActivity: since, silent: false, signal: null })),
      isActive: false,
      level: 'blue',
      updatedAt: since,
      reportedScore: 0,
      reportedLevel: 'blue',
      reportedSilent: false,
      refreshItem: null,
    }
    states.set(code, s)
    schedule(s)
    return s
  }

  // ---- score bookkeeping: decaying signals are summed per half-life so a score is O(groups)

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

  const scoreAt = (s: TownshipState, t: number): number => capScore(rawScore(s, t))

  const liveCount = (s: TownshipState): number => s.expiring.length + s.holding.length

  function heapPush(h: LiveSignal[], sig: LiveSignal): void {
    let i = h.length
    h.push(sig)
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = h[p] as LiveSignal
      if (parent.expiresAt <= sig.expiresAt) break
      h[i] = parent
      i = p
    }
    h[i] = sig
  }

  function heapPop(h: LiveSignal[]): LiveSignal {
    const top = h[0] as LiveSignal
    const last = h.pop() as LiveSignal
    const n = h.length
    if (n > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && (h[r] as LiveSignal).expiresAt < (h[l] as LiveSignal).expiresAt ? r : l
        if ((h[c] as LiveSignal).expiresAt >= last.expiresAt) break
        h[i] = h[c] as LiveSignal
        i = c
      }
      h[i] = last
    }
    return top
  }

  function markActive(s: TownshipState, on: boolean): void {
    if (s.isActive === on) return
    s.isActive = on
    if (on) active.add(s)
    else active.delete(s)
  }

  function addSignal(s: TownshipState, sig: LiveSignal): void {
    if (sig.expiresAt === Number.POSITIVE_INFINITY) s.holding.push(sig)
    else heapPush(s.expiring, sig)
    addPoints(s, sig)
    const i = slotOf(sig.rule)
    s.liveByRule[i] = (s.liveByRule[i] as number) + 1
    markActive(s, true)
  }

  function countDown(s: TownshipState, sig: LiveSignal): boolean {
    removePoints(s, sig)
    const i = slotOf(sig.rule)
    const n = Math.max(0, (s.liveByRule[i] as number) - 1)
    s.liveByRule[i] = n
    return n === 0
  }

  /** Remove a holding signal (threshold, silence). */
  function dropHolding(s: TownshipState, sig: LiveSignal): void {
    const i = s.holding.indexOf(sig)
    if (i < 0) return
    s.holding.splice(i, 1)
    countDown(s, sig)
  }

  function makeSignal(
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
      expiresAt: holding ? Number.POSITIVE_INFINITY : expiryTime(points, at, rule.halfLifeMs),
      rule,
    }
  }

  // ---- alerts

  /** `reason` may be a function: the text is then made when first read (see lazyDecision). */
  function alertFired(out: EngineOutput, s: TownshipState, rule: CompiledRule, at: number, eventId: number | null, reason: string | (() => string)): void {
    if (rule.alert === null) return
    const key = `${s.code}|${rule.id}`
    const slot = slotOf(rule)
    const kind = s.alertLevels[slot] === null ? 'raise' : 'repeat'
    // the Map keeps the keys in the order they were raised; a repeat leaves it as it is
    if (kind === 'raise') activeAlerts.set(key, rule.alert)
    s.alertLevels[slot] = rule.alert
    const township = s.code
    const ruleId = rule.id
    const level = rule.alert
    out.alerts.push(typeof reason === 'string' ? { kind, key, township, ruleId, level, at, eventId, reason } : lazyDecision(kind, key, township, ruleId, level, at, eventId, reason))
  }

  function alertCleared(out: EngineOutput, s: TownshipState, rule: CompiledRule, at: number, reason: string): void {
    const slot = slotOf(rule)
    const level = s.alertLevels[slot]
    if (level === null || level === undefined) return
    const key = `${s.code}|${rule.id}`
    s.alertLevels[slot] = null
    activeAlerts.delete(key)
    out.alerts.push({ kind: 'recover', key, township: s.code, ruleId: rule.id, level, at, eventId: null, reason })
  }

  /** Re-evaluate the level at time t; raises on a rise, recovers on return to blue. */
  function settleLevel(out: EngineOutput, s: TownshipState, t: number, eventId: number | null): void {
    const score = scoreAt(s, t)
    const previous = s.level
    const level = nextLevel(score, previous, ruleSet.levels, ruleSet.hysteresis)
    s.level = level
    if (t > s.updatedAt) s.updatedAt = t
    markActive(s, level !== 'blue' || liveCount(s) > 0)
    options.onScore?.(s.code, t, score, level)
    if (level === previous) return
    const key = `${s.code}|${LEVEL_KEY}`
    if (levelRank(level) > levelRank(previous)) {
      const kind = s.alertLevels[LEVEL_SLOT] === null ? 'raise' : 'repeat'
      activeAlerts.set(key, level)
      s.alertLevels[LEVEL_SLOT] = level
      out.alerts.push({
        kind,
        key,
        township: s.code,
        ruleId: null,
        level,
        at: t,
        eventId,
        reason: `level rose ${previous} → ${level} (score ${displayScore(score)})`,
      })
    } else if (level === 'blue' && s.alertLevels[LEVEL_SLOT] !== null) {
      activeAlerts.delete(key)
      s.alertLevels[LEVEL_SLOT] = null
      out.alerts.push({
        kind: 'recover',
        key,
        township: s.code,
        ruleId: null,
        level: previous,
        at: t,
        eventId: null,
        reason: `level fell back to blue (score ${displayScore(score)})`,
      })
    }
  }

  /** A change when what a screen shows of the township (score to one decimal, level, silence) differs from what was last reported. */
  function report(out: EngineOutput, s: TownshipState, now: number, exact = false): void {
    const t = Math.max(now, s.clock)
    const score = displayScore(scoreAt(s, t))
    const silent = silentOf(s)
    if (score !== s.reportedScore || s.level !== s.reportedLevel || silent !== s.reportedSilent) {
      out.changes.push({ township: s.code, score, level: s.level, previousLevel: s.reportedLevel })
      s.reportedScore = score
      s.reportedLevel = s.level
      s.reportedSilent = silent
    }
    const due = shownChangeTime(s, t)
    let item = s.refreshItem
    if (item === null) {
      if (due === Number.POSITIVE_INFINITY) return
      item = s.refreshItem = { due, heapIndex: -1, state: s }
    } else if (item.heapIndex >= 0 ? due >= item.due && !exact : due === Number.POSITIVE_INFINITY) {
      // A later bound leaves the earlier one in place: visiting early only recomputes it, and
      // most events (those that add no signal) would otherwise move the entry by a millisecond
      // — each move a walk over heap neighbours that are cache misses in a country.
      return
    }
    refreshQueue.set(item, due)
  }

  /**
   * A time no later than the first at which decay alone moves the shown decimal of the score
   * (the signal set fixed: any other change reports, and so recomputes this). The shown value
   * k/10 changes once the score falls below (k − 0.5)/10. Each half-life group decays no faster
   * than the fastest one, so the score at t + d is at least steady + G·2^(−d/h_min), G the
   * decaying part now: solving that for the line gives a bound that is exact for one group and
   * early (a harmless extra visit) for several. A group whose reference is still ahead (an event
   * stamped after t) holds its points until then: the bound then holds only up to that time.
   */
  function shownChangeTime(s: TownshipState, t: number): number {
    let held = s.steady
    let decaying = 0
    let fastest = Number.POSITIVE_INFINITY
    let until = Number.POSITIVE_INFINITY
    for (const g of s.groups) {
      if (t < g.ref) {
        held += g.sum
        if (g.ref < until) until = g.ref
        continue
      }
      decaying += g.sum * 0.5 ** ((t - g.ref) / g.halfLifeMs)
      if (g.halfLifeMs < fastest) fastest = g.halfLifeMs
    }
    if (decaying <= 0) return until
    // what report() has just made the reported score: the same decimal the screens show
    const shown = Math.round(s.reportedScore * 10)
    // shown 0 stays 0; the tick that expires the last signal reports the township
    if (shown <= 0) return until
    // a hair above the exact line, so that rounding in the arithmetic cannot make the bound late
    const line = (shown - 0.5) / 10 + 1e-9
    const reach = line - held
    if (reach <= 0) return until
    if (decaying <= reach) return t + 1
    const at = t + Math.max(1, Math.floor(fastest * Math.log2(decaying / reach)) - 1)
    return at < until ? at : until
  }

  // ---- time-driven changes

  /** Earliest time something other than a level drop happens in the township. */
  function nextStructuralChange(s: TownshipState): number {
    let t = s.expiring[0]?.expiresAt ?? Number.POSITIVE_INFINITY
    for (const th of s.thresholds) {
      if (!th.holding) continue
      const first = th.entries[0]
      const leaves = first ? first.at + (th.rule.windowMs as number) : Number.POSITIVE_INFINITY
      if (leaves < t) t = leaves
    }
    for (let i = 0; i < silenceRules.length; i++) {
      const r = silenceRules[i] as CompiledRule
      const st = s.silences[i] as SilenceState
      if (!st.silent && st.lastActivity + (r.windowMs as number) < t) t = st.lastActivity + (r.windowMs as number)
    }
    return t
  }

  /**
   * The first millisecond in (from, until] at which the score falls below the current level's
   * drop line, with the signal set fixed (it only decays in between, so the score is monotone
   * and bisection is exact to the millisecond). +Infinity when it does not happen by `until`.
   */
  function levelDropTime(s: TownshipState, from: number, until: number): number {
    const line = dropBelow(s.level, ruleSet.levels, ruleSet.hysteresis)
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

  function schedule(s: TownshipState): void {
    const structural = nextStructuralChange(s)
    const drop = levelDropTime(s, s.clock, structural)
    const due = Math.min(structural, drop)
    // unchanged (most events): leave the heap alone, its neighbours are cache misses in a country
    if (due === s.due && (s.heapIndex >= 0 || due === Number.POSITIVE_INFINITY)) return
    queue.set(s, due)
  }

  function expireSignals(out: EngineOutput, s: TownshipState, t: number): void {
    while (s.expiring.length > 0 && (s.expiring[0] as LiveSignal).expiresAt <= t) {
      const sig = heapPop(s.expiring)
      const last = countDown(s, sig)
      const kind = sig.rule.kind
      if (last && (kind === 'trigger' || kind === 'anomaly' || kind === 'escalation')) {
        alertCleared(out, s, sig.rule, sig.expiresAt, `${sig.rule.name}: its signals have expired`)
      }
    }
  }

  function pruneWindow(out: EngineOutput, s: TownshipState, rule: CompiledRule, th: ThresholdState, t: number): void {
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
          dropHolding(s, sig)
          sig.expiresAt = Math.max(stoppedAt, expiryTime(sig.points, sig.at, sig.halfLifeMs))
          if (sig.halfLifeMs !== null && sig.expiresAt > stoppedAt) addSignal(s, sig)
        }
        alertCleared(out, s, rule, stoppedAt, `${rule.name}: window fell below ${count}`)
      }
    }
    if (th.entries.length === 0) th.sum = 0
  }

  function startSilence(out: EngineOutput, s: TownshipState, rule: CompiledRule, st: SilenceState): void {
    const at = st.lastActivity + (rule.windowMs as number)
    st.silent = true
    const sig = makeSignal(s, rule, at, 1, [], true)
    st.signal = sig
    addSignal(s, sig)
    out.signals.push(publicSignal(sig))
    alertFired(out, s, rule, at, null, silenceReason(rule.name, st.lastActivity))
  }

  function endSilence(out: EngineOutput, s: TownshipState, rule: CompiledRule, st: SilenceState, at: number): void {
    st.silent = false
    if (st.signal) dropHolding(s, st.signal)
    st.signal = null
    alertCleared(out, s, rule, at, `${rule.name}: reports resumed`)
  }

  /** Process everything due in the township up to and including `until`, in time order. */
  function advance(out: EngineOutput, s: TownshipState, until: number): void {
    if (until <= s.clock) return
    // s.due was computed by schedule() after the last change, so nothing happens before it
    if (until < s.due) {
      s.clock = until
      return
    }
    for (;;) {
      const structural = nextStructuralChange(s)
      const bound = Math.min(structural, until)
      const drop = bound >= s.clock ? levelDropTime(s, s.clock, bound) : Number.POSITIVE_INFINITY
      if (drop <= bound && drop < structural) {
        s.clock = Math.max(s.clock, drop)
        settleLevel(out, s, s.clock, null)
        continue
      }
      if (structural > until) break
      const t = structural
      s.clock = Math.max(s.clock, t)
      expireSignals(out, s, t)
      for (const th of s.thresholds) pruneWindow(out, s, th.rule, th, t)
      for (let i = 0; i < silenceRules.length; i++) {
        const r = silenceRules[i] as CompiledRule
        const st = s.silences[i] as SilenceState
        if (!st.silent && st.lastActivity + (r.windowMs as number) <= t) startSilence(out, s, r, st)
      }
      settleLevel(out, s, t, null)
    }
    if (until > s.clock) s.clock = until
  }

  // ---- events

  function factorFor(rule: CompiledRule, ctx: EventCelContext, globalFactor: number): number {
    let f = globalFactor
    for (const m of rule.modifiers) if (m.when.matches(ctx)) f *= m.factor
    return f
  }

  function anomalyState(s: TownshipState, rule: CompiledRule): AnomalyState {
    let a = s.anomalies.find((x) => x.rule === rule)
    if (!a) {
      a = {
        rule,
        ring: newRing(),
        latest: Number.NEGATIVE_INFINITY,
        baseDay: Number.NaN,
        base: null,
      }
      s.anomalies.push(a)
    }
    return a
  }

  // The event being applied, with its CEL context built on first need and shared by all rules.
  const current: { event: RiskEvent | null; township: TownshipState | null; ctx: EventCelContext | null; globalFactor: number } = {
    event: null,
    township: null,
    ctx: null,
    globalFactor: -1,
  }
  function context(): EventCelContext {
    if (current.ctx === null) {
      const event = current.event as RiskEvent
      const s = current.township as TownshipState
      s.cel ??= celTownship(s.context)
      current.ctx = eventContext(event, s.cel, isSensitive(event.occurredAt))
    }
    return current.ctx
  }
  function matches(rule: CompiledRule): boolean {
    return rule.when === null || (mayMatch(rule.when, current.event as RiskEvent) && rule.when.matches(context()))
  }
  function factor(rule: CompiledRule): number {
    if (current.globalFactor < 0) {
      let f = 1
      for (const m of ruleSet.modifiers) if (m.when.matches(context())) f *= m.factor
      current.globalFactor = f
    }
    return factorFor(rule, context(), current.globalFactor)
  }

  function ingestEvent(event: RiskEvent, now: number): EngineOutput {
    const out = emptyOutput()
    start(Math.min(event.occurredAt, now))
    const s = stateOf(event.township)
    const t = event.occurredAt
    advance(out, s, t)
    const at = Math.max(t, s.clock)

    current.event = event
    current.township = s
    current.ctx = null
    current.globalFactor = -1
    for (let i = 0; i < silenceRules.length; i++) {
      const rule = silenceRules[i] as CompiledRule
      if (!matches(rule)) continue
      const st = s.silences[i] as SilenceState
      if (t > st.lastActivity) st.lastActivity = t
      if (st.silent && st.lastActivity + (rule.windowMs as number) > at) endSilence(out, s, rule, st, at)
    }

    for (const rule of triggerLike) {
      if (!matches(rule)) continue
      if (rule.kind === 'trigger') {
        const sig = makeSignal(s, rule, t, factor(rule), [event.id], false)
        if (sig.expiresAt <= at) continue
        addSignal(s, sig)
        out.signals.push(publicSignal(sig))
        alertFired(out, s, rule, at, event.id, `${rule.name}: event ${event.externalId}`)
      } else if (rule.kind === 'threshold') {
        thresholdEvent(out, s, rule, event, at)
      } else if (rule.kind === 'anomaly') {
        anomalyEvent(out, s, rule, event, at)
      }
    }

    if (escalationRules.length > 0 && event.partyHashes.length > 0) {
      for (const rule of escalationRules) {
        if (!matches(rule)) continue
        const chain = escalation.record(rule, event)
        if (!chain) continue
        const ids = chain.length > MAX_EVENT_IDS ? chain.slice(chain.length - MAX_EVENT_IDS) : chain
        const sig = makeSignal(s, rule, t, factor(rule), ids, false)
        if (sig.expiresAt <= at) continue
        addSignal(s, sig)
        out.signals.push(publicSignal(sig))
        alertFired(out, s, rule, at, event.id, escalationReason(rule.name, rule.minSources as number, ids))
      }
    }

    settleLevel(out, s, at, event.id)
    advance(out, s, now)
    schedule(s)
    report(out, s, now)
    return out
  }

  function thresholdEvent(
    out: EngineOutput,
    s: TownshipState,
    rule: CompiledRule,
    event: RiskEvent,
    at: number,
  ): void {
    const w = rule.windowMs as number
    const t = event.occurredAt
    if (t + w <= at) return // already outside the trailing window
    let th = s.thresholds.find((x) => x.rule === rule)
    if (!th) {
      th = { rule, entries: [], sum: 0, holding: false, signal: null }
      s.thresholds.push(th)
    }
    pruneWindow(out, s, rule, th, at)
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
      dropHolding(s, old)
      const sig = makeSignal(s, rule, Math.max(old.at, t), factor(rule), [event.id], true)
      th.signal = sig
      addSignal(s, sig)
      out.signals.push(publicSignal(sig))
    } else {
      const ids = th.entries.slice(-MAX_EVENT_IDS).map((e) => e.eventId)
      const sig = makeSignal(s, rule, t, factor(rule), ids, true)
      th.signal = sig
      addSignal(s, sig)
      out.signals.push(publicSignal(sig))
    }
    const crossed = !th.holding
    th.holding = true
    alertFired(
      out,
      s,
      rule,
      at,
      event.id,
      thresholdReason(rule.name, th.sum, w, crossed ? (rule.count as number) : null),
    )
  }

  function anomalyEvent(
    out: EngineOutput,
    s: TownshipState,
    rule: CompiledRule,
    event: RiskEvent,
    at: number,
  ): void {
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
    let verdict: { alarm: boolean; count: number; upperbound: number }
    if (rule.method === 'C1' || rule.method === 'C2') {
      // the same arithmetic as detectDay, with the baseline cached for the day
      if (a.baseDay !== day) {
        a.base = baselineOf(get, day, baselineLag(rule.method), 7)
        a.baseDay = day
      }
      const count = ring[slot + 1] as number
      const upperbound = a.base ? a.base.mean + rule.threshold * Math.max(a.base.sd, rule.minSigma) : Number.NaN
      verdict = { alarm: count > upperbound, count, upperbound }
    } else {
      verdict = detectDay(get, day, { method: rule.method, threshold: rule.threshold, minSigma: rule.minSigma })
    }
    if (!verdict.alarm) return
    ring[slot + 2] = 1
    const sig = makeSignal(s, rule, event.occurredAt, factor(rule), [event.id], false)
    if (sig.expiresAt <= at) return
    addSignal(s, sig)
    out.signals.push(publicSignal(sig))
    alertFired(
      out,
      s,
      rule,
      at,
      event.id,
      anomalyReason(rule.name, verdict.count, days.dateOf, day, rule.method, verdict.upperbound),
    )
  }

  function zeroReport(report_: ZeroReport, now: number): EngineOutput {
    const out = emptyOutput()
    start(Math.min(report_.at, now))
    const s = stateOf(report_.township)
    advance(out, s, report_.at)
    const at = Math.max(report_.at, s.clock)
    for (let i = 0; i < silenceRules.length; i++) {
      const rule = silenceRules[i] as CompiledRule
      const st = s.silences[i] as SilenceState
      if (report_.at > st.lastActivity) st.lastActivity = report_.at
      if (st.silent && st.lastActivity + (rule.windowMs as number) > at) endSilence(out, s, rule, st, at)
    }
    settleLevel(out, s, at, null)
    advance(out, s, now)
    schedule(s)
    report(out, s, now)
    return out
  }

  function tick(now: number): EngineOutput {
    const out = emptyOutput()
    start(now)
    for (;;) {
      const s = queue.peek()
      if (!s || s.due > now) break
      advance(out, s, now)
      schedule(s)
      report(out, s, now)
    }
    escalation.prune(now)
    return out
  }

  function silentOf(s: TownshipState): boolean {
    for (const st of s.silences) if (st.silent) return true
    return false
  }

  function snapshotOfState(s: TownshipState, now: number): TownshipSnapshot {
    return { township: s.code, score: displayScore(scoreAt(s, Math.max(now, s.clock))), level: s.level, silent: silentOf(s), updatedAt: s.updatedAt }
  }

  return {
    ruleSet,
    days,
    ingest: ingestEvent,
    zeroReport,
    tick,
    refresh(now) {
      const out = emptyOutput()
      for (;;) {
        const item = refreshQueue.peek()
        if (!item || item.due > now) break
        // report() moves it past now: to its next bound, or out of the queue
        report(out, item.state, now, true)
      }
      return out.changes
    },
    nextRefresh: (code) => states.get(code)?.refreshItem?.due ?? Number.POSITIVE_INFINITY,
    snapshot(now) {
      start(now)
      return [...states.values()].map((s) => snapshotOfState(s, now))
    },
    snapshotOf(codes, now) {
      start(now)
      const list: TownshipSnapshot[] = []
      for (const code of codes) {
        const s = states.get(code)
        if (s) list.push(snapshotOfState(s, now))
      }
      return list
    },
    explain(code, now) {
      const s = states.get(code)
      if (!s) return { township: code, score: 0, level: 'blue', silent: false, signals: [] }
      const t = Math.max(now, s.clock)
      return {
        township: code,
        score: displayScore(scoreAt(s, t)),
        level: s.level,
        silent: silentOf(s),
        signals: [...s.holding, ...s.expiring]
          .map((sig) => {
            const th = sig.kind === 'threshold' ? s.thresholds.find((x) => x.rule.id === sig.ruleId) : undefined
            const eventIds = th && th.signal === sig ? th.entries.slice(-MAX_EVENT_IDS).map((e) => e.eventId) : sig.eventIds
            return { ...publicSignal(sig), eventIds, pointsNow: decayedPoints(sig.points, sig.at, t, sig.halfLifeMs) }
          })
          .sort((x, y) => y.pointsNow - x.pointsNow),
      }
    },
    scoreOf(code, now) {
      const s = states.get(code)
      return s ? scoreAt(s, Math.max(now, s.clock)) : 0
    },
    levelOf: (code) => states.get(code)?.level ?? 'blue',
    activeTownships: () => [...active].map((s) => s.code),
    activeAlertKeys: () => [...activeAlerts.keys()],
  }
}

export { SIGNAL_EPSILON }
