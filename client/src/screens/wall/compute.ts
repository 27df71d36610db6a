// Pure helpers of the wall: KPI maths, bounded lists, visualMap pieces, data age, escaping and
// day/hour bucketing in the centre's time zone. No Vue, no DOM, no clock: everything is given.
import { LEVELS, type Level } from '../../../../server/domain/taxonomy.ts'
import { type Alert, OPEN_ALERT_STATES, type RuleLevels, SATISFACTIONS, type Satisfaction } from '../../lib/live-types.ts'

export const DEFAULT_LEVELS: RuleLevels = { yellow: 30, orange: 55, red: 80 }

/** Level colours on the dark wall (blue is calm, not "good": a silent township is marked apart). */
export const LEVEL_COLOURS: Record<Level, string> = {
  blue: '#2d7be0',
  yellow: '#f5c842',
  orange: '#ff8c2e',
  red: '#f0353d',
}

export const SOURCE_COLOURS = { dispute: '#4fc3f7', petition: '#ba8cff', incident: '#ff7a7a' } as const

export type WallLocale = 'zh-CN' | 'en'

/** The `levels` of a rule-set document, when present and sane (ascending, within 0–100). */
export function parseLevels(document: unknown): RuleLevels | null {
  const levels = (document as { levels?: unknown } | null)?.levels as Partial<Record<keyof RuleLevels, unknown>> | undefined
  if (!levels || typeof levels !== 'object') return null
  const { yellow, orange, red } = levels
  if (typeof yellow !== 'number' || typeof orange !== 'number' || typeof red !== 'number') return null
  if (!(yellow > 0 && yellow < orange && orange < red && red <= 100)) return null
  return { yellow, orange, red }
}

/** The level a score falls in by the thresholds alone (no hysteresis). */
export function levelForScore(score: number, levels: RuleLevels): Level {
  if (score >= levels.red) return 'red'
  if (score >= levels.orange) return 'orange'
  if (score >= levels.yellow) return 'yellow'
  return 'blue'
}

/** ECharts piecewise piece: `gte` ≤ score < `lt` (explicit bounds: a threshold belongs to the higher level). */
export interface VisualPiece {
  gte?: number
  lt?: number
  level: Level
  label: string
  color: string
}

/** Piecewise visualMap pieces on the score, one per level, with thresholds from the live rule set. */
export function visualMapPieces(levels: RuleLevels, labels: Record<Level, string>, colours: Record<Level, string> = LEVEL_COLOURS): VisualPiece[] {
  return [
    { gte: levels.red, level: 'red', label: `${labels.red} ≥ ${levels.red}`, color: colours.red },
    { gte: levels.orange, lt: levels.red, level: 'orange', label: `${labels.orange} ${levels.orange}–${levels.red}`, color: colours.orange },
    { gte: levels.yellow, lt: levels.orange, level: 'yellow', label: `${labels.yellow} ${levels.yellow}–${levels.orange}`, color: colours.yellow },
    { lt: levels.yellow, level: 'blue', label: `${labels.blue} < ${levels.yellow}`, color: colours.blue },
  ]
}

/**
 * The value the map's visualMap colours by. A township's level has hysteresis (DESIGN §5: it
 * drops only when the score is well below the threshold), so its score can sit in a lower band
 * than its level. The map must show the level, so the value is the score clamped into the
 * level's band; labels and tooltips still show the real score.
 */
export function colourValue(score: number, level: Level, levels: RuleLevels): number {
  const floor = { blue: 0, yellow: levels.yellow, orange: levels.orange, red: levels.red }[level]
  const ceiling = { blue: levels.yellow, yellow: levels.orange, orange: levels.red, red: Number.POSITIVE_INFINITY }[level]
  if (score < floor) return floor
  if (score >= ceiling) return ceiling - 0.01
  return score
}

/** num / den, or null when it cannot be computed (no denominator). */
export function ratio(num: number, den: number): number | null {
  if (!Number.isFinite(num) || !Number.isFinite(den) || den <= 0) return null
  return num / den
}

/** A ratio as a percentage with one decimal, or "—" when unknown. */
export function formatPercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—'
  const pct = Math.round(value * 1000) / 10
  return `${pct % 1 === 0 ? pct.toFixed(0) : pct.toFixed(1)}%`
}

export interface AlertKpis {
  openByLevel: Record<Level, number>
  openTotal: number
  /** 办结率: resolved or closed / all alerts held. */
  resolvedRatio: number | null
  /** 按期办结率: resolved by the deadline / resolved with a deadline and a resolution time. */
  onTimeRatio: number | null
  /** 满意度: (满意 + 基本满意) / follow-up visits with a recorded satisfaction. */
  satisfaction: number | null
}

const SATISFIED: ReadonlySet<string> = new Set<Satisfaction>(['satisfied', 'basically_satisfied'])
const SATISFACTION_VALUES: ReadonlySet<string> = new Set(SATISFACTIONS)

export function isOpen(alert: Pick<Alert, 'state'>): boolean {
  return OPEN_ALERT_STATES.includes(alert.state)
}

