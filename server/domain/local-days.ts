// Days are counted in the centre's time zone (DESIGN §2), not UTC: a petition at 07:00 Beijing
// time belongs to that Beijing day. Intl is slow for a hot path, so UTC offsets are cached per
// quarter hour (every real zone changes offset on a quarter-hour boundary).

const DAY_MS = 86_400_000
const BUCKET_MS = 900_000

export interface LocalDays {
  readonly timeZone: string
  /** Local calendar day number: days since 1970-01-01 in the zone. */
  dayOf(t: number): number
  /** Epoch ms of the local midnight starting `day`. */
  startOf(day: number): number
  /** YYYY-MM-DD of a local day number. */
  dateOf(day: number): string
  offsetAt(t: number): number
}

export function localDays(timeZone: string): LocalDays {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  })
  const probe = (at: number): number => {
    const p: Record<string, number> = {}
    for (const part of fmt.formatToParts(new Date(at))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value)
    }
    const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
    return wall - at
  }
  // Per UTC day: the offset when it is the same at both ends of the day (no transition inside,
  // the usual case: one Intl call per day), else NaN and quarter-hour buckets for that day.
  const byDay = new Map<number, number>()
  const byBucket = new Map<number, number>()
  let lastDay = Number.NaN
  let lastOffset = 0
  const offsetAt = (t: number): number => {
    const d = Math.floor(t / DAY_MS)
    if (d === lastDay) return lastOffset
    let off = byDay.get(d)
    if (off === undefined) {
      const a = probe(d * DAY_MS)
      off = a === probe((d + 1) * DAY_MS - BUCKET_MS) && a === probe((d + 1) * DAY_MS) ? a : Number.NaN
      if (byDay.size > 100_000) byDay.clear()
      byDay.set(d, off)
    }
    if (!Number.isNaN(off)) {
      lastDay = d
      lastOffset = off
      return off
    }
    const bucket = Math.floor(t / BUCKET_MS)
    let b = byBucket.get(bucket)
    if (b === undefined) {
      b = probe(bucket * BUCKET_MS)
      if (byBucket.size > 100_000) byBucket.clear()
      byBucket.set(bucket, b)
    }
    return b
  }
  return {
    timeZone,
    offsetAt,
    dayOf: (t) => Math.floor((t + offsetAt(t)) / DAY_MS),
    startOf(day) {
      // the offset at local midnight may differ from the offset a day earlier (DST); two passes settle it
      let t = day * DAY_MS - offsetAt(day * DAY_MS)
      t = day * DAY_MS - offsetAt(t)
      return t
    },
    dateOf: (day) => new Date(day * DAY_MS).toISOString().slice(0, 10),
  }
}
