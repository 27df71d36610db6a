// Wall-clock time in the centre's time zone (TZ_DISPLAY) ⇄ instants. Ledgers and reportedAt
// values without an offset are local times of the centre.

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

export function wallClock(ms: number, tz: string): WallClock {
  const parts: Record<string, number> = {}
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  return { year: parts['year']!, month: parts['month']!, day: parts['day']!, hour: parts['hour']!, minute: parts['minute']!, second: parts['second']! }
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

/** YYYY-MM-DD of the instant in `tz`. */
export function localDate(ms: number, tz: string): string {
  const w = wallClock(ms, tz)
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`
}

/** ISO-8601 with the zone's offset: 2026-11-20T14:30:00+08:00. */
export function isoInZone(ms: number, tz: string): string {
  const off = offsetMinutes(ms, tz)
  const w = wallClock(ms, tz)
  const pad = (n: number, l = 2) => String(n).padStart(l, '0')
  const sign = off < 0 ? '-' : '+'
  const abs = Math.abs(off)
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
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
