// Level thresholds of the live rule set, and the level a score falls in. Pure.
import type { Level, LevelThresholds as RuleLevels } from '#contract/taxonomy.ts'

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

