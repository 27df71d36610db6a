// The centre's zone need not be China's (README: TZ_DISPLAY): in a zone with daylight saving a
// day is 23 or 25 hours long, and the helpers that count days, read typed times and bucket the
// engine's events must agree with the clock on the wall across both changes.
import { describe, expect, it } from 'vitest'
import { addDays, dateTime, instantOf, isoInZone, lastDays, localDate, localDays, localInputToIso, offsetMinutes, parseIsoDateTime, startOfDay } from '../../../server/contract/zoned-time.ts'

const BERLIN = 'Europe/Berlin'
const NEW_YORK = 'America/New_York'
const H = 3_600_000

// Europe/Berlin: CET (+01:00) → CEST (+02:00) on 2026-03-29 at 02:00 local; back on 2026-10-25 at 03:00.
const SPRING_MIDNIGHT = Date.UTC(2026, 2, 28, 23) // 2026-03-29 00:00 +01:00
const AUTUMN_MIDNIGHT = Date.UTC(2026, 9, 24, 22) // 2026-10-25 00:00 +02:00

describe('time helpers across daylight saving (Europe/Berlin, America/New_York)', () => {
  it('knows the offset on each side of each change', () => {
    expect(offsetMinutes(Date.UTC(2026, 2, 29, 0, 59), BERLIN)).toBe(60)
    expect(offsetMinutes(Date.UTC(2026, 2, 29, 1, 0), BERLIN)).toBe(120)
    expect(offsetMinutes(Date.UTC(2026, 9, 25, 0, 59), BERLIN)).toBe(120)
    expect(offsetMinutes(Date.UTC(2026, 9, 25, 1, 0), BERLIN)).toBe(60)
    expect(offsetMinutes(Date.UTC(2026, 2, 8, 6, 59), NEW_YORK)).toBe(-300)
    expect(offsetMinutes(Date.UTC(2026, 2, 8, 7, 0), NEW_YORK)).toBe(-240)
  })

  it('starts each day at its own midnight: the spring day is 23 hours, the autumn day 25', () => {
    expect(startOfDay(SPRING_MIDNIGHT + 20 * H, BERLIN)).toBe(SPRING_MIDNIGHT)
    expect(startOfDay(SPRING_MIDNIGHT + 23 * H, BERLIN)).toBe(SPRING_MIDNIGHT + 23 * H) // 03-30 00:00 +02:00
    expect(localDate(SPRING_MIDNIGHT + 23 * H - 1, BERLIN)).toBe('2026-03-29')
    expect(localDate(SPRING_MIDNIGHT + 23 * H, BERLIN)).toBe('2026-03-30')
    expect(startOfDay(AUTUMN_MIDNIGHT + 24 * H, BERLIN)).toBe(AUTUMN_MIDNIGHT)
    expect(localDate(AUTUMN_MIDNIGHT + 25 * H - 1, BERLIN)).toBe('2026-10-25')
    expect(localDate(AUTUMN_MIDNIGHT + 25 * H, BERLIN)).toBe('2026-10-26')
  })

  it('the engine’s day numbers agree with the calendar at every quarter hour around both changes', () => {
    const days = localDays(BERLIN)
    for (const midnight of [SPRING_MIDNIGHT, AUTUMN_MIDNIGHT]) {
      for (let t = midnight - 6 * H; t < midnight + 31 * H; t += 15 * 60_000) {
        const day = days.dayOf(t)
        expect(days.dateOf(day)).toBe(localDate(t, BERLIN))
        expect(days.startOf(day)).toBe(startOfDay(t, BERLIN))
        expect(days.offsetAt(t)).toBe(offsetMinutes(t, BERLIN) * 60_000)
      }
    }
  })

  it('reads a typed wall-clock time in the zone on either side of a change', () => {
    // 01:30 exists once in spring (+01:00), 03:30 after the jump (+02:00).
    expect(localInputToIso('2026-03-29T01:30', BERLIN)).toBe('2026-03-29T00:30:00.000Z')
    expect(localInputToIso('2026-03-29T03:30', BERLIN)).toBe('2026-03-29T01:30:00.000Z')
    // Summer and winter readings of the same clock time differ by the hour the zone moved.
    const summer = parseIsoDateTime('2026-07-01 09:00', BERLIN)!.ms
    const winter = parseIsoDateTime('2026-12-01 09:00', BERLIN)!.ms
    expect(isoInZone(summer, BERLIN)).toBe('2026-07-01T09:00:00+02:00')
    expect(isoInZone(winter, BERLIN)).toBe('2026-12-01T09:00:00+01:00')
    expect(dateTime(instantOf({ year: 2026, month: 10, day: 25, hour: 12, minute: 0, second: 0 }, BERLIN), BERLIN)).toBe('2026-10-25 12:00')
  })

  it('lists the last days through a change with no day missing or doubled', () => {
    const list = lastDays(AUTUMN_MIDNIGHT + 30 * H, BERLIN, 7)
    expect(list).toEqual(Array.from({ length: 7 }, (_, i) => addDays('2026-10-26', i - 6)))
    expect(lastDays(SPRING_MIDNIGHT + 40 * H, NEW_YORK, 30)).toHaveLength(30)
    expect(new Set(lastDays(Date.UTC(2026, 2, 9, 12), NEW_YORK, 10)).size).toBe(10)
  })
})
