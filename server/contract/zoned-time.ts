// Time in the centre's zone (TZ_DISPLAY), shared by server and client (docs/architecture.md,
// "The contract"): days and hours are counted there, not in UTC and not in the browser's zone —
// a petition at 07:00 Beijing time belongs to that Beijing day wherever the screen is. The server
// sends its zone to the client with the session. Pure: no I/O, no clock (every instant is given).

/** The zone when none is configured (TZ_DISPLAY's default). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'

const DAY_MS = 86_400_000
const BUCKET_MS = 900_000

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    formatters.set(tz, f)
  }
  return f
}

export interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

/** What a clock on the wall in `tz` shows at the instant `ms`. */
export function wallClock(ms: number, tz: string): WallClock {
  const p: Record<string, number> = {}
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value)
  return { year: p['year'] ?? 1970, month: p['month'] ?? 1, day: p['day'] ?? 1, hour: (p['hour'] ?? 0) % 24, minute: p['minute'] ?? 0, second: p['second'] ?? 0 }
}

/** Offset of `tz` from UTC at the instant `ms`, in minutes (Asia/Shanghai: 480). */
export function offsetMinutes(ms: number, tz: string): number {
  const w = wallClock(ms, tz)
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000)
}

/** The instant at which the wall clock in `tz` shows `w`. */
export function instantOf(w: WallClock, tz: string, millisecond = 0): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, millisecond)
  let ms = asUtc - offsetMinutes(asUtc, tz) * 60_000
  // Once more, for an offset change (DST) between the guess and the answer.
  ms = asUtc - offsetMinutes(ms, tz) * 60_000
  return ms
}

const pad = (n: number, l = 2) => String(n).padStart(l, '0')

/** YYYY-MM-DD of the instant in `tz`. */
export function localDate(ms: number, tz: string): string {
  const w = wallClock(ms, tz)
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`
}

/** The local hour, 0–23. */
export function hourOf(ms: number, tz: string): number {
  return wallClock(ms, tz).hour
}

/** "HH:mm" in `tz`. */
export function clockTime(ms: number, tz: string): string {
  const w = wallClock(ms, tz)
  return `${pad(w.hour)}:${pad(w.minute)}`
}

/** "YYYY-MM-DD HH:mm" in `tz`. */
export function dateTime(ms: number, tz: string): string {
  const w = wallClock(ms, tz)
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`
}

/** Epoch ms of the local midnight that starts the day containing `ms`. */
export function startOfDay(ms: number, tz: string): number {
  const w = wallClock(ms, tz)
  return instantOf({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0 }, tz)
}

/** The local dates of the `n` days ending with the one containing `nowMs`, oldest first. */
export function lastDays(nowMs: number, tz: string, n: number): string[] {
  const noon = startOfDay(nowMs, tz) + 12 * 3_600_000
  const keys: string[] = []
  for (let i = n - 1; i >= 0; i--) keys.push(localDate(noon - i * DAY_MS, tz))
  return keys
}

/** ISO-8601 with the zone's offset: 2026-11-20T14:30:00+08:00. */
export function isoInZone(ms: number, tz: string): string {
  const off = offsetMinutes(ms, tz)
  const w = wallClock(ms, tz)
  const sign = off < 0 ? '-' : '+'
  const abs = Math.abs(off)
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** A `datetime-local` value ("YYYY-MM-DDTHH:mm") of the instant in `tz`. */
export function localInputValue(ms: number, tz: string): string {
  return isoInZone(ms, tz).slice(0, 16)
}

/** A `datetime-local` value (a wall-clock time in `tz`) → ISO-8601 UTC; '' when empty or invalid. */
export function localInputToIso(value: string, tz: string): string {
  const parsed = value ? parseIsoDateTime(value, tz) : null
  return parsed && !parsed.hadOffset ? new Date(parsed.ms).toISOString() : ''
}

/** The instant local midnight starts `date` (YYYY-MM-DD) in `tz`, as ISO-8601 with the zone's offset. */
export function midnightIso(date: string, tz: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return isoInZone(instantOf({ year, month, day, hour: 0, minute: 0, second: 0 }, tz), tz)
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/

/**
 * Parses an ISO-8601 date-time. With `defaultZone`, a value without an offset is a wall-clock
 * time there; without it, the offset is required. Impossible dates (02-30, 24:00) are null.
 */
export function parseIsoDateTime(text: string, defaultZone?: string): { ms: number; hadOffset: boolean } | null {
  const m = ISO.exec(text.trim())
  if (!m) return null
  const [, y, mo, d, h, mi, s, frac, zone] = m
  const w: WallClock = { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s ?? 0) }
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 59) return null
  const daysInMonth = new Date(Date.UTC(w.year, w.month, 0)).getUTCDate()
  if (w.day > daysInMonth) return null
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0
  if (!zone) {
    if (!defaultZone) return null
    return { ms: instantOf(w, defaultZone, millis), hadOffset: false }
  }
  let offset = 0
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const oh = Number(digits.slice(0, 2))
    const om = Number(digits.slice(2))
    if (oh > 18 || om > 59) return null
    offset = sign * (oh * 60 + om)
  }
  return { ms: Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, millis) - offset * 60_000, hadOffset: true }
}

export const isIsoDate = (text: string) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  return mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate()
}

/** YYYY-MM-DD `n` calendar days after `date` (negative: before). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}

// ---- day numbers for hot paths ----------------------------------------------------------------

export interface LocalDays {
  readonly timeZone: string
  /** Local calendar day number: days since 1970-01-01 in the zone. */
  dayOf(t: number): number
  /** Epoch ms of the local midnight starting `day`. */
  startOf(day: number): number
  /** YYYY-MM-DD of a local day number. */
  dateOf(day: number): string
  /** The zone's offset from UTC at `t`, in ms. */
  offsetAt(t: number): number
}

/**
 * Day numbers in a zone, fast enough for the engine's hot path: Intl is slow, so offsets are
 * cached per UTC day, and per quarter hour on a day with a transition (every real zone changes
 * offset on a quarter-hour boundary).
 */
export function localDays(timeZone: string): LocalDays {
  const probe = (at: number): number => offsetMinutes(at, timeZone) * 60_000
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
