import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { lockDurationMs, PerAccountQueue, retryAfterSeconds, UnknownUserThrottle } from '../../access/lockout.ts'
import type { UserPrincipal } from '../../access/principal.ts'
import { hashPassword, verifyPassword } from '../../access/secrets.ts'
import { ErrorResponse, HttpError } from '../../http-errors.ts'
import { SESSION_COOKIE } from '../../plugins/access.ts'
import { recordAudit } from '../audit/repository.ts'
import { findActiveKioskByToken, KIOSK_SESSION, kioskUsername, touchKiosk } from '../kiosks/repository.ts'
import { clearFailedLogins, findUserByUsername, lockUser, recordFailedLogin } from '../users/repository.ts'
import { createSession, revokeSession, type SessionPolicy, USER_SESSION } from './repository.ts'
import { SessionResponse } from './schema.ts'

export { SessionResponse, SessionUser } from './schema.ts'

const Login = z.object({
  username: z.string().min(1, 'required').max(64, 'at most 64 characters'),
  password: z.string().min(1, 'required').max(256, 'at most 256 characters'),
})

const KioskPairing = z.object({ token: z.string().min(1, 'required').max(256, 'at most 256 characters') })

/** Per client IP, on the sign-in and pairing endpoints: slows guessing from one machine. */
export const SIGN_IN_RATE_LIMIT = { max: 20, timeWindow: 60_000 }

const badCredentials = () => new HttpError(401, 'bad_credentials', 'wrong username or password')
const locked = (until: Date, now: Date) => {
  const seconds = retryAfterSeconds(until, now)
  return new HttpError(429, 'locked', `too many failed sign-ins for this account; try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } })
}

export function sessionBody(p: UserPrincipal, timeZone: string): SessionResponse {
  return {
    user: { username: p.username, roles: p.roles, ...(p.township ? { township: p.township } : {}), ...(p.kioskId ? { kiosk: true } : {}) },
    csrfToken: p.csrfToken,
    timeZone,
  }
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, policy: SessionPolicy): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    maxAge: policy.absoluteMs / 1000,
  })
}

const routes: FastifyPluginAsyncZod = async (app) => {
  const unknownUsers = new UnknownUserThrottle()
  const perAccount = new PerAccountQueue()
  // Verifying against a real hash for unknown users keeps the answer time the same either way.
  let dummyHash: Promise<string> | undefined
  const timingDecoy = () => (dummyHash ??= hashPassword('timing-decoy-not-a-password'))

  app.post(
    '/api/v1/session',
    {
      schema: { tags: ['session'], summary: 'Sign in', body: Login, response: { 200: SessionResponse, 401: ErrorResponse } },
      config: { rateLimit: SIGN_IN_RATE_LIMIT },
    },
    (request, reply) => perAccount.run(request.body.username, async () => {
      const { username, password } = request.body
      const now = app.now()
      const user = await findUserByUsername(app.db, username)
      const lockedUntil = user ? (user.lockedUntil && user.lockedUntil > now ? user.lockedUntil : null) : unknownUsers.lockedUntil(username, now)
      if (lockedUntil) {
        await recordAudit(app.db, { actor: username, actorKind: 'anonymous', action: 'session.login_failed', target: `user:${username}`, note: 'account locked', ip: request.ip })
        throw locked(lockedUntil, now)
      }
      let ok = false
      if (user) ok = !user.disabled && (await verifyPassword(user.passwordHash, password))
      else await verifyPassword(await timingDecoy(), password)
      if (!user || !ok) {
        await app.db.transaction().execute(async (trx) => {
          let lockUntil: Date | null
          if (user) {
            const failures = await recordFailedLogin(trx, user.id)
            const lockMs = lockDurationMs(failures)
            lockUntil = lockMs ? new Date(now.getTime() + lockMs) : null
            if (lockUntil) await lockUser(trx, user.id, lockUntil)
          } else {
            lockUntil = unknownUsers.fail(username, now)
          }
          const note = lockUntil ? `account locked for ${retryAfterSeconds(lockUntil, now)} s` : null
          await recordAudit(trx, { actor: username, actorKind: 'anonymous', action: 'session.login_failed', target: `user:${username}`, note, ip: request.ip })
        })
        throw badCredentials()
      }
      const { token, csrfToken } = await app.db.transaction().execute(async (trx) => {
        if (user.failedLogins > 0 || user.lockedUntil) await clearFailedLogins(trx, user.id)
        const created = await createSession(trx, { userId: user.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? null, policy: USER_SESSION, now })
        await recordAudit(trx, { actor: user.username, actorKind: 'user', action: 'session.login', target: `user:${user.username}`, ip: request.ip })
        return created
      })
      setSessionCookie(request, reply, token, USER_SESSION)
      return { user: { username: user.username, roles: user.roles, ...(user.township ? { township: user.township } : {}) }, csrfToken, timeZone: app.config.tzDisplay }
    }),
  )

  app.post(
    '/api/v1/session/kiosk',
    {
      schema: {
        tags: ['session'],
        summary: 'Pair a wall display with a kiosk token: a read-only leader session for 30 days idle, 365 days at most',
        body: KioskPairing,
        response: { 200: SessionResponse, 401: ErrorResponse },
      },
      config: { rateLimit: SIGN_IN_RATE_LIMIT },
    },
    async (request, reply) => {
      const now = app.now()
      const kiosk = await findActiveKioskByToken(app.db, request.body.token)
      if (!kiosk) {
        await recordAudit(app.db, { actor: 'anonymous', actorKind: 'anonymous', action: 'kiosk.pair_failed', ip: request.ip })
        throw new HttpError(401, 'bad_credentials', 'pairing token is not valid (unknown or revoked): ask an administrator for a new pairing link')
      }
      const { token, csrfToken } = await app.db.transaction().execute(async (trx) => {
        const created = await createSession(trx, { userId: kiosk.userId, kioskId: kiosk.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? null, policy: KIOSK_SESSION, now })
        await touchKiosk(trx, kiosk.id, now)
        await recordAudit(trx, { actor: kioskUsername(kiosk.id), actorKind: 'kiosk', action: 'kiosk.paired', target: `kiosk:${kiosk.id}`, note: kiosk.name, ip: request.ip })
        return created
      })
      setSessionCookie(request, reply, token, KIOSK_SESSION)
      return { user: { username: kioskUsername(kiosk.id), roles: ['leader' as const], kiosk: true }, csrfToken, timeZone: app.config.tzDisplay }
    },
  )

  app.get(
    '/api/v1/session',
    { schema: { tags: ['session'], summary: 'Who am I (and the CSRF token for writes)', response: { 200: SessionResponse } } },
    async (request) => sessionBody(request.principal as UserPrincipal, app.config.tzDisplay),
  )

  app.delete(
    '/api/v1/session',
    { schema: { tags: ['session'], summary: 'Sign out', response: { 204: z.null() } } },
    async (request, reply) => {
      const principal = request.principal as UserPrincipal
      await app.db.transaction().execute(async (trx) => {
        await revokeSession(trx, principal.sessionId, app.now())
        await recordAudit(trx, { actor: principal.username, actorKind: principal.kioskId ? 'kiosk' : 'user', action: 'session.logout', target: `user:${principal.username}`, ip: request.ip })
      })
      app.bus.emit('sessions:ended', { sessionId: principal.sessionId })
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send(null)
    },
  )
}

export default routes
