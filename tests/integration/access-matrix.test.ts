import { describe, expect, it } from 'vitest'
import type { Role } from '../../db/schema.ts'
import { type Access, ROUTE_ACCESS, routeKey } from '../../server/access/policy.ts'
import { createKiosk, KIOSK_SESSION } from '../../server/modules/kiosks/repository.ts'
import { createSession, USER_SESSION } from '../../server/modules/session/repository.ts'
import { createUser } from '../../server/modules/users/repository.ts'
import { build } from '../helpers/app.ts'
import { feedToken } from '../helpers/auth.ts'

/**
 * The role × endpoint matrix, walked for real: every API route the built app has, for every kind
 * of caller. The expected outcome is derived from ROUTE_ACCESS (never a hand-written copy), so a
 * new route is covered the moment it is registered.
 *
 * Outcomes: 401 (who are you?), 403 (not you), or "allowed" (neither 401 nor 403: the request
 * got past access control; a 400 from validation or a 404 for a made-up id is fine).
 *
 * Exceptions and conventions, on purpose:
 * - HEAD routes are skipped: Fastify adds one per GET and the policy maps HEAD to GET.
 * - A paired wall display (kiosk) is a `leader` that may not write, except DELETE /api/v1/session
 *   (sign out). That rule lives in the access plugin, not in ROUTE_ACCESS, so it is stated here.
 * - Every request gets a fresh session (or feed token), so a route that ends a session
 *   (DELETE /api/v1/session) cannot spoil the rows after it.
 * - Path parameters: `:code` is the township caller's own township (so a handler's own township
 *   scoping does not answer 403 to an allowed caller); any other parameter is 999999999, an id
 *   that does not exist, so no allowed write changes anything.
 * - Writes carry `{}` as their body: the smallest request, refused by validation when allowed.
 */

const OWN_TOWNSHIP = '990100001'
const MISSING_ID = '999999999'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const USER_ROLES: Role[] = ['admin', 'analyst', 'duty', 'leader', 'township']
const CALLERS = ['anonymous', 'feed', ...USER_ROLES, 'kiosk'] as const
type Caller = (typeof CALLERS)[number]
type Outcome = 401 | 403 | 'allowed'

function expected(access: Access, method: string, url: string, caller: Caller): Outcome {
  if (access.kind === 'public') return 'allowed'
  if (caller === 'anonymous') return 401
  if (access.kind === 'feed') return caller === 'feed' ? 'allowed' : 403
  if (caller === 'feed') return access.kind === 'feed_or_user' ? 'allowed' : 403
  const role: Role = caller === 'kiosk' ? 'leader' : caller
  if (!access.roles.includes(role)) return 403
  if (caller === 'kiosk' && !SAFE_METHODS.has(method) && routeKey(method, url) !== 'DELETE /api/v1/session') return 403
  return 'allowed'
}

const outcome = (status: number): Outcome => (status === 401 || status === 403 ? status : 'allowed')

const { app } = await build()

// One account per role (argon2 is slow: made once), a fresh session per request (cheap).
const userIds = new Map<Role, number>()
for (const role of USER_ROLES) {
  const user = await createUser(app.db, { username: `matrix-${role}`, password: `matrix-${role}-password`, roles: [role], township: role === 'township' ? OWN_TOWNSHIP : null })
  userIds.set(role, user.id)
}
const kiosk = await app.db.transaction().execute((trx) => createKiosk(trx, { name: 'matrix wall', createdBy: 'test' }))
const { userId: kioskUserId } = await app.db.selectFrom('kiosk').select('userId').where('id', '=', kiosk.kiosk.id).executeTakeFirstOrThrow()
const feed = await feedToken(app, 'matrix-feed')

async function credentials(caller: Caller, csrf: boolean): Promise<Record<string, string>> {
  if (caller === 'anonymous') return {}
  if (caller === 'feed') return { authorization: `Bearer ${feed}` }
  const now = new Date()
  const { token, csrfToken } =
    caller === 'kiosk'
      ? await createSession(app.db, { userId: kioskUserId, kioskId: kiosk.kiosk.id, ip: null, userAgent: null, policy: KIOSK_SESSION, now })
      : await createSession(app.db, { userId: userIds.get(caller)!, ip: null, userAgent: null, policy: USER_SESSION, now })
  return { cookie: `sid=${token}`, ...(csrf ? { 'x-csrf-token': csrfToken } : {}) }
}

let address = 0
async function call(method: string, url: string, caller: Caller, csrf = true) {
  const path = url.replace(/:(\w+)/g, (_, name: string) => (name === 'code' ? OWN_TOWNSHIP : MISSING_ID))
  const withBody = !SAFE_METHODS.has(method) && method !== 'DELETE'
  return app.inject({
    method: method as 'GET',
    url: path,
    headers: await credentials(caller, csrf),
    // Its own address per request: the sign-in rate limit is not what this test is about.
    remoteAddress: `10.77.${(++address >> 8) & 255}.${address & 255}`,
    ...(withBody ? { payload: {} } : {}),
  })
}

const routes = app.accessRoutes.filter((r) => r.method !== 'HEAD')

describe('the role × endpoint matrix', () => {
  it('covers every route in the policy, and the policy names no route that does not exist', () => {
    const registered = new Set(app.accessRoutes.map((r) => routeKey(r.method, r.url)))
    expect([...registered].sort()).toEqual(Object.keys(ROUTE_ACCESS).sort())
    expect(routes.length).toBeGreaterThan(10)
  })

  for (const { method, url, access } of routes) {
    it(`${method} ${url}`, async () => {
      const want: Record<string, Outcome> = {}
      const got: Record<string, Outcome> = {}
      for (const caller of CALLERS) {
        want[caller] = expected(access, method, url, caller)
        const res = await call(method, url, caller)
        got[caller] = outcome(res.statusCode)
      }
      expect(got).toEqual(want)
    })
  }

  const writes = routes.filter((r) => !SAFE_METHODS.has(r.method) && r.access.kind === 'user')
  for (const { method, url, access } of writes) {
    it(`${method} ${url} refuses a cookie-authenticated write without the CSRF token`, async () => {
      for (const caller of CALLERS) {
        if (expected(access, method, url, caller) !== 'allowed') continue
        const res = await call(method, url, caller, false)
        expect(res.statusCode, caller).toBe(403)
        expect(res.json().error.code, caller).toBe('csrf')
      }
    })
  }
})
