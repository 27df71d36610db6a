// Bounded lists: nothing a long-running screen holds grows without limit. Pure.

/**
 * Puts `items` at the front of `list` (newest first), drops any older entry with the same key,
 * and keeps at most `max` entries. Returns a new array; `list` is not changed.
 */
export function boundedPrepend<T>(list: readonly T[], items: readonly T[], max: number, key: (item: T) => unknown = (x) => x): T[] {
  const fresh = new Set(items.map(key))
  const out = [...items]
  for (const item of list) {
    if (out.length >= max) break
    if (!fresh.has(key(item))) out.push(item)
  }
  return out.slice(0, max)
}

/** Inserts `item` into a list sorted newest first by `time`, replacing an entry with the same key; bounded. */
export function boundedInsertSorted<T>(list: readonly T[], item: T, max: number, key: (item: T) => unknown, time: (item: T) => number): T[] {
  const k = key(item)
  const t = time(item)
  const out: T[] = []
  let placed = false
  for (const existing of list) {
    if (key(existing) === k) continue
    if (!placed && t >= time(existing)) {
      out.push(item)
      placed = true
    }
    out.push(existing)
  }
  if (!placed) out.push(item)
  return out.slice(0, max)
}

