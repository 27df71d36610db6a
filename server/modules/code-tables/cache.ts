import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../../../db/connect.ts'
import { CodeBook } from '../../domain/code-tables.ts'
import { codeTableStamp, type CodeEntryRow, listCodeEntries } from './repository.ts'

/**
 * The code table in memory (docs/architecture.md §4, "Code tables"): ingest, imports and the API
 * read it without a query per event. The process that writes the table reloads it at once, after
 * its commit; other processes on the same PostgreSQL notice within `pollMs` (a one-row stamp
 * query — count and latest change — and a reload only when it moved). PGlite is one process.
 */
export class CodeTableCache {
  readonly #db: Db
  readonly #log: FastifyBaseLogger | undefined
  #book = new CodeBook([])
  #rows: CodeEntryRow[] = []
  #stamp = ''
  #timer: NodeJS.Timeout | null = null
  #polling = false

  constructor(db: Db, log?: FastifyBaseLogger) {
    this.#db = db
    this.#log = log
  }

  get book(): CodeBook {
    return this.#book
  }

  get rows(): readonly CodeEntryRow[] {
    return this.#rows
  }

  async reload(): Promise<void> {
    const [stamp, rows] = [await codeTableStamp(this.#db), await listCodeEntries(this.#db)]
    this.#rows = rows
    this.#book = new CodeBook(rows)
    this.#stamp = stamp
  }

  /** Reloads when another process changed the table since the last load. */
  async refreshIfChanged(): Promise<boolean> {
    if ((await codeTableStamp(this.#db)) === this.#stamp) return false
    await this.reload()
    return true
  }

  start(pollMs: number): void {
    if (pollMs <= 0 || this.#timer) return
    this.#timer = setInterval(() => {
      if (this.#polling) return
      this.#polling = true
      this.refreshIfChanged()
        .catch((err: unknown) => this.#log?.warn({ err }, 'code tables: reload failed; keeping the last table'))
        .finally(() => {
          this.#polling = false
        })
    }, pollMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }
}
