import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { sameSecret } from '../access/secrets.ts'
import { HttpError } from '../http-errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's own Prometheus registry: features add their counters here. */
    metrics: Registry
  }
}

export default fp(async function metrics(app: FastifyInstance) {
  // One registry per app (not prom-client's global one) so several apps can live in one process.
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'shaowang_' })
  const requests = new Counter({
    name: 'shaowang_http_requests_total',
    help: 'HTTP requests by route and status class',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'shaowang_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  })
  // Counted from the headers (before the body is read) to the response or the client's abort: what a
  // graceful shutdown waits for, and what a stalled upload looks like from outside.
  const inFlight = new Gauge({
    name: 'shaowang_http_requests_in_flight',
    help: 'HTTP requests received and not yet answered, by route',
    labelNames: ['method', 'route'] as const,
    registers: [registry],
  })
  app.decorate('metrics', registry)

  const open = new WeakSet<object>()
  const settle = (request: { method: string; routeOptions: { url?: string | undefined } }) => {
    if (!open.delete(request)) return
    inFlight.dec({ method: request.method, route: request.routeOptions.url ?? 'unmatched' })
  }
  app.addHook('onRequest', async (request) => {
    open.add(request)
    inFlight.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched' })
  })
  app.addHook('onRequestAbort', async (request) => settle(request))

  app.addHook('onResponse', async (request, reply) => {
    settle(request)
    const route = request.routeOptions.url ?? 'unmatched'
    requests.inc({ method: request.method, route, status: `${Math.floor(reply.statusCode / 100)}xx` })
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })

  const token = app.config.metricsToken
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    // METRICS_TOKEN set: only a scraper holding it may read (docs/architecture.md); unset: open.
    if (token && !sameSecret(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '', token)) {
      throw new HttpError(401, 'unauthenticated', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>', { headers: { 'www-authenticate': 'Bearer' } })
    }
    reply.type(registry.contentType)
    return registry.metrics()
  })
})
