// Whether the database answers, watched continuously (docs/architecture.md §7: a wall never shows stale data
// silently). A connected socket otherwise stays "online" through a database outage while nothing
// new can be stored or scored, and the wall would show yesterday's calm as if it were live. The
// watch is a cheap `select 1` on an interval; a change is announced on the bus (the realtime hub
// tells every connected client), counted in /metrics, and cleared by itself when the database
// answers again — no restart.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { pingDatabase } from '../modules/health/repository.ts'

export interface DatabaseStatus {
  database: 'ok' | 'down'
  /** When the current state began (ISO-8601). */
  since: string
}

export interface DatabaseStatusOptions {
  /** Milliseconds between probes (default 2 s); 0: never probe. PGlite is in-process and is never probed. */
  probeMs?: number
  /** A probe slower than this counts as down (default 2 s). */
  probeTimeoutMs?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The database as last seen by the probe. */
    databaseStatus(): DatabaseStatus
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
      timer.unref()
    }),
  ]).finally(() => clearTimeout(timer))
}

export default fp<DatabaseStatusOptions>(
  async function databaseStatus(app: FastifyInstance, options: DatabaseStatusOptions) {
    const probeMs = options.probeMs ?? 2_000
    const probeTimeoutMs = options.probeTimeoutMs ?? 2_000
    let status: DatabaseStatus = { database: 'ok', since: app.now().toISOString() }
    app.decorate('databaseStatus', () => status)
    new Gauge({
      name: 'shaowang_database_up',
      help: '1 when the last database probe succeeded, else 0',
      registers: [app.metrics],
      collect() {
        this.set(status.database === 'ok' ? 1 : 0)
      },
    })

    if (app.databaseKind === 'pglite' || probeMs <= 0) return
    let timer: NodeJS.Timeout | null = null
    let probing = false
    async function probe(): Promise<void> {
      if (probing) return
      probing = true
      let next: DatabaseStatus['database']
      try {
        await withTimeout(pingDatabase(app.db), probeTimeoutMs, 'database probe')
        next = 'ok'
      } catch {
        next = 'down'
      } finally {
        probing = false
      }
      if (next === status.database) return
      status = { database: next, since: app.now().toISOString() }
      if (next === 'down') app.log.error({ status }, 'database unreachable: ingest answers 503 until it returns')
      else app.log.warn({ status }, 'database reachable again')
      app.bus.emit('database:status', status)
    }
    app.addHook('onReady', async () => {
      timer = setInterval(() => void probe(), probeMs)
      timer.unref()
    })
    app.addHook('preClose', async () => {
      if (timer) clearInterval(timer)
    })
  },
  { name: 'database-status', dependencies: ['access', 'metrics', 'bus'] },
)
