import { instantOf, isoInZone, parseIsoDateTime, type WallClock } from '../events/time.ts'

// Times as ledgers write them (docs/architecture.md §4, "ledgers"). Every form without an offset is a
// wall-clock time of the centre (TZ_DISPLAY), never UTC and never the server's zone. Pure: no I/O.

/** Excel's day 0 in the 1900 date system is 1899-12-30 (Lotus's leap-year bug included); 1904 system: 1904-01-01. */
const EXCEL_EPOCH_1900 = Date.UTC(1899, 11, 30)
const EXCEL_EPOCH_1904 = Date.UTC(1904, 0, 1)
/** Serials this system can mean: 2000-01-01 … 2099-12-31 (a smaller number is a count, not a date). */
const SERIAL_MIN = 36_526
const SERIAL_MAX = 73_415

export type LedgerCell = string | number | boolean | Date | null

function valid(w: WallClock): boolean {
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 59) return false
  return w.day <= new Date(Date.UTC(w.year, w.month, 0)).getUTCDate()
}

/** An Excel serial (days since the epoch, the fraction the time of day) as the wall clock it shows. */
export function serialToWallClock(serial: number, date1904 = false): WallClock | null {
  if (!Number.isFinite(serial) || serial < (date1904 ? SERIAL_MIN - 1462 : SERIAL_MIN) || serial > SERIAL_MAX) return null
  // Round to the second: a serial's fraction is rarely exact (14:30 is 0.6041666…).
  const ms = Math.round(serial * 86_400) * 1000 + (date1904 ? EXCEL_EPOCH_1904 : EXCEL_EPOCH_1900)
  const d = new Date(ms)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() }
}

// 2026-11-03, 2026/11/3, 2026.11.3, 2026年11月3日, 20261103; then optionally a time:
// 14:30, 14:30:00, 14时30分, 14时30分00秒, 14点30分, 14点, 14时.
const DATE = /^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})日?|年(\d{1,2})月(\d{1,2})[日号]?|(\d{2})(\d{2}))/
const TIME = /^(\d{1,2})(?:(?::(\d{1,2})(?::(\d{1,2}))?)|(?:[时点](?:(\d{1,2})分(?:(\d{1,2})秒)?)?))$/

/** A ledger's date or date-time text as a wall clock; null when it is none of the forms above. */
export function textToWallClock(text: string): WallClock | null {
  const t = text.trim().replace(/\s+/g, ' ')
  const m = DATE.exec(t)
  if (!m) return null
  const year = Number(m[1])
  const month = Number(m[2] ?? m[4] ?? m[6])
  const day = Number(m[3] ?? m[5] ?? m[7])
  const rest = t.slice(m[0].length).replace(/^[T ]/, '').trim()
  let hour = 0
  let minute = 0
  let second = 0
  if (rest) {
    const tm = TIME.exec(rest)
    if (!tm) return null
    hour = Number(tm[1])
    minute = Number(tm[2] ?? tm[4] ?? 0)
    second = Number(tm[3] ?? tm[5] ?? 0)
  }
  const w = { year, month, day, hour, minute, second }
  return valid(w) ? w : null
}

/**
 * A ledger cell as an ISO-8601 time with the zone's offset, or null. A date cell (the XLSX reader gives the
 * wall clock it shows as if it were UTC), a number (an Excel serial in a General cell, or 20261103),
 * ISO-8601 text with an offset (kept as that instant), or the text forms above.
 */
export function ledgerTime(cell: LedgerCell, tz: string, date1904 = false): string | null {
  let w: WallClock | null = null
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return null
    w = { year: cell.getUTCFullYear(), month: cell.getUTCMonth() + 1, day: cell.getUTCDate(), hour: cell.getUTCHours(), minute: cell.getUTCMinutes(), second: cell.getUTCSeconds() }
  } else if (typeof cell === 'number') {
    w = Number.isInteger(cell) && cell >= 19_000_101 && cell <= 20_991_231 ? textToWallClock(String(cell)) : serialToWallClock(cell, date1904)
  } else if (typeof cell === 'string') {
    const text = cell.trim()
    const iso = parseIsoDateTime(text)
    if (iso) return isoInZone(iso.ms, tz)
    // A serial kept as text (a CSV saved from a General column).
    if (/^\d{5}(\.\d+)?$/.test(text)) w = serialToWallClock(Number(text), date1904)
    else w = textToWallClock(text)
  }
  return w ? isoInZone(instantOf(w, tz), tz) : null
}
