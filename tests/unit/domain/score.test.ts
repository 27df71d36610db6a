import { describe, expect, it } from 'vitest'
import { decayedPoints, expiryTime, SIGNAL_EPSILON } from '../../../server/domain/decay.ts'
import { capScore, displayScore, nextLevel, rawLevel } from '../../../server/domain/score.ts'

const levels = { yellow: 30, orange: 55, red: 80 }
const H = 3_600_000

describe('decay', () => {
  it('halves at one half-life and quarters at two', () => {
    expect(decayedPoints(20, 0, 72 * H, 72 * H)).toBe(10)
    expect(decayedPoints(20, 0, 144 * H, 72 * H)).toBe(5)
    expect(decayedPoints(20, 0, 36 * H, 72 * H)).toBeCloseTo(20 / Math.SQRT2, 12)
  })
  it('does not decay without a half-life, or before the signal', () => {
    expect(decayedPoints(20, 0, 1e12, null)).toBe(20)
    expect(decayedPoints(20, 1000, 0, H)).toBe(20)
  })
  it('expires when the points reach epsilon, at least one half-life after firing', () => {
    expect(SIGNAL_EPSILON).toBe(0.5)
    // 16 → 0.5 takes log2(32) = 5 half-lives
    expect(expiryTime(16, 0, H)).toBe(5 * H)
    expect(decayedPoints(16, 0, 5 * H, H)).toBe(SIGNAL_EPSILON)
    // alert-only rules (0 points) live one half-life
    expect(expiryTime(0, 1000, H)).toBe(1000 + H)
    expect(expiryTime(10, 0, null)).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('score and levels', () => {
  it('caps at 100 and rounds to one decimal for display', () => {
    expect(capScore(130)).toBe(100)
    expect(displayScore(54.96)).toBe(55)
    expect(displayScore(12.34)).toBe(12.3)
  })
  it('rises as soon as the score reaches a threshold, several levels at once', () => {
    expect(rawLevel(29.999, levels)).toBe('blue')
    expect(nextLevel(30, 'blue', levels, 5)).toBe('yellow')
    expect(nextLevel(80, 'blue', levels, 5)).toBe('red')
    expect(nextLevel(55, 'yellow', levels, 5)).toBe('orange')
  })
  it('keeps a level down to exactly threshold − hysteresis and drops just below it', () => {
    expect(nextLevel(50, 'orange', levels, 5)).toBe('orange')
    expect(nextLevel(49.999, 'orange', levels, 5)).toBe('yellow')
    expect(nextLevel(25, 'yellow', levels, 5)).toBe('yellow')
    expect(nextLevel(24.999, 'yellow', levels, 5)).toBe('blue')
  })
  it('drops several levels at once into the highest band that still holds', () => {
    expect(nextLevel(10, 'red', levels, 5)).toBe('blue')
    expect(nextLevel(40, 'red', levels, 5)).toBe('yellow')
    // 52 is below orange's threshold but inside its hysteresis band, coming from above
    expect(nextLevel(52, 'red', levels, 5)).toBe('orange')
    expect(nextLevel(0, 'blue', levels, 5)).toBe('blue')
  })
})
