// Backtest (docs/architecture.md §5): the live engine, replayed over stored events. Nothing here scores; it
// only feeds the engine in order, ticks it, and collects what it says.

import { lookbackDays } from './anomaly.ts'
import { assignCase, type CaseSettings, caseSettingsOf, type GroupableCase, withEvent } from './cases.ts'
import { SIGNAL_EPSILON } from './decay.ts'
import { createEngine, type AlertDecision, type Engine, type EngineOutput, type TownshipSnapshot } from './engine.ts'
import type { RiskEvent, SensitivePeriod, TownshipContext, ZeroReport } from './event.ts'
import { localDays } from './local-days.ts'
import type { CompiledRuleSet } from './ruleset.ts'
import { displayScore, SCORE_CAP } from './score.ts'
import { levelRank, type Level } from './taxonomy.ts'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

export interface BacktestInput {
  /** sorted by occurredAt, ties by id (sorted here if not) */
  events: readonly RiskEvent[]
  zeroReports?: readonly ZeroReport[]
  ruleSet: CompiledRuleSet
  townships: TownshipContext[]
  calendar: SensitivePeriod[]
  timeZone: string
  /** [from, to), epoch ms */
  from: number
  to: number
}

export interface BacktestSignal {
  township: string
  ruleId: string
  at: number
  points: number
  eventIds: readonly number[]
}

/** One alert as the edge would have kept it: one open per key, repeats counted. */
export interface BacktestAlert {
  key: string
  township: string
  ruleId: string | null
  /** highest level seen while open (a level alert can rise further) */
  level: Level
  raisedAt: number
  lastSeenAt: number
  count: number
  recoveredAt?: number
  /** the case it folded into (BacktestCase.id) */
  caseId: number
}

/** A case as the live desk would have opened it (server/domain/cases.ts): nobody acts in a backtest, so each stays open. */
export interface BacktestCase {
  id: number
  township: string
  /** highest level of its alerts */
  level: Level
  openedAt: number
  /** keys of its alerts, in the order they joined */
  alertKeys: string[]
  eventIds: number[]
}

/**
 * One township-day: the day's maximum score and maximum level (the worst moment of the day is
 * what a daily review asks about). Only township-days with a score or a level above blue are
 * listed; a missing day is score 0, blue.
 */
export interface DailyLevel {
  township: string
  date: string
  score: number
  level: Level
}

export interface BacktestResult {
  alerts: BacktestAlert[]
  cases: BacktestCase[]
  signals: BacktestSignal[]
  daily: DailyLevel[]
  /** every township's state at `to` */
  final: TownshipSnapshot[]
  stats: { events: number; warmupEvents: number; warmupFrom: number }
}

/**
 * How far before `from` events still shape the state at `from`: the longest window, the time a
 * capped score's signal takes to decay below ε, and the anomaly baselines.
 */
export function warmupHorizonMs(ruleSet: CompiledRuleSet): number {
  let h = 0
  const halvings = Math.log2(SCORE_CAP / SIGNAL_EPSILON)
  for (const r of ruleSet.rules) {
    if (r.windowMs !== null) h = Math.max(h, r.windowMs)
    if (r.halfLifeMs !== null) h = Math.max(h, r.halfLifeMs * halvings)
    if (r.kind === 'anomaly') h = Math.max(h, (lookbackDays(r.method) + 1) * DAY_MS)
  }
  return Math.ceil(h)
}

function isSorted(events: readonly RiskEvent[]): boolean {
  for (let i = 1; i < events.length; i++) {
    const a = events[i - 1] as RiskEvent
    const b = events[i] as RiskEvent
    if (a.occurredAt > b.occurredAt || (a.occurredAt === b.occurredAt && a.id > b.id)) return false
  }
  return true
}

/**
 * Folds alert decisions into alerts the way the edge keeps them: a raise opens one alert per
 * key, repeats count on it, a recover marks it recovered. Decisions outside [from, to] are
 * ignored, and so are repeats of an alert raised before `from` (it is not this range's alert).
 */
export class AlertBook {
  readonly alerts: BacktestAlert[] = []
  readonly cases: BacktestCase[] = []
  private open = new Map<string, BacktestAlert>()
  private casesByTownship = new Map<string, Array<GroupableCase<number>>>()
  private from: number
  private to: number
  private settings: CaseSettings

