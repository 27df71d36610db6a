import { describe, expect, it } from 'vitest'
import { ledgerTime, serialToWallClock, textToWallClock } from '../../../server/modules/imports/ledger-time.ts'

const TZ = 'Asia/Shanghai'

describe('ledger times, read in the centre zone', () => {
  it.each([
    ['2026.11.3', '2026-11-03T00:00:00+08:00'],
    ['2026.11.03 14:30', '2026-11-03T14:30:00+08:00'],
    ['20261103', '2026-11-03T00:00:00+08:00'],
    ['2026年11月3日 14时30分', '2026-11-03T14:30:00+08:00'],
    ['2026年11月3日14时30分05秒', '2026-11-03T14:30:05+08:00'],
    ['2026年11月3日', '2026-11-03T00:00:00+08:00'],
    ['2026年11月3日 9点', '2026-11-03T09:00:00+08:00'],
    ['2026/11/3 14:30', '2026-11-03T14:30:00+08:00'],
    ['2026/11/3 9:05:07', '2026-11-03T09:05:07+08:00'],
    ['2026-11-03T14:30:00', '2026-11-03T14:30:00+08:00'],
    ['2026-11-03 14:30', '2026-11-03T14:30:00+08:00'],
    // An offset given is kept as that instant, shown in the zone.
    ['2026-11-03T06:30:00Z', '2026-11-03T14:30:00+08:00'],
    // A serial kept as text by a CSV saved from a General column.
    ['46329.6041666667', '2026-11-03T14:30:00+08:00'],
  ])('%s → %s', (text, iso) => {
    expect(ledgerTime(text, TZ)).toBe(iso)
  })

  it('reads Excel serials (1900 and 1904 systems), YYYYMMDD numbers and date cells', () => {
    expect(ledgerTime(46329, TZ)).toBe('2026-11-03T00:00:00+08:00')
    expect(ledgerTime(46329.6041666667, TZ)).toBe('2026-11-03T14:30:00+08:00')
    expect(ledgerTime(46329 - 1462, TZ, true)).toBe('2026-11-03T00:00:00+08:00')
    expect(ledgerTime(20261103, TZ)).toBe('2026-11-03T00:00:00+08:00')
    // exceljs gives a date cell's wall clock as if it were UTC.
    expect(ledgerTime(new Date(Date.UTC(2026, 10, 3, 14, 30)), TZ)).toBe('2026-11-03T14:30:00+08:00')
    expect(ledgerTime(new Date(Date.UTC(2026, 10, 3, 14, 30)), 'Europe/Berlin')).toBe('2026-11-03T14:30:00+01:00')
  })

  it.each(['2026.13.3', '2026-02-30', '2026年11月3日 25时', '2026/11/3 14:61', '明天', '3', '', '2026', '202611', 'abc2026.11.3'])('refuses %j', (text) => {
    expect(ledgerTime(text, TZ)).toBeNull()
  })

  it('refuses numbers that are counts, not dates, and impossible YYYYMMDD', () => {
    expect(ledgerTime(5, TZ)).toBeNull()
    expect(ledgerTime(20261332, TZ)).toBeNull()
    expect(ledgerTime(true, TZ)).toBeNull()
    expect(ledgerTime(null, TZ)).toBeNull()
    expect(serialToWallClock(1000)).toBeNull()
    expect(textToWallClock('2026.11.3 下午')).toBeNull()
  })
})
