import { sql } from 'kysely'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { withTimeout } from '../../plugins/database-status.ts'

const HEALTH_QUERY_TIMEOUT_MS = 2_000

const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['ok', 'down']),
  uptimeSeconds: z.number(),
})

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/health',
    { schema: { tags: ['system'], summary: 'Liveness and database check', response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      const uptimeSeconds = Math.round(process.uptime())
      try {
        await withTimeout(sql`select 1`.execute(app.db), HEALTH_QUERY_TIMEOUT_MS, 'health query')
        return { status: 'ok' as const, database: 'ok' as const, uptimeSeconds }
      } catch (err) {
        app.log.warn({ err }, 'health check: database unreachable')
        return reply.code(503).header('retry-after', '5').send({ status: 'degraded', database: 'down', uptimeSeconds })
      }
    },
  )
}

export default routes
