// Alert decisions: a rule's alert raised, repeated or recovered, the level alert on a rise or
// the return to blue, and what changed on screen. See docs/architecture.md (alerts).
import { formatDuration } from '../duration.ts'
import type { CompiledRule } from '../ruleset.ts'
import { displayScore, nextLevel } from '../score.ts'
import { levelRank, type Level } from '../taxonomy.ts'
import { liveCount, scoreAt } from './signals.ts'
import { markActive, silentOf, slotOf, type CoreState } from './township-state.ts'
import type { AlertDecision, EngineOutput, TownshipState } from './types.ts'

const LEVEL_KEY = 'level'

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
export const silenceReason = (name: string, since: number) => () => `${name}: nothing reported since ${new Date(since).toISOString()}`
export const escalationReason = (name: string, minSources: number, ids: readonly number[], elsewhere: number) => () =>
  `${name}: one party across ${minSources}+ sources (events ${ids.join(', ')}${elsewhere ? `; ${elsewhere} more in other townships` : ''})`
export const thresholdReason = (name: string, sum: number, windowMs: number, reached: number | null) => () =>
  reached === null ? `${name}: still ${sum} within ${formatDuration(windowMs)}` : `${name}: ${sum} within ${formatDuration(windowMs)} reached ${reached}`
export const anomalyReason = (name: string, count: number, dateOf: (day: number) => string, day: number, method: string, bound: number) => () =>
  `${name}: ${count} on ${dateOf(day)} above ${method} bound ${bound.toFixed(2)}`


/** `reason` may be a function: the text is then made when first read (see lazyDecision). */
export function alertFired(core: CoreState, out: EngineOutput, s: TownshipState, rule: CompiledRule, at: number, eventId: number | null, reason: string | (() => string)): void {
  if (rule.alert === null) return
  const key = `${s.code}|${rule.id}`
  const slot = slotOf(core, rule)
  const kind = s.alertLevels[slot] === null ? 'raise' : 'repeat'
  // the Map keeps the keys in the order they were raised; a repeat leaves it as it is
  if (kind === 'raise') core.activeAlerts.set(key, rule.alert)
  s.alertLevels[slot] = rule.alert
  const township = s.code
  const ruleId = rule.id
  const level = rule.alert
  out.alerts.push(typeof reason === 'string' ? { kind, key, township, ruleId, level, at, eventId, reason } : lazyDecision(kind, key, township, ruleId, level, at, eventId, reason))
}

export function alertCleared(core: CoreState, out: EngineOutput, s: TownshipState, rule: CompiledRule, at: number, reason: string): void {
  const slot = slotOf(core, rule)
  const level = s.alertLevels[slot]
  if (level === null || level === undefined) return
  const key = `${s.code}|${rule.id}`
  s.alertLevels[slot] = null
  core.activeAlerts.delete(key)
  out.alerts.push({ kind: 'recover', key, township: s.code, ruleId: rule.id, level, at, eventId: null, reason })
}

/** Re-evaluate the level at time t; raises on a rise, recovers on return to blue. */
export function settleLevel(core: CoreState, out: EngineOutput, s: TownshipState, t: number, eventId: number | null): void {
  const score = scoreAt(s, t)
  const previous = s.level
  const level = nextLevel(score, previous, core.ruleSet.levels, core.ruleSet.hysteresis)
  s.level = level
  if (t > s.updatedAt) s.updatedAt = t
  markActive(core, s, level !== 'blue' || liveCount(s) > 0)
  core.options.onScore?.(s.code, t, score, level)
  if (level === previous) return
  const key = `${s.code}|${LEVEL_KEY}`
  if (levelRank(level) > levelRank(previous)) {
    const kind = s.alertLevels[core.levelSlot] === null ? 'raise' : 'repeat'
    core.activeAlerts.set(key, level)
    s.alertLevels[core.levelSlot] = level
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
  } else if (level === 'blue' && s.alertLevels[core.levelSlot] !== null) {
    core.activeAlerts.delete(key)
    s.alertLevels[core.levelSlot] = null
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
export function report(core: CoreState, out: EngineOutput, s: TownshipState, now: number, exact = false): void {
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
  core.refreshQueue.set(item, due)
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
