import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { CodeTableCache } from './cache.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The code tables in memory (docs/architecture.md §4); reloaded after each change. */
    codeTables: CodeTableCache
  }
}

export interface CodeTablesPluginOptions {
  /** How often another process's change is looked for on PostgreSQL (default 5 s; 0: never). */
  pollMs?: number
}

export default fp(
  async function codeTables(app: FastifyInstance, options: CodeTablesPluginOptions) {
    const cache = new CodeTableCache(app.db, app.log)
    await cache.reload()
    app.decorate('codeTables', cache)
    if (app.databaseKind === 'postgres') {
      app.addHook('onReady', async () => cache.start(options.pollMs ?? 5000))
      app.addHook('onClose', async () => cache.stop())
    }
  },
  { name: 'code-tables' },
)
