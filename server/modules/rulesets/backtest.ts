import type { Db } from '../../../db/connect.ts'
import { type BacktestAlert, type BacktestResult, backtest, diffAlerts, warmupHorizonMs } from '../../domain/backtest.ts'
import type { RiskEvent } from '../../domain/event.ts'
import { eventContext, mayMatch } from '../../domain/rule-language.ts'
import { loadEngineInputs } from '../../engine/store.ts'
import { eventPages, zeroReportsBetween } from '../../engine/store-repository.ts'
import { badRequest, notFound } from '../../http-errors.ts'

/** A backtest holds its events in memory: a year of a county is small; a country's year is the benchmark's. */
export const MAX_BACKTEST_DAYS = 366

async function replay(db: Db, rulesetId: number | undefined, from: number, to: number, timeZone: string): Promise<BacktestResult | null> {
  const inputs = await loadEngineInputs(db, rulesetId)
  if (!inputs) return null
  const warmupFrom = new Date(from - warmupHorizonMs(inputs.ruleSet))
  const events: RiskEvent[] = []
  for await (const page of eventPages(db, { from: warmupFrom, to: new Date(to), order: 'occurred' })) events.push(...page)
  const zeroReports = await zeroReportsBetween(db, warmupFrom, new Date(to))
  return backtest({ ...inputs, events, zeroReports, timeZone, from, to })
}

const alertJson = (a: BacktestAlert) => ({
  key: a.key,
  township: a.township,
  ruleId: a.ruleId,
  level: a.level,
  raisedAt: new Date(a.raisedAt),
  lastSeenAt: new Date(a.lastSeenAt),
  count: a.count,
  recoveredAt: a.recoveredAt === undefined ? null : new Date(a.recoveredAt),
  caseId: a.caseId,
})

/** Replays stored events in [from, to) through a version and, for the diff, through the live set. */
export async function runBacktest(db: Db, rulesetId: number, range: { from: Date; to: Date }, timeZone: string) {
  const from = range.from.getTime()
  const to = range.to.getTime()
  if (!(to > from)) throw badRequest('to must be after from', [{ field: 'to', message: 'must be after from' }])
  if (to - from > MAX_BACKTEST_DAYS * 86_400_000) throw badRequest(`at most ${MAX_BACKTEST_DAYS} days`, [{ field: 'to', message: `the range may span at most ${MAX_BACKTEST_DAYS} days` }])
  const candidate = await replay(db, rulesetId, from, to, timeZone)
  if (!candidate) throw notFound(`rule set ${rulesetId}`)
  const baseline = await replay(db, undefined, from, to, timeZone)
  const diff = diffAlerts(candidate.alerts, baseline?.alerts ?? [], timeZone)
  return {
    alerts: candidate.alerts.map(alertJson),
    // Grouped as the live desk groups them, with this rule set's window (server/domain/cases.ts).
    cases: candidate.cases.map((c) => ({ id: c.id, township: c.township, level: c.level, openedAt: new Date(c.openedAt), alertKeys: [...c.alertKeys], eventIds: [...c.eventIds] })),
    signals: candidate.signals.map((s) => ({ township: s.township, ruleId: s.ruleId, at: new Date(s.at), points: s.points, eventIds: [...s.eventIds] })),
    daily: candidate.daily,
    diff: {
      added: diff.added.map(alertJson),
      removed: diff.removed.map(alertJson),
      changed: diff.changed.map((c) => ({ before: alertJson(c.before), after: alertJson(c.after) })),
    },
    stats: { events: candidate.stats.events, warmupEvents: candidate.stats.warmupEvents, baseline: baseline ? 'live' : 'none' },
  }
}

/** How many stored events each rule's `when` matched in the last `days` days. */
export async function ruleMatches(db: Db, rulesetId: number, days: number, now: Date) {
  const inputs = await loadEngineInputs(db, rulesetId)
  if (!inputs) throw notFound(`rule set ${rulesetId}`)
  const townships = new Map(inputs.townships.map((t) => [t.code, t]))
  const sensitive = (t: number) => inputs.calendar.some((p) => p.from <= t && t < p.to)
  const counts = new Map(inputs.ruleSet.rules.map((r) => [r.id, 0]))
  for await (const page of eventPages(db, { from: new Date(now.getTime() - days * 86_400_000), to: now, order: 'id' })) {
    for (const event of page) {
      const ctx = eventContext(event, townships.get(event.township) ?? { code: event.township, name: event.township, tags: [] }, sensitive(event.occurredAt))
      for (const rule of inputs.ruleSet.rules) {
        if (rule.when === null) counts.set(rule.id, counts.get(rule.id)! + 1)
        else if (mayMatch(rule.when, event) && rule.when.matches(ctx)) counts.set(rule.id, counts.get(rule.id)! + 1)
      }
    }
  }
  // The rule's health beside its matches: evaluations of this replay skipped for running out of
  // the evaluation budget (a version stored before the budget existed; server/domain/rule-language.ts).
  const skipped = (r: (typeof inputs.ruleSet.rules)[number]) => (r.when?.budgetExceeded ?? 0)
  return { days, rules: inputs.ruleSet.rules.map((r) => ({ ruleId: r.id, matches: counts.get(r.id)!, budgetExceeded: skipped(r) })) }
}
