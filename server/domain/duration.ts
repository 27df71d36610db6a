// Rule documents state windows and half-lives as short human strings ("72h", "7d"); the engine
// works in epoch milliseconds. Compound forms ("1d12h") are accepted because analysts write them.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string }

export function tryParseDuration(text: string): DurationResult {
  if (typeof text !== 'string' || text.trim() === '') {
    return { ok: false, message: 'duration is empty; write e.g. "30m", "24h", "7d"' }
  }
  const s = text.trim()
  let ms = 0
  PART.lastIndex = 0
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex
    const m = PART.exec(s)
    if (!m) {
      return {
        ok: false,
        message: `invalid duration "${text}" at character ${at + 1}: expected a number followed by ms, s, m, h, d or w (e.g. "72h")`,
      }
    }
    ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number)
  }
  if (!(ms > 0)) return { ok: false, message: `duration "${text}" must be greater than zero` }
  if (!Number.isSafeInteger(Math.round(ms))) return { ok: false, message: `duration "${text}" is too large` }
  return { ok: true, ms: Math.round(ms) }
}

export class DurationError extends Error {
  override name = 'DurationError'
}

export function parseDuration(text: string): number {
  const r = tryParseDuration(text)
  if (!r.ok) throw new DurationError(r.message)
  return r.ms
}

/** The shortest exact spelling, for display and for documents generated in code. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}
