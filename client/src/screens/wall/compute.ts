// Pure helpers of the wall: visualMap pieces, paging, data age, escaping. KPI maths, bounded
// lists and zoned time are shared (lib/ and the contract) and re-exported here for the wall's
// components. No Vue, no DOM, no clock: everything is given.
import { type Level, type LevelThresholds as RuleLevels } from '#contract/taxonomy.ts'
import { clockTime, localDate } from '#contract/zoned-time.ts'

export { DEFAULT_LEVELS } from '#contract/taxonomy.ts'
export { clockTime, hourOf, lastDays, localDate as dayKey, startOfDay } from '#contract/zoned-time.ts'
export { type AlertKpis, alertKpis, ratio } from '../../lib/alert-kpis.ts'
export { boundedInsertSorted, boundedPrepend } from '../../lib/bounded.ts'
export { levelForScore, parseLevels } from '../../lib/levels.ts'

/** Level colours on the dark wall (blue is calm, not "good": a silent township is marked apart). */
export const LEVEL_COLOURS: Record<Level, string> = {
  blue: '#2d7be0',
  yellow: '#f5c842',
  orange: '#ff8c2e',
  red: '#f0353d',
}

export const SOURCE_COLOURS = { dispute: '#4fc3f7', petition: '#ba8cff', incident: '#ff7a7a' } as const

export type WallLocale = 'zh-CN' | 'en'

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
 * The value the map's visualMap colours by. A township's level has hysteresis (docs/architecture.md §5: it
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

/** A ratio as a percentage with one decimal, or "—" when unknown. */
export function formatPercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—'
  const pct = Math.round(value * 1000) / 10
  return `${pct % 1 === 0 ? pct.toFixed(0) : pct.toFixed(1)}%`
}

/** One page of a list (the page number wrapped into range), and how many pages there are. */
export function pageOf<T>(list: readonly T[], page: number, size: number): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(list.length / Math.max(1, size)))
  const p = ((Math.floor(page) % pages) + pages) % pages
  return { items: list.slice(p * size, p * size + size), page: p, pages }
}

/**
 * The ticker's page: items that must stay in view (an unsigned red) on every page, the rest paged
 * through the slots left. Pinned items beyond a page are cut: a wall of reds is already the message.
 */
export function tickerPage<T>(list: readonly T[], pinned: (item: T) => boolean, page: number, size: number): { items: T[]; pinned: number; page: number; pages: number } {
  const keep = list.filter(pinned).slice(0, Math.max(1, size))
  const rest = list.filter((item) => !keep.includes(item))
  const slots = size - keep.length
  if (slots <= 0 || rest.length === 0) return { items: keep, pinned: keep.length, page: 0, pages: 1 }
  const paged = pageOf(rest, page, slots)
  return { items: [...keep, ...paged.items], pinned: keep.length, page: paged.page, pages: paged.pages }
}

/** "14:30" today, "11-28 14:30" on an earlier (or later) day, both in the centre zone `tz`. */
export function tickerTime(ms: number, now: number, tz: string): string {
  const day = localDate(ms, tz)
  return day === localDate(now, tz) ? clockTime(ms, tz) : `${day.slice(5)} ${clockTime(ms, tz)}`
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

/** "MM-DD" of a day key, for axis labels. */
export function shortDay(key: string): string {
  return key.slice(5)
}

