import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AlertBook, backtest, diffAlerts, warmupHorizonMs, type BacktestAlert } from '../../../server/domain/backtest.ts'
import { createEngine } from '../../../server/domain/engine.ts'
import type { RiskEvent } from '../../../server/domain/event.ts'
import { compile, D, ev, H, T0, TOWNSHIPS, TZ } from './helpers.ts'

const ruleSet = compile({
  rules: [
    { id: 'collective', name: '集体访', kind: 'trigger', when: "source == 'petition' && peopleCount >= 5", points: 25, halfLife: '12h', alert: 'orange' },
    { id: 'serious', name: '重大警情', kind: 'trigger', when: "source == 'incident' && severity >= 3", points: 18, halfLife: '6h' },
    { id: 'cluster', name: '纠纷聚集', kind: 'threshold', when: "source == 'dispute'", window: '2d', count: 3, points: 20, halfLife: '1d', alert: 'yellow' },
    { id: 'anomaly', name: '警情异常', kind: 'anomaly', when: "source == 'incident'", method: 'C1', points: 15, halfLife: '1d', alert: 'yellow' },
    { id: 'esc', name: '矛盾升级', kind: 'escalation', window: '5d', minSources: 2, points: 30, halfLife: '2d', alert: 'orange' },
    { id: 'quiet', name: '未报告', kind: 'silence', window: '24h', alert: 'yellow' },
  ],
  modifiers: [{ when: "township.tags.exists(t, t == 'border')", factor: 1.5 }],
})

const SPAN = 20 * D
const eventArb = fc.record({
  offset: fc.integer({ min: 0, max: SPAN - 1 }),
  township: fc.constantFrom(...TOWNSHIPS.map((t) => t.code)),
  source: fc.constantFrom('dispute', 'petition', 'incident'),
  severity: fc.integer({ min: 1, max: 4 }),
  peopleCount: fc.integer({ min: 1, max: 8 }),
  party: fc.option(fc.constantFrom('p1', 'p2', 'p3', 'p4'), { nil: null }),
})

type RawEvent = { offset: number; township: string; source: string; severity: number; peopleCount: number; party: string | null }

function toEvents(raw: RawEvent[]): RiskEvent[] {
  return raw
    .map((r, i) =>
      ev({
        id: i + 1,
        occurredAt: T0 + r.offset,
        township: r.township,
        source: r.source as RiskEvent['source'],
        category: r.source === 'dispute' ? 'wages' : r.source === 'petition' ? 'labour' : 'public_order',
        severity: r.severity,
        peopleCount: r.peopleCount,
        partyHashes: r.party ? [r.party] : [],
      }),
    )
    .sort((a, b) => a.occurredAt - b.occurredAt || a.id - b.id)
}

const strip = (alerts: BacktestAlert[]) =>
  alerts.map((a) => `${a.key} ${a.level} ${a.raisedAt} ${a.lastSeenAt} ${a.count} ${a.recoveredAt ?? '-'}`).sort()

describe('backtest', () => {
  it('gives the same final scores, levels and alerts as the live engine ticked at random times', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 120 }),
        fc.array(fc.integer({ min: 0, max: SPAN }), { maxLength: 60 }),
        (raw, tickOffsets) => {
          const events = toEvents(raw)
          const from = T0
          const to = T0 + SPAN
          const replayed = backtest({ events, ruleSet, townships: TOWNSHIPS, calendar: [], timeZone: TZ, from, to })

          const live = createEngine({ ruleSet, townships: TOWNSHIPS, calendar: [], timeZone: TZ, origin: replayed.stats.warmupFrom })
          const book = new AlertBook(from, to)
          const ticks = tickOffsets.map((o) => T0 + o).sort((a, b) => a - b)
          let k = 0
          live.tick(replayed.stats.warmupFrom)
          for (const e of events) {
            while (k < ticks.length && (ticks[k] as number) <= e.occurredAt) live.tick(ticks[k++] as number).alerts.forEach((a) => book.apply(a))
            live.ingest(e, e.occurredAt).alerts.forEach((a) => book.apply(a))
          }
          while (k < ticks.length) live.tick(ticks[k++] as number).alerts.forEach((a) => book.apply(a))
          live.tick(to).alerts.forEach((a) => book.apply(a))

          expect(live.snapshot(to)).toEqual(replayed.final)
          expect(strip(book.alerts)).toEqual(strip(replayed.alerts))
        },
      ),
      { numRuns: Number(process.env.DOMAIN_PROPERTY_RUNS ?? 150) },
    )
  }, 600_000)

  it('warms up from before `from` without reporting, and reports signals, alerts and daily maxima', () => {
    const events = [
      ev({ id: 1, occurredAt: T0 - 2 * H, peopleCount: 6 }), // warm-up: scores but is not reported
      ev({ id: 2, occurredAt: T0 + 10 * H, peopleCount: 7 }),
      ev({ id: 3, occurredAt: T0 + 11 * H, peopleCount: 5, township: '990100002' }),
    ]
    const r = backtest({ events, ruleSet, townships: TOWNSHIPS, calendar: [], timeZone: TZ, from: T0, to: T0 + 2 * D })
    expect(warmupHorizonMs(ruleSet)).toBeGreaterThanOrEqual(8 * D) // C1: 7-day baseline + the day
    expect(r.stats).toMatchObject({ events: 2, warmupEvents: 1 })
    expect(r.signals.filter((s) => s.ruleId === 'collective').map((s) => [s.township, s.points, s.eventIds])).toEqual([
      ['990100001', 25, [2]],
      ['990100002', 37.5, [3]],
    ])
    const collective = r.alerts.filter((a) => a.ruleId === 'collective')
    // the warm-up raise is not this range's alert, so the repeat at +10h is not reported either
    expect(collective.map((a) => a.key)).toEqual(['990100002|collective'])
    const day1 = r.daily.find((d) => d.township === '990100001' && d.date === '2024-06-01')!
    // max of the day: right after event 2, 25 + 25·2^(−12h/12h) = 37.5 → yellow
    expect(day1.score).toBe(37.5)
    expect(day1.level).toBe('yellow')
  })

  it('diffs alerts by key and local day of raising', () => {
    const a = (key: string, raisedAt: number, over: Partial<BacktestAlert> = {}): BacktestAlert => ({
      key,
      township: key.split('|')[0]!,
      ruleId: key.split('|')[1]!,
      level: 'yellow',
      raisedAt,
      lastSeenAt: raisedAt,
      count: 1,
      caseId: 1,
      ...over,
    })
    const baseline = [a('1|x', T0 + H), a('1|y', T0 + H), a('2|x', T0 + 2 * D)]
    const candidate = [a('1|x', T0 + 20 * H, { count: 1 }), a('1|y', T0 + 2 * H, { count: 3 }), a('3|x', T0)]
    const diff = diffAlerts(candidate, baseline, TZ)
    // 1|x: raised the same local day (2024-06-01 01:00 and 20:00 Beijing) → matched, unchanged
    expect(diff.added.map((x) => x.key)).toEqual(['3|x'])
    expect(diff.removed.map((x) => x.key)).toEqual(['2|x'])
    expect(diff.changed.map((c) => [c.key, c.before.count, c.after.count])).toEqual([['1|y', 1, 3]])
    // the next local day is a different alert
    const nextDay = diffAlerts([a('1|x', T0 + D + H)], [a('1|x', T0 + H)], TZ)
    expect([nextDay.added.length, nextDay.removed.length]).toEqual([1, 1])
  })
})
