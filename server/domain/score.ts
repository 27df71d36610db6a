import { LEVELS, levelRank, type Level } from './taxonomy.ts'
import type { Levels } from './ruleset.ts'

export const SCORE_CAP = 100

export function capScore(raw: number): number {
  return raw > SCORE_CAP ? SCORE_CAP : raw < 0 ? 0 : raw
}

/** One decimal: enough to see movement on the wall, coarse enough not to flood updates. */
export function displayScore(score: number): number {
  return Math.round(score * 10) / 10
}

export function thresholdOf(levels: Levels, level: Level): number {
  return level === 'blue' ? 0 : levels[level]
}

/** The level a score reaches with no history: the highest threshold it meets. */
export function rawLevel(score: number, levels: Levels): Level {
  if (score >= levels.red) return 'red'
  if (score >= levels.orange) return 'orange'
  if (score >= levels.yellow) return 'yellow'
  return 'blue'
}

/**
 * Level with hysteresis, so a score hovering at a threshold does not flap the wall:
 *   - rising: as soon as score ≥ a level's threshold, that level (immediately, several at once);
 *   - holding: the current level L is kept while score ≥ threshold(L) − hysteresis;
 *   - dropping: once score < threshold(L) − hysteresis, the new level is the highest level M
 *     below L with score ≥ threshold(M) − hysteresis (the band under each threshold holds a
 *     level we fall into from above), or blue when there is none.
 * Exactly at threshold(L) − hysteresis the level is kept.
 */
export function nextLevel(score: number, current: Level, levels: Levels, hysteresis: number): Level {
  const raw = rawLevel(score, levels)
  if (levelRank(raw) >= levelRank(current)) return raw
  for (let r = levelRank(current); r > 0; r--) {
    const l = LEVELS[r] as Level
    if (score >= thresholdOf(levels, l) - hysteresis) return l
  }
  return 'blue'
}

/** The score below which `current` is left (−Infinity for blue, which is never left downward). */
export function dropBelow(current: Level, levels: Levels, hysteresis: number): number {
  return current === 'blue' ? Number.NEGATIVE_INFINITY : thresholdOf(levels, current) - hysteresis
}
