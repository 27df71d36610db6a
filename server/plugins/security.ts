import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HttpError } from '../http-errors.ts'

/**
 * What the Vue/ECharts client needs and nothing more. Swagger UI at /api/docs works under the
 * same policy: it loads only its own script files (no inline scripts), inline styles and data:
 * images, and fetches its document from this origin. No `upgrade-insecure-requests`: a county
 * LAN may serve plain HTTP, where that directive would break every asset.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'", 'ws:', 'wss:'],
  workerSrc: ["'self'", 'blob:'],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
}

/** Security headers for every response, and the rate limiter routes opt into with `config.rateLimit`. */
export default fp(async function security(app: FastifyInstance) {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // HTTPS is terminated in front of the app where it is used; do not pin other county hosts.
    strictTransportSecurity: { maxAge: 180 * 24 * 3600, includeSubDomains: false },
  })
  // Registered once, off by default: a route opts in with `config: { rateLimit: { max, timeWindow } }`
  // (sign-in here; ingest per feed elsewhere). The key is the client IP unless a route says otherwise.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new HttpError(context.statusCode, 'rate_limited', `too many requests; retry in ${context.after}`, {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
  })
}, { name: 'security' })
