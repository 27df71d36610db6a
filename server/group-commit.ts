/**
 * Group commit. Requests that arrive while a storing transaction is in flight wait, and are then
 * stored together in the next transaction: under many small concurrent requests (single-event
 * POSTs) the database commits — each waiting for its WAL flush and, with NOTIFY, taken one at a
 * time under PostgreSQL's notification-queue lock — once per group instead of once per request.
 *
 * Each request still learns its own outcome only after the commit of its group, and the
 * outcomes are as if the requests had been stored one after another in arrival order (the
 * store function takes the concatenation, in that order). A failing group fails every request
 * in it and stores nothing of them (one transaction); when the failure is not an outage
 * (`isolate`), each request is tried again alone, so one request the database refuses cannot
 * fail its neighbours.
 *
 * The same grouping serves concurrent look-ups that would otherwise each take a pooled
 * connection for one round trip (feed tokens: one query for all requests waiting).
 */
export interface GroupCommitOptions<T, R> {
  /** Stores the items of a group in one transaction; one result per item, in order. */
  store(items: T[]): Promise<R[]>
  /** Groups in flight at once (PGlite: 1, it has one connection). */
  concurrency: number
  /** Items per group at most; a larger request still goes, alone. */
  maxItems: number
  /** True when a failed group should be retried request by request. */
  isolate(err: unknown): boolean
}

interface Waiting<T, R> {
  items: T[]
  resolve(results: R[]): void
  reject(err: unknown): void
}

export class GroupCommit<T, R> {
  readonly #options: GroupCommitOptions<T, R>
  readonly #queue: Array<Waiting<T, R>> = []
  #inFlight = 0

  constructor(options: GroupCommitOptions<T, R>) {
    this.#options = options
  }

  /** Resolves with the items' results once they are committed; rejects when they are not stored. */
  submit(items: T[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.#queue.push({ items, resolve, reject })
      this.#next()
    })
  }

  #next(): void {
    while (this.#inFlight < this.#options.concurrency && this.#queue.length) {
      const group = [this.#queue.shift()!]
      let size = group[0]!.items.length
      while (this.#queue.length && size + this.#queue[0]!.items.length <= this.#options.maxItems) {
        const w = this.#queue.shift()!
        size += w.items.length
        group.push(w)
      }
      this.#inFlight++
      void this.#run(group).finally(() => {
        this.#inFlight--
        this.#next()
      })
    }
  }

  async #run(group: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.#options.store(group.flatMap((w) => w.items))
      let at = 0
      for (const w of group) {
        w.resolve(results.slice(at, at + w.items.length))
        at += w.items.length
      }
    } catch (err) {
      if (group.length === 1 || !this.#options.isolate(err)) {
        for (const w of group) w.reject(err)
        return
      }
      for (const w of group) {
        try {
          w.resolve(await this.#options.store(w.items))
        } catch (alone) {
          w.reject(alone)
        }
      }
    }
  }
}
