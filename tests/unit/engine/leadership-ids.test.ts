import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeIds, encodeIds } from '../../../server/engine/leadership.ts'

describe('event ids in a NOTIFY payload', () => {
  it('collapses runs into ranges', () => {
    expect(encodeIds([5, 1, 2, 3, 7, 8])).toBe('1-3,5,7-8')
    expect(encodeIds([])).toBe('')
  })

  it('round-trips any set of ids, and a batch of 5,000 stays far below the 8,000-byte limit', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 300 }), (ids) => {
        expect(decodeIds(encodeIds(ids))).toEqual([...ids].sort((a, b) => a - b))
      }),
    )
    const batch = Array.from({ length: 5_000 }, (_, i) => 9_000_000 + i)
    expect(encodeIds(batch).length).toBeLessThan(100)
  })

  it('ignores garbage instead of throwing', () => {
    expect(decodeIds('x,3-1,4,,9-')).toEqual([4])
  })
})
