import { sql } from 'kysely'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { withTimeout } from '../../plugins/database-status.ts'
import { REAL_RATE_PER_MINUTE } from '../../simulator/generator.ts'

const HEALTH_QUERY_TIMEOUT_MS = 2_000

const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['ok', 'down']),
  uptimeSeconds: z.number(),
  /** The demo's simulator, so the screens can say when its stream runs faster than the county's own pace. */
  simulator: z
    .object({ perMinute: z.number(), realPerMinute: z.number(), accelerated: z.boolean(), factor: z.number() })
    .nullable(),
  /** DEMO=1: whether the demo's history is still being loaded (the screens fill in as it arrives); null otherwise. */
  demoHistory: z.enum(['loading', 'ready']).nullable(),
})

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/health',
    { schema: { tags: ['system'], summary: 'Liveness and database check', response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      const uptimeSeconds = Math.round(process.uptime())
      const simulator = simulatorInfo(app.config.demo ? app.config.simulatorRate : 0)
      try {
        await withTimeout(sql`select 1`.execute(app.db), HEALTH_QUERY_TIMEOUT_MS, 'health query')
        return { status: 'ok' as const, database: 'ok' as const, uptimeSeconds, simulator, demoHistory: app.demoHistory }
      } catch (err) {
        app.log.warn({ err }, 'health check: database unreachable')
        return reply.code(503).header('retry-after', '5').send({ status: 'degraded', database: 'down', uptimeSeconds, simulator, demoHistory: app.demoHistory })
      }
    },
  )
}

/** null when no simulator streams; accelerated past 1.5× the county's own pace. */
export function simulatorInfo(perMinute: number): z.infer<typeof Health>['simulator'] {
  if (perMinute <= 0) return null
  const factor = Math.round((perMinute / REAL_RATE_PER_MINUTE) * 10) / 10
  return { perMinute, realPerMinute: REAL_RATE_PER_MINUTE, accelerated: factor >= 1.5, factor }
}

export default routes
