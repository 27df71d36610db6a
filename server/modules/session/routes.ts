import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ROLES } from '../../../db/schema.ts'
import type { UserPrincipal } from '../../access/principal.ts'
import { verifyPassword } from '../../access/secrets.ts'
import { HttpError } from '../../http-errors.ts'
import { SESSION_COOKIE } from '../../plugins/access.ts'
import { recordAudit } from '../audit/repository.ts'
import { findUserByUsername } from '../users/repository.ts'
import { createSession, revokeSession, USER_SESSION } from './repository.ts'

export const SessionUser = z.object({
  username: z.string(),
  roles: z.array(z.enum(ROLES)),
  township: z.string().optional(),
  kiosk: z.boolean().optional(),
})
export const SessionResponse = z.object({ user: SessionUser, csrfToken: z.string() })
export type SessionResponse = z.infer<typeof SessionResponse>

const Login = z.object({
  username: z.string().min(1, 'required').max(64, 'at most 64 characters'),
  password: z.string().min(1, 'required').max(256, 'at most 256 characters'),
})

const badCredentials = () => new HttpError(401, 'bad_credentials', 'wrong username or password')

export function sessionBody(p: UserPrincipal): SessionResponse {
  return {
    user: { username: p.username, roles: p.roles, ...(p.township ? { township: p.township } : {}), ...(p.kioskId ? { kiosk: true } : {}) },
    csrfToken: p.csrfToken,
  }
}

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/v1/session',
    { schema: { tags: ['session'], summary: 'Sign in', body: Login, response: { 200: SessionResponse } } },
    async (request, reply) => {
      const { username, password } = request.body
      const now = app.now()
      const user = await findUserByUsername(app.db, username)
      const ok = user && !user.disabled && (await verifyPassword(user.passwordHash, password))
      if (!user || !ok) {
        await recordAudit(app.db, { actor: username, actorKind: 'anonymous', action: 'session.login_failed', target: `user:${username}`, ip: request.ip })
        throw badCredentials()
      }
      const { token, csrfToken } = await createSession(app.db, { userId: user.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? null, policy: USER_SESSION, now })
      await recordAudit(app.db, { actor: user.username, actorKind: 'user', action: 'session.login', target: `user:${user.username}`, ip: request.ip })
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        maxAge: USER_SESSION.absoluteMs / 1000,
      })
      return { user: { username: user.username, roles: user.roles, ...(user.township ? { township: user.township } : {}) }, csrfToken }
    },
  )

  app.get(
    '/api/v1/session',
    { schema: { tags: ['session'], summary: 'Who am I (and the CSRF token for writes)', response: { 200: SessionResponse } } },
    async (request) => sessionBody(request.principal as UserPrincipal),
  )

  app.delete(
    '/api/v1/session',
    { schema: { tags: ['session'], summary: 'Sign out', response: { 204: z.null() } } },
    async (request, reply) => {
      const principal = request.principal as UserPrincipal
      await revokeSession(app.db, principal.sessionId, app.now())
      await recordAudit(app.db, { actor: principal.username, actorKind: principal.kioskId ? 'kiosk' : 'user', action: 'session.logout', target: `user:${principal.username}`, ip: request.ip })
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send(null)
    },
  )
}

export default routes
