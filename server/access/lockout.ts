/**
 * Per-username back-off against password guessing (the per-IP rate limit cannot stop a slow,
 * distributed guesser): after LOCK_AFTER consecutive failures an account is locked for 30 s,
 * doubling with every further failure up to 15 min. A locked account is refused even with the
 * right password; a successful sign-in resets the count.
 */
export const LOCK_AFTER = 5
export const LOCK_BASE_MS = 30_000
export const LOCK_MAX_MS = 15 * 60_000

/** How long to lock after the `failures`-th consecutive failure (0: not yet). */
export function lockDurationMs(failures: number): number {
  if (failures < LOCK_AFTER) return 0
  return Math.min(LOCK_BASE_MS * 2 ** Math.min(failures - LOCK_AFTER, 20), LOCK_MAX_MS)
}

/** Whole seconds until `until`, at least 1 (for Retry-After). */
export function retryAfterSeconds(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000))
}

/**
 * The same back-off for usernames that do not exist, kept in memory (bounded), so that a lock
 * does not reveal which usernames are real. Known users keep their count in the database.
 */
export class UnknownUserThrottle {
  readonly #entries = new Map<string, { failures: number; lockedUntil: number }>()
  readonly #maxEntries: number

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries
  }

  lockedUntil(username: string, now: Date): Date | null {
    const entry = this.#entries.get(username)
    return entry && entry.lockedUntil > now.getTime() ? new Date(entry.lockedUntil) : null
  }

  /** Counts a failure; returns the lock it caused, if any. */
  fail(username: string, now: Date): Date | null {
    const entry = this.#entries.get(username) ?? { failures: 0, lockedUntil: 0 }
    this.#entries.delete(username)
    entry.failures += 1
    const lockMs = lockDurationMs(entry.failures)
    if (lockMs) entry.lockedUntil = now.getTime() + lockMs
    this.#entries.set(username, entry)
    // Maps iterate in insertion order: the first key is the one least recently failed.
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
    return lockMs ? new Date(entry.lockedUntil) : null
  }

  get size(): number {
    return this.#entries.size
  }
}

/**
 * Runs sign-in attempts for one username one after another (in arrival order), so that parallel
 * guesses each see the failures counted before them and cannot outrun the lock. Other usernames
 * are not held up. In one process; several processes each keep their own queue.
 */
export class PerAccountQueue {
  readonly #tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    const result = previous.then(task, task)
    const tail = result.catch(() => {})
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }

  get size(): number {
    return this.#tails.size
  }
}