  constructor(from: number, to: number, settings: CaseSettings = caseSettingsOf(null)) {
    this.from = from
    this.to = to
    this.settings = settings
  }

  /** Folds a raised alert into a case exactly as the live alerts service does. */
  private fold(rec: Omit<BacktestAlert, 'caseId'>, eventId: number | null): number {
    let mine = this.casesByTownship.get(rec.township)
    if (!mine) this.casesByTownship.set(rec.township, (mine = []))
    // Only cases within reach of the window or holding the event can take it; older ones are
    // kept for same-event joins (a repeat's event seen again), newest last.
    const choice = assignCase({ township: rec.township, at: rec.raisedAt, eventId }, mine, this.settings)
    if (choice.kind === 'join') {
      const g = mine.find((c) => c.id === choice.caseId)!
      const c = this.cases[choice.caseId - 1]!
      c.alertKeys.push(rec.key)
      if (levelRank(rec.level) > levelRank(c.level)) c.level = rec.level
      g.eventIds = c.eventIds = withEvent(c.eventIds, eventId)
      return c.id
    }
    const id = this.cases.length + 1
    const eventIds = withEvent([], eventId)
    this.cases.push({ id, township: rec.township, level: rec.level, openedAt: rec.raisedAt, alertKeys: [rec.key], eventIds })
    mine.push({ id, township: rec.township, status: 'new', openedAt: rec.raisedAt, eventIds })
    return id
  }

  apply(a: AlertDecision): void {
    if (a.at < this.from || a.at > this.to) return
    const current = this.open.get(a.key)
    if (a.kind === 'raise') {
      const base = { key: a.key, township: a.township, ruleId: a.ruleId, level: a.level, raisedAt: a.at, lastSeenAt: a.at, count: 1 }
      const rec: BacktestAlert = { ...base, caseId: this.fold(base, a.eventId) }
      this.open.set(a.key, rec)
      this.alerts.push(rec)
    } else if (!current) {
      return
    } else if (a.kind === 'repeat') {
      current.count++
      current.lastSeenAt = a.at
      if (levelRank(a.level) > levelRank(current.level)) {
        current.level = a.level
        const c = this.cases[current.caseId - 1]!
        if (levelRank(a.level) > levelRank(c.level)) c.level = a.level
      }
    } else {
      current.recoveredAt = a.at
      this.open.delete(a.key)
    }
  }
}

