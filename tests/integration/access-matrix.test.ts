import { describe, expect, it } from 'vitest'
import type { Role } from '../../db/schema.ts'
import { ROUTE_ACCESS, routeKey } from '../../server/access/policy.ts'
import { createKiosk, KIOSK_SESSION } from '../../server/modules/kiosks/repository.ts'
import { createSession, USER_SESSION } from '../../server/modules/session/repository.ts'
import { createUser } from '../../server/modules/users/repository.ts'
import { type Caller, CALLERS, doublyDecided, type Outcome, outcomeFor, ruleFor, RULES } from '../helpers/access-oracle.ts'
import { build } from '../helpers/app.ts'
import { feedToken } from '../helpers/auth.ts'

/**
 * The role × endpoint matrix, walked for real: every API route the built app has, for every kind
 * of caller, against a hand-written oracle of who may do what (tests/helpers/access-oracle.ts) —
 * not against ROUTE_ACCESS, the table the server enforces, so a wrong row in that table fails here.
 * A registered route the oracle has no rule for fails too.
 *
 * Outcomes: 401 (who are you?), 403 (not you), or "allowed" (neither 401 nor 403: the request
 * got past access control; a 400 from validation or a 404 for a made-up id is fine).
 *
 * Conventions, on purpose:
 * - HEAD routes are skipped: Fastify adds one per GET and the policy maps HEAD to GET.
 * - Every request gets a fresh session (or feed token), so a route that ends a session
 *   (DELETE /api/v1/session) cannot spoil the rows after it.
 * - Path parameters: `:code` is the township caller's own township (so a handler's own township
 *   scoping does not answer 403 to an allowed caller); any other parameter is 999999999, an id
 *   that does not exist, so no allowed write changes anything.
 * - Writes carry `{}` as their body: the smallest request, refused by validation when allowed.
 */

const OWN_TOWNSHIP = '990100001'
const OTHER_TOWNSHIP = '990100002'
const MISSING_ID = '999999999'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const USER_ROLES: Role[] = ['admin', 'analyst', 'duty', 'leader', 'township']

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
  it('the oracle decides every route the app registers, each once, and names no route that does not exist', () => {
    const registered = [...new Set(routes.map((r) => routeKey(r.method, r.url)))].sort()
    expect(registered.filter((key) => !ruleFor(key)), 'routes without a decision').toEqual([])
    expect(doublyDecided(), 'routes decided twice').toEqual([])
    expect(RULES.flatMap((r) => r.routes).filter((key) => !registered.includes(key)), 'rules for routes that do not exist').toEqual([])
    // The access plugin refuses to start with a route missing from its own table; this keeps the table clean too.
    expect(Object.keys(ROUTE_ACCESS).sort()).toEqual(registered)
    expect(routes.length).toBeGreaterThan(10)
  })

  for (const { method, url } of routes) {
    const key = routeKey(method, url)
    it(key, async () => {
      const want: Record<string, Outcome> = {}
      const got: Record<string, Outcome> = {}
      for (const caller of CALLERS) {
        want[caller] = outcomeFor(key, caller)
        const res = await call(method, url, caller)
        got[caller] = outcome(res.statusCode)
      }
      expect(got, ruleFor(key)?.says).toEqual(want)
    })
  }

  const writes = routes.filter((r) => !SAFE_METHODS.has(r.method))
  for (const { method, url } of writes) {
    const key = routeKey(method, url)
    // Only cookie-authenticated callers carry a CSRF token; feeds send a bearer token.
    const people = CALLERS.filter((c) => c !== 'anonymous' && c !== 'feed')
    if (ruleFor(key)?.who === 'anyone' || !people.some((c) => outcomeFor(key, c) === 'allowed')) continue
    it(`${key} refuses a cookie-authenticated write without the CSRF token`, async () => {
      for (const caller of people) {
        if (outcomeFor(key, caller) !== 'allowed') continue
        const res = await call(method, url, caller, false)
        expect(res.statusCode, caller).toBe(403)
        expect(res.json().error.code, caller).toBe('csrf')
      }
    })
  }

  it("a township officer reads only its own township: another township's views are refused, lists hold only its own", async () => {
    const other = (url: string) => url.replace(':code', OTHER_TOWNSHIP)
    for (const url of ['/api/v1/townships/:code', '/api/v1/townships/:code/history']) {
      expect((await call('GET', other(url), 'township')).statusCode, url).toBe(403)
      expect((await call('GET', other(url), 'leader')).statusCode, `a leader reads every township: ${url}`).toBe(200)
    }
    expect((await call('GET', `/api/v1/events?township=${OTHER_TOWNSHIP}`, 'township')).statusCode).toBe(403)
    const townships = (await call('GET', '/api/v1/townships', 'township')).json() as Array<{ code: string }>
    expect(townships.map((t) => t.code)).toEqual([OWN_TOWNSHIP])
    const all = (await call('GET', '/api/v1/townships', 'leader')).json() as Array<{ code: string }>
    expect(all.length).toBeGreaterThan(1)
    for (const list of ['/api/v1/alerts', '/api/v1/cases']) {
      const res = await call('GET', `${list}?township=${OTHER_TOWNSHIP}`, 'township')
      expect(res.statusCode, list).toBe(200)
      expect(res.json().items, list).toEqual([])
    }
  })
})
