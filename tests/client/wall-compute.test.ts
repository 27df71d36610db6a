import { describe, expect, it } from 'vitest'
import type { Alert } from '#contract/api.ts'
import { alertJson } from './helpers/alert.ts'
import {
  alertKpis,
  boundedInsertSorted,
  boundedPrepend,
  colourValue,
  dataAgeText,
  dayKey,
  DEFAULT_LEVELS,
  escapeHtml,
  formatPercent,
  hourOf,
  lastDays,
  levelForScore,
  pageOf,
  parseLevels,
  ratio,
  startOfDay,
  tickerPage,
  tickerTime,
  visualMapPieces,
} from '../../client/src/screens/wall/compute.ts'

const LABELS = { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' }

const alert = (over: Partial<Alert> = {}): Alert => alertJson({ ruleId: null, ...over })

describe('ratios and KPIs', () => {
  it('has no ratio without a denominator', () => {
    expect(ratio(0, 0)).toBeNull()
    expect(ratio(3, 0)).toBeNull()
    expect(ratio(1, -2)).toBeNull()
    expect(ratio(1, 4)).toBe(0.25)
    expect(ratio(0, 5)).toBe(0)
  })

  it('formats percentages, with a dash when unknown', () => {
    expect(formatPercent(null)).toBe('—')
    expect(formatPercent(Number.NaN)).toBe('—')
    expect(formatPercent(1)).toBe('100%')
    expect(formatPercent(0)).toBe('0%')
    expect(formatPercent(2 / 7)).toBe('28.6%')
  })

  it('shows every ratio as unknown with no alerts at all', () => {
    const k = alertKpis([])
    expect(k).toEqual({ openByLevel: { blue: 0, yellow: 0, orange: 0, red: 0 }, openTotal: 0, resolvedRatio: null, onTimeRatio: null, satisfaction: null })
  })

  it('counts open alerts by level and computes 办结率, 按期办结率 and 满意度', () => {
    const k = alertKpis([
      alert({ id: 1, level: 'red', state: 'new' }),
      alert({ id: 2, level: 'orange', state: 'acknowledged' }),
      alert({ id: 3, level: 'orange', state: 'dispatched' }),
      alert({ id: 4, level: 'yellow', state: 'resolved', deadline: '2026-11-21T00:00:00Z', resolvedAt: '2026-11-20T00:00:00Z' }),
      alert({ id: 5, level: 'yellow', state: 'closed', deadline: '2026-11-21T00:00:00Z', resolvedAt: '2026-11-22T00:00:00Z', satisfaction: 'dissatisfied' }),
      alert({ id: 6, level: 'yellow', state: 'closed', satisfaction: 'basically_satisfied' }),
      alert({ id: 7, level: 'yellow', state: 'closed', satisfaction: 'satisfied' }),
      // Closed before satisfaction was asked for: no part of 满意度.
      alert({ id: 8, level: 'yellow', state: 'closed', satisfaction: null }),
    ])
    // Open means not closed (the contract's one meaning): the resolved alert awaits its 回访.
    expect(k.openByLevel).toEqual({ blue: 0, yellow: 1, orange: 2, red: 1 })
    expect(k.openTotal).toBe(4)
    expect(k.resolvedRatio).toBe(5 / 8)
    expect(k.onTimeRatio).toBe(1 / 2)
    expect(k.satisfaction).toBe(2 / 3)
  })

  it('has no on-time ratio when resolutions carry no time or no deadline', () => {
    const k = alertKpis([alert({ state: 'resolved', deadline: '2026-11-21T00:00:00Z' }), alert({ id: 2, state: 'resolved', resolvedAt: '2026-11-21T00:00:00Z' })])
    expect(k.resolvedRatio).toBe(1)
    expect(k.onTimeRatio).toBeNull()
    expect(k.satisfaction).toBeNull()
  })
})

describe('levels and the visualMap', () => {
  it('parses sane levels from a rule-set document and rejects the rest', () => {
    expect(parseLevels({ levels: { yellow: 25, orange: 50, red: 75 } })).toEqual({ yellow: 25, orange: 50, red: 75 })
    expect(parseLevels({ levels: { yellow: 50, orange: 25, red: 75 } })).toBeNull()
    expect(parseLevels({ levels: { yellow: '30', orange: 55, red: 80 } })).toBeNull()
    expect(parseLevels({ levels: { yellow: 30, orange: 55, red: 120 } })).toBeNull()
    expect(parseLevels({})).toBeNull()
    expect(parseLevels(null)).toBeNull()
  })

  it('builds one piece per level from the thresholds, a threshold belonging to the higher level', () => {
    const pieces = visualMapPieces({ yellow: 25, orange: 50, red: 75 }, LABELS)
    expect(pieces.map((p) => [p.level, p.gte, p.lt])).toEqual([
      ['red', 75, undefined],
      ['orange', 50, 75],
      ['yellow', 25, 50],
      ['blue', undefined, 25],
    ])
    expect(pieces[0]?.label).toBe('红色 ≥ 75')
    expect(pieces[3]?.label).toBe('蓝色 < 25')
    expect(new Set(pieces.map((p) => p.color)).size).toBe(4)
  })

  it('maps scores to levels at the thresholds', () => {
    expect(levelForScore(29.9, DEFAULT_LEVELS)).toBe('blue')
    expect(levelForScore(30, DEFAULT_LEVELS)).toBe('yellow')
    expect(levelForScore(55, DEFAULT_LEVELS)).toBe('orange')
    expect(levelForScore(80, DEFAULT_LEVELS)).toBe('red')
  })

  it('colours by the level even when hysteresis keeps the score below its band', () => {
    expect(colourValue(62, 'orange', DEFAULT_LEVELS)).toBe(62)
    const held = colourValue(77, 'red', DEFAULT_LEVELS) // still red: not yet 5 below 80
    expect(levelForScore(held, DEFAULT_LEVELS)).toBe('red')
    const above = colourValue(81, 'orange', DEFAULT_LEVELS)
    expect(levelForScore(above, DEFAULT_LEVELS)).toBe('orange')
    expect(colourValue(100, 'red', DEFAULT_LEVELS)).toBe(100)
  })
})

describe('data age text', () => {
  const cases: Array<[number, string, string]> = [
    [0, '刚刚', 'just now'],
    [9_999, '刚刚', 'just now'],
    [42_000, '42 秒前', '42 s ago'],
    [3 * 60_000 + 5_000, '3 分钟前', '3 min ago'],
    [2 * 3_600_000, '2 小时前', '2 h ago'],
    [3 * 86_400_000, '3 天前', '3 days ago'],
    [-5_000, '刚刚', 'just now'],
  ]
  it.each(cases)('%i ms → %s / %s', (age, zh, en) => {
    expect(dataAgeText(age, 'zh-CN')).toBe(zh)
    expect(dataAgeText(age, 'en')).toBe(en)
  })
})

describe('escaping', () => {
  it('turns markup into text', () => {
    expect(escapeHtml('<img src=x onerror="alert(1)">')).toBe('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;')
    expect(escapeHtml("a & b's `c`")).toBe('a &amp; b&#39;s &#96;c&#96;')
    expect(escapeHtml(null)).toBe('')
    expect(escapeHtml(42)).toBe('42')
  })
})

describe('bounded lists', () => {
  it('prepends newest first, replaces by key, and keeps at most max', () => {
    const list = [3, 2, 1]
    expect(boundedPrepend(list, [4], 3)).toEqual([4, 3, 2])
    expect(boundedPrepend(list, [2], 5)).toEqual([2, 3, 1])
    expect(list).toEqual([3, 2, 1])
  })

  it('inserts by time, replacing the same key, bounded', () => {
    type E = { id: number; t: number }
    const key = (e: E) => e.id
    const time = (e: E) => e.t
    let list: E[] = []
    for (let i = 0; i < 100; i++) list = boundedInsertSorted(list, { id: i, t: (i * 37) % 101 }, 10, key, time)
    expect(list).toHaveLength(10)
    const times = list.map(time)
    expect(times).toEqual([...times].sort((a, b) => b - a))
    list = boundedInsertSorted(list, { id: list[5]!.id, t: 1000 }, 10, key, time)
    expect(list[0]?.t).toBe(1000)
    expect(new Set(list.map(key)).size).toBe(10)
  })

  it('pages a list and wraps the page number', () => {
    const list = Array.from({ length: 14 }, (_, i) => i)
    expect(pageOf(list, 0, 6)).toEqual({ items: [0, 1, 2, 3, 4, 5], page: 0, pages: 3 })
    expect(pageOf(list, 2, 6).items).toEqual([12, 13])
    expect(pageOf(list, 3, 6).page).toBe(0)
    expect(pageOf([], 1, 6)).toEqual({ items: [], page: 0, pages: 1 })
  })

  it('keeps pinned items on every page of the ticker and pages the rest through the slots left', () => {
    const list = Array.from({ length: 12 }, (_, i) => i)
    const pinned = (n: number) => n === 4 || n === 9
    const pages = [0, 1, 2].map((p) => tickerPage(list, pinned, p, 6))
    for (const p of pages) expect(p.items.slice(0, 2)).toEqual([4, 9])
    expect(pages[0]).toMatchObject({ pinned: 2, page: 0, pages: 3 })
    // Every other item is shown on exactly one page.
    expect(pages.flatMap((p) => p.items.slice(2)).sort((a, b) => a - b)).toEqual(list.filter((n) => !pinned(n)))
    // More pinned than a page holds: the page is all pinned, nothing pages.
    expect(tickerPage(list, () => true, 1, 6)).toEqual({ items: [0, 1, 2, 3, 4, 5], pinned: 6, page: 0, pages: 1 })
    expect(tickerPage(list, () => false, 1, 6)).toEqual({ items: [6, 7, 8, 9, 10, 11], pinned: 0, page: 1, pages: 2 })
  })
})

describe('days and hours in the centre time zone', () => {
  const tz = 'Asia/Shanghai'

  it('shows the date beside the time for the ticker’s alerts of another day in the centre', () => {
    const now = Date.parse('2026-11-20T00:30:00+08:00')
    expect(tickerTime(Date.parse('2026-11-20T00:05:00+08:00'), now, tz)).toBe('00:05')
    expect(tickerTime(Date.parse('2026-11-19T23:55:00+08:00'), now, tz)).toBe('11-19 23:55')
    // The same instants in Berlin are both on 11-19.
    expect(tickerTime(Date.parse('2026-11-19T23:55:00+08:00'), now, 'Europe/Berlin')).toBe('16:55')
  })
  it('counts days and hours in Beijing time, not UTC', () => {
    const t = Date.parse('2026-11-23T17:30:00Z') // 01:30 on the 24th in Beijing
    expect(dayKey(t, tz)).toBe('2026-11-24')
    expect(hourOf(t, tz)).toBe(1)
    expect(startOfDay(t, tz)).toBe(Date.parse('2026-11-23T16:00:00Z'))
  })

  it('lists the last n days, oldest first, across a month end', () => {
    const days = lastDays(Date.parse('2026-12-02T04:00:00Z'), tz, 4)
    expect(days).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02'])
  })

  it('handles a zone with daylight saving time', () => {
    const t = Date.parse('2026-03-29T12:00:00Z') // Europe/Berlin switched to CEST that night
    expect(startOfDay(t, 'Europe/Berlin')).toBe(Date.parse('2026-03-28T23:00:00Z'))
    expect(lastDays(t, 'Europe/Berlin', 2)).toEqual(['2026-03-28', '2026-03-29'])
  })
})
