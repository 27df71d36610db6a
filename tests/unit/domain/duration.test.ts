import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration, tryParseDuration } from '../../../server/domain/duration.ts'

describe('durations', () => {
  it('parses the units rules use', () => {
    expect(parseDuration('30m')).toBe(30 * 60_000)
    expect(parseDuration('24h')).toBe(86_400_000)
    expect(parseDuration('72h')).toBe(3 * 86_400_000)
    expect(parseDuration('7d')).toBe(7 * 86_400_000)
    expect(parseDuration('1w')).toBe(7 * 86_400_000)
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000)
    expect(parseDuration('1.5h')).toBe(90 * 60_000)
  })
  it('rejects malformed and zero durations with a reason', () => {
    for (const bad of ['', '72', 'h', '7 days', '-1h', '3y', '0h']) {
      const r = tryParseDuration(bad)
      expect(r.ok, bad).toBe(false)
    }
    expect(() => parseDuration('7x')).toThrow(/expected a number followed by/)
    const r = tryParseDuration('1d2q')
    expect(r.ok === false && r.message).toContain('character 3')
  })
  it('formats back to the shortest exact spelling', () => {
    expect(formatDuration(86_400_000)).toBe('1d')
    expect(formatDuration(36 * 3_600_000)).toBe('36h')
    expect(formatDuration(1500)).toBe('1500ms')
  })
})
