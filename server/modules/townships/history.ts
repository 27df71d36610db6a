import type { Db } from '../../../db/connect.ts'
import { backtest, warmupHorizonMs } from '../../domain/backtest.ts'
import type { RiskEvent } from '../../domain/event.ts'
import { localDays } from '../../domain/local-days.ts'
import { loadEngineInputs } from '../../engine/store.ts'
import { eventPages, zeroReportsBetween } from '../../engine/store-repository.ts'

const DAY = 86_400_000

/**
 * A township's daily highest score over the last `days` days, replayed through the same core
 * with the live rules. Only the township's own events are replayed, so an escalation chain that
 * crossed townships is not in the picture; the live score is.
 */
export async function townshipHistory(db: Db, township: string, days: number, now: Date, timeZone: string) {
  const inputs = await loadEngineInputs(db)
  if (!inputs) return []
  const to = now.getTime()
  const from = to - days * DAY
  const warmupFrom = new Date(from - warmupHorizonMs(inputs.ruleSet))
  const events: RiskEvent[] = []
  for await (const page of eventPages(db, { from: warmupFrom, to: now, order: 'occurred', township })) events.push(...page)
  const zeroReports = (await zeroReportsBetween(db, warmupFrom, now)).filter((z) => z.township === township)
  const result = backtest({ ...inputs, townships: inputs.townships.filter((t) => t.code === township), events, zeroReports, timeZone, from, to })
  const byDate = new Map(result.daily.filter((d) => d.township === township).map((d) => [d.date, d]))
  // Every day of the range, with quiet days at zero: a chart needs the gaps filled.
  const calendar = localDays(timeZone)
  const items: Array<{ date: string; score: number; level: 'blue' | 'yellow' | 'orange' | 'red' }> = []
  for (let day = calendar.dayOf(from) + 1; day <= calendar.dayOf(to); day++) {
    const date = calendar.dateOf(day)
    const d = byDate.get(date)
    items.push({ date, score: d ? Math.round(d.score * 10) / 10 : 0, level: d?.level ?? 'blue' })
  }
  return items
}
