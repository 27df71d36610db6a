// The Socket.IO PostgreSQL adapter's own pool, with a close that never waits on the adapter.
//
// The adapter checks out one client for LISTEN as soon as it is created and keeps it until its
// close() — but its close() only gives back a client whose LISTEN has finished. An app closed
// within milliseconds of starting (a test, a failed boot) closes the adapter while the client is
// still connecting or its LISTEN is in flight; the adapter then keeps that client for ever and
// pool.end() never returns. Here the pool itself knows which clients the adapter holds, ends
// them at close, and stops the adapter's reconnection loop by never answering it again.
import { setTimeout as delay } from 'node:timers/promises'
import pg from 'pg'

/** A promise that never settles: what the adapter's reconnection attempts get once the pool is closed. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => {})
}

export class AdapterPool extends pg.Pool {
  #closed = false
  /** Clients handed out by connect() and not given back yet: the adapter's LISTEN client. */
  readonly #held = new Set<pg.PoolClient>()

  constructor(config: pg.PoolConfig) {
    super(config)
    this.on('release', (_err: Error | undefined, client: pg.PoolClient) => this.#held.delete(client))
  }

  override connect(): Promise<pg.PoolClient>
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    // pool.query() checks out through the callback form: those clients are returned by pg itself.
    if (callback) return super.connect(callback)
    if (this.#closed) return never()
    return super.connect().then((client) => {
      if (this.#closed) {
        client.release(true)
        return never<pg.PoolClient>()
      }
      this.#held.add(client)
      return client
    })
  }

  /**
   * Ends every connection within `timeoutMs`. Call it after the adapter's own close(): a client
   * still held then is one whose LISTEN had not finished, and it is ended, not waited for.
   * Resolves false when the pool had not ended in time (its connections are ended regardless).
   */
  async close(timeoutMs: number): Promise<boolean> {
    this.#closed = true
    for (const client of this.#held) client.release(new Error('realtime closing: LISTEN not finished'))
    this.#held.clear()
    const ended = this.end().then(
      () => true,
      () => true,
    )
    return Promise.race([ended, delay(timeoutMs, false, { ref: false })])
  }
}
