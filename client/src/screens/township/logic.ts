// Pure helpers of the township page.
import { DEFAULT_LEVELS, type LevelThresholds } from '#contract/taxonomy.ts'
import { parseLevels } from '../../lib/levels.ts'

export interface HistoryPoint {
  /** ISO date or date-time. */
  at: string
  score: number
}

type RawPoint = { date?: unknown; day?: unknown; at?: unknown; t?: unknown; score?: unknown }

/**
 * The score history as `GET /api/v1/townships/:code/history` may send it: an array of points,
 * or an object holding one (`items`, `points`, `days`, `history`, `daily`); each point with a
 * `date`/`day`/`at` and a `score`. Anything unusable is dropped; the result is in time order.
 */
export function normalizeHistory(body: unknown): HistoryPoint[] {
  let raw: unknown = body
  if (raw && !Array.isArray(raw) && typeof raw === 'object') {
    const o = raw as Record<string, unknown>
    raw = o['items'] ?? o['points'] ?? o['days'] ?? o['history'] ?? o['daily'] ?? []
  }
  if (!Array.isArray(raw)) return []
  const out: HistoryPoint[] = []
  for (const p of raw as RawPoint[]) {
    if (!p || typeof p !== 'object') continue
    const at = [p.date, p.day, p.at, p.t].find((v) => typeof v === 'string' && !Number.isNaN(Date.parse(v))) as string | undefined
    const score = typeof p.score === 'number' ? p.score : typeof p.score === 'string' && p.score.trim() ? Number(p.score) : Number.NaN
    if (at && Number.isFinite(score)) out.push({ at, score })
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
}

export type { LevelThresholds }
/** The defaults until the live rule set is known: the contract's. */
export const DEFAULT_THRESHOLDS: Readonly<LevelThresholds> = DEFAULT_LEVELS

/** The live rule set's `levels` (the body itself, or under `ruleset` or `document`), or the defaults. */
export function thresholdsOf(ruleset: unknown): LevelThresholds {
  const body = ruleset as { ruleset?: unknown; document?: unknown } | null
  return parseLevels(body) ?? parseLevels(body?.ruleset) ?? parseLevels(body?.document) ?? DEFAULT_THRESHOLDS
}
