import { api } from '../../lib/api.ts'

/** One contributing signal of a score, read tolerantly (GET /api/v1/townships/:code → explanation.signals). */
interface ScoreSignal {
  ruleId?: string
  ruleName?: string
  name?: string
  points?: number
  pointsNow?: number
}

export interface TopSignal {
  name: string
  points: number
}

/**
 * The strongest signals of a township's explanation (GET /api/v1/townships/:code →
 * `explanation.signals`, docs/architecture.md §5). Tolerant: no explanation or odd entries give an empty list.
 */
export function topSignals(detail: unknown, ruleNames: Record<string, string>, n = 3): TopSignal[] {
  const signals = (detail as { explanation?: { signals?: unknown } } | null)?.explanation?.signals
  if (!Array.isArray(signals)) return []
  return (signals as ScoreSignal[])
    .map((s) => {
      const points = typeof s.pointsNow === 'number' ? s.pointsNow : typeof s.points === 'number' ? s.points : 0
      const id = typeof s.ruleId === 'string' ? s.ruleId : ''
      const name = (typeof s.ruleName === 'string' && s.ruleName) || (typeof s.name === 'string' && s.name) || ruleNames[id] || id || '?'
      return { name, points: Math.round(points * 10) / 10 }
    })
    .filter((s) => s.points > 0)
    .sort((a, b) => b.points - a.points)
    .slice(0, n)
}

const TTL_MS = 60_000
const MAX_ENTRIES = 200
const cache = new Map<string, { at: number; detail: unknown }>()

/** The township's detail, cached a minute (hovering must not hammer the server). Null on failure. */
export async function townshipDetail(code: string, now = Date.now()): Promise<unknown> {
  const hit = cache.get(code)
  if (hit && now - hit.at < TTL_MS) return hit.detail
  const detail = await api<unknown>(`/api/v1/townships/${encodeURIComponent(code)}`).catch(() => null)
  cache.delete(code)
  cache.set(code, { at: now, detail })
  while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string)
  return detail
}

/** The cached detail if fresh, without fetching. */
export function cachedDetail(code: string, now = Date.now()): unknown {
  const hit = cache.get(code)
  return hit && now - hit.at < TTL_MS ? hit.detail : undefined
}
