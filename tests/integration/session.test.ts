import { describe, expect, it } from 'vitest'
import { tokenHash } from '../../server/access/secrets.ts'
import { build } from '../helpers/app.ts'
import { feedToken, signIn } from '../helpers/auth.ts'

const { app } = await build()

describe('sessions', () => {
  it('signs in with a cookie that is HttpOnly and SameSite=Lax, and says who I am', async () => {
    const me = await signIn(app, ['duty'])
    const whoami = await app.inject({ url: '/api/v1/session', headers: { cookie: me.cookie } })
    expect(whoami.statusCode).toBe(200)
    expect(whoami.json()).toEqual({ user: { username: me.username, roles: ['duty'] }, csrfToken: me.csrfToken, timeZone: 'Asia/Shanghai' })
  })

  it('sets the cookie attributes', async () => {
    await signIn(app, ['analyst'], { username: 'cookie-check' })
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'cookie-check', password: 'pw-cookie-check-correct-horse' } })
    const sid = res.cookies.find((c) => c.name === 'sid')!
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
  })

  it('refuses a wrong password with 401 and audits it', async () => {
    const me = await signIn(app, ['leader'])
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: me.username, password: 'nope' } })
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('bad_credentials')
    const audit = await app.db.selectFrom('audit').selectAll().where('action', '=', 'session.login_failed').where('actor', '=', me.username).execute()
    expect(audit).toHaveLength(1)
  })

  it('names the field of a malformed login', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'x' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.fields).toEqual([{ field: 'password', message: expect.any(String) }])
  })

  it('logs out: the same cookie is refused afterwards', async () => {
    const me = await signIn(app, ['duty'])
    const out = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: me.headers })
    expect(out.statusCode).toBe(204)
    const again = await app.inject({ url: '/api/v1/townships', headers: { cookie: me.cookie } })
    expect(again.statusCode).toBe(401)
  })

  it('refuses a cookie-authenticated write without the CSRF token', async () => {
    const me = await signIn(app, ['duty'])
    const res = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: me.cookie } })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('csrf')
    const wrong = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: me.cookie, 'x-csrf-token': 'x'.repeat(43) } })
    expect(wrong.statusCode).toBe(403)
  })

  it('refuses a session whose user was disabled, at once', async () => {
    const me = await signIn(app, ['duty'])
    await app.db.updateTable('appUser').set({ disabled: true }).where('username', '=', me.username).execute()
    const res = await app.inject({ url: '/api/v1/townships', headers: { cookie: me.cookie } })
    expect(res.statusCode).toBe(401)
  })

  it('refuses an expired session (absolute) and an idle one', async () => {
    const a = await signIn(app, ['duty'])
    const b = await signIn(app, ['duty'])
    const id = (cookie: string) => tokenHash(cookie.slice('sid='.length))
    await app.db.updateTable('session').set({ expiresAt: new Date(Date.now() - 1000) }).where('id', '=', id(a.cookie)).execute()
    await app.db.updateTable('session').set({ lastSeenAt: new Date(Date.now() - 13 * 3600_000) }).where('id', '=', id(b.cookie)).execute()
    expect((await app.inject({ url: '/api/v1/townships', headers: { cookie: a.cookie } })).statusCode).toBe(401)
    expect((await app.inject({ url: '/api/v1/townships', headers: { cookie: b.cookie } })).statusCode).toBe(401)
  })

  it('never stores the session token or password in the clear', async () => {
    const me = await signIn(app, ['duty'])
    const token = me.cookie.slice('sid='.length)
    const sessions = await app.db.selectFrom('session').select('id').execute()
    expect(sessions.map((s) => s.id)).not.toContain(token)
    const users = await app.db.selectFrom('appUser').select('passwordHash').where('username', '=', me.username).executeTakeFirstOrThrow()
    expect(users.passwordHash).toMatch(/^\$argon2id\$/)
  })
})

describe('access', () => {
  it('asks for sign-in (401) before role (403)', async () => {
    expect((await app.inject('/api/v1/townships')).statusCode).toBe(401)
    expect((await app.inject('/api/v1/health')).statusCode).toBe(200)
  })

  it('takes a feed token only where feeds may write', async () => {
    const token = await feedToken(app)
    const res = await app.inject({ url: '/api/v1/townships', headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(403)
    const bogus = await app.inject({ url: '/api/v1/townships', headers: { authorization: 'Bearer not-a-token' } })
    expect(bogus.statusCode).toBe(401)
  })

  it('refuses to build an app with an API route that has no access policy', async () => {
    const { default: Fastify } = await import('fastify')
    const { default: access } = await import('../../server/plugins/access.ts')
    const bare = Fastify()
    bare.decorate('db', app.db)
    await bare.register(access)
    expect(() => bare.get('/api/v1/forgotten', async () => ({}))).toThrow(/no access policy for GET \/api\/v1\/forgotten/)
    await bare.close()
  })
})

describe('a township officer', () => {
  it('sees only their own township', async () => {
    const me = await signIn(app, ['township'], { township: '990100002' })
    const list = await app.inject({ url: '/api/v1/townships', headers: { cookie: me.cookie } })
    expect((list.json() as Array<{ code: string }>).map((t) => t.code)).toEqual(['990100002'])
    expect((await app.inject({ url: '/api/v1/townships/990100002', headers: { cookie: me.cookie } })).statusCode).toBe(200)
    expect((await app.inject({ url: '/api/v1/townships/990100003', headers: { cookie: me.cookie } })).statusCode).toBe(403)
  })
})