export function alertKpis(alerts: Iterable<Alert>): AlertKpis {
  const openByLevel: Record<Level, number> = { blue: 0, yellow: 0, orange: 0, red: 0 }
  let total = 0
  let done = 0
  let timed = 0
  let onTime = 0
  let visited = 0
  let satisfied = 0
  for (const alert of alerts) {
    total++
    if (isOpen(alert)) {
      if (alert.level in openByLevel) openByLevel[alert.level]++
      continue
    }
    done++
    const resolvedAt = alert.resolvedAt ? Date.parse(alert.resolvedAt) : Number.NaN
    const deadline = alert.deadline ? Date.parse(alert.deadline) : Number.NaN
    if (Number.isFinite(resolvedAt) && Number.isFinite(deadline)) {
      timed++
      if (resolvedAt <= deadline) onTime++
    }
    if (alert.state === 'closed' && typeof alert.satisfaction === 'string' && SATISFACTION_VALUES.has(alert.satisfaction)) {
      visited++
      if (SATISFIED.has(alert.satisfaction)) satisfied++
    }
  }
  const openTotal = LEVELS.reduce((n, l) => n + openByLevel[l], 0)
  return { openByLevel, openTotal, resolvedRatio: ratio(done, total), onTimeRatio: ratio(onTime, timed), satisfaction: ratio(satisfied, visited) }
}

/**
 * Puts `items` at the front of `list` (newest first), drops any older entry with the same key,
 * and keeps at most `max` entries. Returns a new array; `list` is not changed.
 */
export function boundedPrepend<T>(list: readonly T[], items: readonly T[], max: number, key: (item: T) => unknown = (x) => x): T[] {
  const fresh = new Set(items.map(key))
  const out = [...items]
  for (const item of list) {
    if (out.length >= max) break
    if (!fresh.has(key(item))) out.push(item)
  }
  return out.slice(0, max)
}

/** Inserts `item` into a list sorted newest first by `time`, replacing an entry with the same key; bounded. */
export function boundedInsertSorted<T>(list: readonly T[], item: T, max: number, key: (item: T) => unknown, time: (item: T) => number): T[] {
  const k = key(item)
  const t = time(item)
  const out: T[] = []
  let placed = false
  for (const existing of list) {
    if (key(existing) === k) continue
    if (!placed && t >= time(existing)) {
      out.push(item)
      placed = true
    }
    out.push(existing)
  }
  if (!placed) out.push(item)
  return out.slice(0, max)
}

/** One page of a list (the page number wrapped into range), and how many pages there are. */
export function pageOf<T>(list: readonly T[], page: number, size: number): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(list.length / Math.max(1, size)))
  const p = ((Math.floor(page) % pages) + pages) % pages
  return { items: list.slice(p * size, p * size + size), page: p, pages }
}

/** "刚刚" / "3 分钟前" / "3 min ago": the age of the data, coarse enough to read from a distance. */
export function dataAgeText(ageMs: number, locale: WallLocale): string {
  const s = Math.max(0, Math.floor(ageMs / 1000))
  const zh = locale === 'zh-CN'
  if (s < 10) return zh ? '刚刚' : 'just now'
  if (s < 60) return zh ? `${s} 秒前` : `${s} s ago`
  const m = Math.floor(s / 60)
  if (m < 60) return zh ? `${m} 分钟前` : `${m} min ago`
  const h = Math.floor(m / 60)
  if (h < 48) return zh ? `${h} 小时前` : `${h} h ago`
  const d = Math.floor(h / 24)
  return zh ? `${d} 天前` : `${d} days ago`
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

/** Escapes text for an HTML string (ECharts tooltips): data never becomes markup. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c)
}

// ---- days and hours in the centre's time zone -------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    formatters.set(timeZone, f)
  }
  return f
}

interface ZonedParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function zoned(ms: number, timeZone: string): ZonedParts {
  const parts: Record<string, number> = {}
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value)
  }
  return { year: parts['year'] ?? 1970, month: parts['month'] ?? 1, day: parts['day'] ?? 1, hour: (parts['hour'] ?? 0) % 24, minute: parts['minute'] ?? 0, second: parts['second'] ?? 0 }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The local calendar date, YYYY-MM-DD. */
export function dayKey(ms: number, timeZone: string): string {
  const p = zoned(ms, timeZone)
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`
}

/** The local hour, 0–23. */
export function hourOf(ms: number, timeZone: string): number {
  return zoned(ms, timeZone).hour
}

/** Epoch ms of the local midnight that starts the day containing `ms`. */
export function startOfDay(ms: number, timeZone: string): number {
  const offsetAt = (t: number) => {
    const p = zoned(t, timeZone)
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000
  }
  const p = zoned(ms, timeZone)
  const guess = Date.UTC(p.year, p.month - 1, p.day) - offsetAt(ms)
  return Date.UTC(p.year, p.month - 1, p.day) - offsetAt(guess)
}

/** The keys of the `n` days ending with today, oldest first. */
export function lastDays(nowMs: number, timeZone: string, n: number): string[] {
  const noon = startOfDay(nowMs, timeZone) + 12 * 3_600_000
  const keys: string[] = []
  for (let i = n - 1; i >= 0; i--) keys.push(dayKey(noon - i * 86_400_000, timeZone))
  return keys
}

/** "MM-DD" of a day key, for axis labels. */
export function shortDay(key: string): string {
  return key.slice(5)
}

/** "HH:mm" in the centre's time zone. */
export function clockTime(ms: number, timeZone: string): string {
  const p = zoned(ms, timeZone)
  return `${pad(p.hour)}:${pad(p.minute)}`
}
