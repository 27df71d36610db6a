import pg from 'pg'
import { tryAdvisoryLock, unlockAll } from './leadership-repository.ts'

export interface LeadershipOptions {
  url: string
  /** The advisory-lock key: one engine per database. */
  lockKey?: number
  retryMs?: number
  onAcquire(client: pg.Client): Promise<void>
  onLose(): Promise<void>
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }
}

export const ENGINE_LOCK_KEY = 0x5348_4157 // "SHAW"

/**
 * Exactly one process runs the live engine: the one holding a PostgreSQL session advisory lock
 * on a dedicated connection. If that process dies, PostgreSQL ends its session and frees the
 * lock, and a standby takes over on its next try (retryMs). The same connection LISTENs for
 * events stored by any process, so the leader hears them all.
 */
export class Leadership {
  #client: pg.Client | null = null
  #leader = false
  #timer: NodeJS.Timeout | null = null
  #stopped = false
  readonly #options: LeadershipOptions

  constructor(options: LeadershipOptions) {
    this.#options = options
  }

  get isLeader(): boolean {
    return this.#leader
  }

  start(): void {
    this.#stopped = false
    void this.#attempt()
  }

  async #attempt(): Promise<void> {
    if (this.#stopped || this.#leader) return
    const key = this.#options.lockKey ?? ENGINE_LOCK_KEY
    let client: pg.Client | null = null
    try {
      client = new pg.Client({ connectionString: this.#options.url })
      client.on('error', () => {})
      await client.connect()
      const locked = await tryAdvisoryLock(client, key)
      if (!locked || this.#stopped) {
        await client.end().catch(() => {})
        return this.#retry()
      }
      this.#client = client
      this.#leader = true
      client.once('end', () => void this.#lost('connection ended'))
      client.once('error', (err) => void this.#lost(err.message))
      this.#options.log?.info({}, 'took the risk-engine leadership')
      await this.#options.onAcquire(client)
    } catch (err) {
      if (client && !this.#leader) await client.end().catch(() => {})
      this.#options.log?.warn({ err }, 'risk-engine leadership attempt failed; retrying')
      this.#retry()
    }
  }

  #retry(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => void this.#attempt(), this.#options.retryMs ?? 2_000)
    this.#timer.unref()
  }

  async #lost(reason: string): Promise<void> {
    if (!this.#leader) return
    this.#leader = false
    this.#client = null
    this.#options.log?.warn({ reason }, 'lost the risk-engine leadership')
    await this.#options.onLose()
    this.#retry()
  }

  /** Releases the lock at once so a standby takes over without waiting for a timeout. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    const client = this.#client
    const wasLeader = this.#leader
    this.#leader = false
    this.#client = null
    if (wasLeader) await this.#options.onLose()
    if (client) {
      await unlockAll(client).catch(() => {})
      await client.end().catch(() => {})
    }
  }
}

export const EVENTS_CHANNEL = 'shaowang_events'
export const ZERO_REPORTS_CHANNEL = 'shaowang_zero_reports'
export const RULES_CHANNEL = 'shaowang_rules'

/** Event ids as compact ranges ("1-500,502") so a big batch fits a NOTIFY payload. */
export function encodeIds(ids: number[]): string {
  const sorted = [...ids].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return parts.join(',')
}

export function decodeIds(payload: string): number[] {
  const ids: number[] = []
  for (const part of payload.split(',')) {
    if (!part) continue
    const [a, b] = part.split('-').map(Number)
    if (!Number.isInteger(a)) continue
    if (b === undefined) ids.push(a!)
    else if (Number.isInteger(b) && b >= a! && b - a! < 1_000_000) for (let i = a!; i <= b; i++) ids.push(i)
  }
  return ids
}
