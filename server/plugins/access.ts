import cookie from '@fastify/cookie'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type Access, needsPolicy, ROUTE_ACCESS, routeKey, WALL_ROUTES } from '../access/policy.ts'
import type { Principal } from '../access/principal.ts'
import { sameSecret } from '../access/secrets.ts'
import { HttpError } from '../http-errors.ts'
import { GroupCommit } from '../group-commit.ts'
import { findActiveFeedsByTokens, touchFeed } from '../modules/feeds/repository.ts'
import { KIOSK_SESSION } from '../modules/kiosks/repository.ts'
import { findActiveSession, USER_SESSION } from '../modules/session/repository.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; null for an anonymous request to a public route. */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyInstance {
    /** Resolves a session cookie value to its user (used by the realtime handshake too). */
    principalFromSessionToken(token: string): Promise<Principal | null>
    /** Session idle limit for a session, by whether it belongs to a paired wall display. */
    sessionIdleMs(kioskId: number | null): number
    now(): Date
    /** Every API route with its policy, as registered (the access-matrix test walks these). */
    accessRoutes: ReadonlyArray<{ method: string; url: string; access: Access }>
  }
}

export const SESSION_COOKIE = 'sid'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const FEED_TOUCH_INTERVAL_MS = 60_000

const unauthenticated = () => new HttpError(401, 'unauthenticated', 'sign in first (or send a valid feed token)')
const forbidden = (why: string) => new HttpError(403, 'forbidden', why)

export default fp(async function access(app: FastifyInstance) {
  await app.register(cookie)
  app.decorateRequest('principal', null)
  if (!app.hasDecorator('now')) app.decorate('now', () => new Date())
  if (!app.hasDecorator('sessionIdleMs')) app.decorate('sessionIdleMs', (kioskId: number | null) => (kioskId === null ? USER_SESSION.idleMs : KIOSK_SESSION.idleMs))
  const accessRoutes: Array<{ method: string; url: string; access: Access }> = []
  app.decorate('accessRoutes', accessRoutes)

  // Every API route must be in the matrix, so forgetting one fails at start-up, not in production.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (!needsPolicy(route.url)) continue
      const access = ROUTE_ACCESS[routeKey(method, route.url)]
      if (!access) throw new Error(`no access policy for ${method} ${route.url}: add it to server/access/policy.ts`)
      route.config = { ...route.config, access } as typeof route.config
      accessRoutes.push({ method, url: route.url, access })
    }
  })

  app.decorate('principalFromSessionToken', async (token: string): Promise<Principal | null> => {
    const session = await findActiveSession(app.db, token, app.sessionIdleMs, app.now())
    if (!session) return null
    return {
      kind: 'user',
      userId: session.userId,
      username: session.username,
      roles: session.roles,
      township: session.township,
      sessionId: session.id,
      csrfToken: session.csrfToken,
      kioskId: session.kioskId,
    }
  })

  // Under many small concurrent requests (single-event POSTs from many feeds) a query per request
  // held a pooled connection each and queued the storing transactions behind them (profiled):
  // look-ups that arrive while one is in flight go together in the next query.
  const feedLookups = new GroupCommit<string, Awaited<ReturnType<typeof findActiveFeedsByTokens>>[number]>({
    store: (tokens) => findActiveFeedsByTokens(app.db, tokens),
    concurrency: app.databaseKind === 'postgres' ? 2 : 1,
    maxItems: 500,
    isolate: () => false,
  })
  const lastFeedTouch = new Map<number, number>()
  async function feedPrincipal(token: string): Promise<Principal | null> {
    const [feed] = await feedLookups.submit([token])
    if (!feed) return null
    const now = app.now()
    const last = lastFeedTouch.get(feed.id) ?? feed.lastUsedAt?.getTime() ?? 0
    if (now.getTime() - last > FEED_TOUCH_INTERVAL_MS) {
      lastFeedTouch.set(feed.id, now.getTime())
      await touchFeed(app.db, feed.id, now)
    }
    return { kind: 'feed', feedId: feed.id, name: feed.name }
  }

  async function identify(request: FastifyRequest): Promise<Principal | null> {
    const authorization = request.headers.authorization
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization)
      if (!match) throw new HttpError(401, 'unauthenticated', 'Authorization header must be "Bearer <token>"')
      const principal = await feedPrincipal(match[1]!)
      if (!principal) throw new HttpError(401, 'unauthenticated', 'feed token is not valid (unknown or revoked)')
      return principal
    }
    const token = request.cookies[SESSION_COOKIE]
    return token ? app.principalFromSessionToken(token) : null
  }

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access
    if (!access || access.kind === 'public') {
      // Public routes still learn who is calling when they can (GET /session, login audit).
      if (request.cookies[SESSION_COOKIE] && !request.headers.authorization) {
        request.principal = await app.principalFromSessionToken(request.cookies[SESSION_COOKIE]!)
      }
      return
    }
    const principal = await identify(request)
    if (!principal) throw unauthenticated()
    request.principal = principal
    if (access.kind === 'feed') {
      if (principal.kind !== 'feed') throw forbidden('this endpoint takes a feed token')
      return
    }
    if (principal.kind !== 'user') {
      if (access.kind === 'feed_or_user') return
      throw forbidden('feed tokens may only post events and zero reports')
    }
    if (!principal.roles.some((r) => access.roles.includes(r))) {
      throw forbidden(`requires one of the roles: ${access.roles.join(', ')}`)
    }
    if (principal.kioskId !== null && !WALL_ROUTES.has(routeKey(request.method, request.routeOptions.url ?? ''))) {
      throw forbidden('a paired wall display reads only what the wall shows')
    }
    // Cookies ride along on cross-site requests; the header proves the page itself sent it.
    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers['x-csrf-token']
      if (typeof header !== 'string' || !sameSecret(header, principal.csrfToken)) {
        throw new HttpError(403, 'csrf', 'missing or wrong x-csrf-token header (GET /api/v1/session returns the token)')
      }
    }
  })
}, { name: 'access' })