export function backtest(input: BacktestInput): BacktestResult {
  const { from, to } = input
  const warmupFrom = from - warmupHorizonMs(input.ruleSet)
  const days = localDays(input.timeZone)
  const events = isSorted(input.events)
    ? input.events
    : input.events.slice().sort((a, b) => a.occurredAt - b.occurredAt || a.id - b.id)
  const zeros = (input.zeroReports ?? []).slice().sort((a, b) => a.at - b.at)

  type Day = { township: string; day: number; score: number; level: Level }
  const daily: Day[] = []
  const byKey = new Map<string, Day>()
  // each township's current day: times arrive (nearly) in order, so this is a one-entry cache
  const today = new Map<string, Day>()
  const noteDaily = (township: string, at: number, score: number, level: Level): void => {
    if (at < from || at >= to || (score <= 0 && level === 'blue')) return
    const day = days.dayOf(at)
    let d = today.get(township)
    if (!d || d.day !== day) {
      const key = `${township}|${day}`
      d = byKey.get(key)
      if (!d) {
        d = { township, day, score, level }
        daily.push(d)
        byKey.set(key, d)
      }
      today.set(township, d)
    }
    if (score > d.score) d.score = score
    if (levelRank(level) > levelRank(d.level)) d.level = level
  }

  const engine: Engine = createEngine({
    ruleSet: input.ruleSet,
    townships: input.townships,
    calendar: input.calendar,
    timeZone: input.timeZone,
    origin: warmupFrom,
    onScore: noteDaily,
  })

  const signals: BacktestSignal[] = []
  const book = new AlertBook(from, to, input.ruleSet.cases)
  const collect = (out: EngineOutput): void => {
    for (const s of out.signals) {
      if (s.at >= from && s.at <= to) {
        signals.push({ township: s.township, ruleId: s.ruleId, at: s.at, points: s.points, eventIds: s.eventIds })
      }
    }
    for (const a of out.alerts) book.apply(a)
  }

  // Ticks at every hour and every local midnight: the engine stamps changes with their exact
  // times whatever the tick schedule; ticks only bound how late they are collected, and the
  // midnight ticks carry each township's decayed score into the new day's maximum.
  let nextHour = Math.floor(warmupFrom / HOUR_MS) * HOUR_MS + HOUR_MS
  let nextDay = days.startOf(days.dayOf(warmupFrom) + 1)
  const tickUntil = (t: number): void => {
    for (;;) {
      const next = Math.min(nextHour, nextDay)
      if (next > t) break
      collect(engine.tick(next))
      if (next === nextDay) {
        for (const code of engine.activeTownships()) noteDaily(code, next, engine.scoreOf(code, next), engine.levelOf(code))
        nextDay = days.startOf(days.dayOf(next) + 1)
      }
      if (next === nextHour) nextHour += HOUR_MS
    }
  }

  engine.tick(warmupFrom)
  let warmupEvents = 0
  let fed = 0
  let zi = 0
  while (zi < zeros.length && (zeros[zi] as ZeroReport).at < warmupFrom) zi++
  for (const e of events) {
    const t = e.occurredAt
    if (t < warmupFrom) continue
    if (t >= to) break
    while (zi < zeros.length && (zeros[zi] as ZeroReport).at <= t) {
      const z = zeros[zi++] as ZeroReport
      tickUntil(z.at)
      collect(engine.zeroReport(z, z.at))
    }
    tickUntil(t)
    collect(engine.ingest(e, t))
    if (t < from) warmupEvents++
    else fed++
  }
  while (zi < zeros.length && (zeros[zi] as ZeroReport).at < to) {
    const z = zeros[zi++] as ZeroReport
    tickUntil(z.at)
    collect(engine.zeroReport(z, z.at))
  }
  tickUntil(to)
  collect(engine.tick(to))

  return {
    alerts: book.alerts,
    cases: book.cases,
    signals,
    final: engine.snapshot(to),
    daily: daily
      .sort((a, b) => a.day - b.day || (a.township < b.township ? -1 : a.township > b.township ? 1 : 0))
      .map((d) => ({ township: d.township, date: days.dateOf(d.day), score: displayScore(d.score), level: d.level })),
    stats: { events: fed, warmupEvents, warmupFrom },
  }
}

export interface AlertChange {
  key: string
  before: BacktestAlert
  after: BacktestAlert
}

export interface AlertDiff {
  added: BacktestAlert[]
  removed: BacktestAlert[]
  changed: AlertChange[]
}

/**
 * Compare a candidate rule set's alerts with the published set's. Alerts match when they have
 * the same key (township and rule, or township level) and were raised on the same local day;
 * several of one key on one day pair up in order of raising. A matched pair is "changed" when
 * its level, its count of firings, or whether it recovered differs.
 */
export function diffAlerts(candidate: readonly BacktestAlert[], baseline: readonly BacktestAlert[], timeZone: string): AlertDiff {
  const days = localDays(timeZone)
  const group = (list: readonly BacktestAlert[]) => {
    const m = new Map<string, BacktestAlert[]>()
    for (const a of [...list].sort((x, y) => x.raisedAt - y.raisedAt)) {
      const k = `${a.key}@${days.dayOf(a.raisedAt)}`
      const g = m.get(k)
      if (g) g.push(a)
      else m.set(k, [a])
    }
    return m
  }
  const cand = group(candidate)
  const base = group(baseline)
  const diff: AlertDiff = { added: [], removed: [], changed: [] }
  for (const [k, after] of cand) {
    const before = base.get(k) ?? []
    after.forEach((a, i) => {
      const b = before[i]
      if (!b) diff.added.push(a)
      else if (a.level !== b.level || a.count !== b.count || (a.recoveredAt === undefined) !== (b.recoveredAt === undefined)) {
        diff.changed.push({ key: a.key, before: b, after: a })
      }
    })
    for (const b of before.slice(after.length)) diff.removed.push(b)
  }
  for (const [k, before] of base) if (!cand.has(k)) diff.removed.push(...before)
  const byTime = (x: BacktestAlert, y: BacktestAlert) => x.raisedAt - y.raisedAt || (x.key < y.key ? -1 : 1)
  diff.added.sort(byTime)
  diff.removed.sort(byTime)
  return diff
}

