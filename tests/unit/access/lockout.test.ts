import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LOCK_AFTER, LOCK_BASE_MS, LOCK_MAX_MS, lockDurationMs, retryAfterSeconds, UnknownUserThrottle } from '../../../server/access/lockout.ts'

describe('lock durations', () => {
  it('are 0 before the threshold, 30 s at it, doubling up to 15 min', () => {
    expect([1, 2, 3, 4].map(lockDurationMs)).toEqual([0, 0, 0, 0])
    expect(lockDurationMs(LOCK_AFTER)).toBe(30_000)
    expect(lockDurationMs(LOCK_AFTER + 1)).toBe(60_000)
    expect(lockDurationMs(LOCK_AFTER + 4)).toBe(480_000)
    expect(lockDurationMs(LOCK_AFTER + 5)).toBe(LOCK_MAX_MS)
    expect(lockDurationMs(10_000)).toBe(LOCK_MAX_MS)
  })

  it('never shrink as failures grow, and stay within bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (n) => {
        const d = lockDurationMs(n)
        expect(lockDurationMs(n + 1)).toBeGreaterThanOrEqual(d)
        expect(d === 0 || (d >= LOCK_BASE_MS && d <= LOCK_MAX_MS)).toBe(true)
      }),
    )
  })

  it('round Retry-After up to whole seconds, at least 1', () => {
    const now = new Date(0)
    expect(retryAfterSeconds(new Date(1), now)).toBe(1)
    expect(retryAfterSeconds(new Date(30_000), now)).toBe(30)
    expect(retryAfterSeconds(new Date(30_001), now)).toBe(31)
    expect(retryAfterSeconds(new Date(-5), now)).toBe(1)
  })
})

describe('the throttle for unknown usernames', () => {
  it('locks after the threshold like a real account, and the lock runs out', () => {
    const t = new UnknownUserThrottle()
    const now = new Date(1_000_000)
    for (let i = 1; i < LOCK_AFTER; i++) expect(t.fail('ghost', now)).toBeNull()
    const until = t.fail('ghost', now)
    expect(until?.getTime()).toBe(now.getTime() + LOCK_BASE_MS)
    expect(t.lockedUntil('ghost', now)).toEqual(until)
    expect(t.lockedUntil('ghost', new Date(now.getTime() + LOCK_BASE_MS))).toBeNull()
    expect(t.lockedUntil('other', now)).toBeNull()
  })

  it('stays bounded, forgetting the least recently failed name first', () => {
    const t = new UnknownUserThrottle(3)
    const now = new Date(0)
    for (const name of ['a', 'b', 'c', 'a', 'd']) t.fail(name, now)
    expect(t.size).toBe(3)
    for (let i = 0; i < LOCK_AFTER; i++) t.fail('a', now)
    expect(t.lockedUntil('a', now)).not.toBeNull()
  })
})
