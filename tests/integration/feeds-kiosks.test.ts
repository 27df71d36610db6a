import { describe, expect, it } from 'vitest'
import { tokenHash } from '../../server/access/secrets.ts'
import { build } from '../helpers/app.ts'
import { pairKiosk, signIn } from '../helpers/auth.ts'

const { app } = await build()
const admin = await signIn(app, ['admin'])
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
// No feed route exists on this branch yet (ingest is another module): a feed token reaching the
// access check of a user route is answered 403, an unknown or revoked one 401.
const asFeed = (token: string) => app.inject({ url: '/api/v1/townships', headers: bearer(token) })

describe('feeds admin API', () => {
  it('creates a feed, shows its token once and never again', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/feeds', headers: admin.headers, payload: { name: 'police-110', description: '110 接处警' } })
    expect(res.statusCode).toBe(201)
    const created = res.json()
    expect(created).toMatchObject({ name: 'police-110', description: '110 接处警', createdBy: admin.username, lastUsedAt: null, revokedAt: null })
    expect(created.token).toMatch(/^[\w-]{43}$/)
    expect(created).not.toHaveProperty('tokenHash')

    const list = await app.inject({ url: '/api/v1/feeds', headers: { cookie: admin.cookie } })
    expect(list.statusCode).toBe(200)
    expect(list.body).not.toContain(created.token)
    expect(list.body).not.toContain(tokenHash(created.token))
    expect(list.body).not.toMatch(/tokenHash/)
    expect(list.json().find((f: { id: number }) => f.id === created.id)).toMatchObject({ name: 'police-110', revokedAt: null })

    const audit = await app.db.selectFrom('audit').selectAll().where('action', '=', 'feed.create').executeTakeFirstOrThrow()
    expect(audit).toMatchObject({ actor: admin.username, target: `feed:${created.id}` })
    expect(JSON.stringify(audit)).not.toContain(created.token)
  })

  it('refuses a duplicate name, naming the field', async () => {
    await app.inject({ method: 'POST', url: '/api/v1/feeds', headers: admin.headers, payload: { name: 'hotline-12345' } })
    const again = await app.inject({ method: 'POST', url: '/api/v1/feeds', headers: admin.headers, payload: { name: 'hotline-12345' } })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.fields).toEqual([{ field: 'name', message: 'already taken' }])
  })

  it('revokes a feed: its token is refused on the very next request', async () => {
    const created = (await app.inject({ method: 'POST', url: '/api/v1/feeds', headers: admin.headers, payload: { name: 'mediation' } })).json()
    expect((await asFeed(created.token)).statusCode).toBe(403) // known: authenticated, wrong endpoint
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/feeds/${created.id}`, headers: admin.headers })
    expect(del.statusCode).toBe(204)
    const after = await asFeed(created.token)
    expect(after.statusCode).toBe(401)
    expect(after.json().error.code).toBe('unauthenticated')

    const row = (await app.inject({ url: '/api/v1/feeds', headers: { cookie: admin.cookie } })).json().find((f: { id: number }) => f.id === created.id)
    expect(row.revokedAt).not.toBeNull()
    expect(await app.db.selectFrom('audit').select('action').where('action', '=', 'feed.revoke').where('target', '=', `feed:${created.id}`).execute()).toHaveLength(1)
    // Revoking twice is harmless and not audited twice; an unknown feed is 404.
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/feeds/${created.id}`, headers: admin.headers })).statusCode).toBe(204)
    expect(await app.db.selectFrom('audit').select('action').where('action', '=', 'feed.revoke').where('target', '=', `feed:${created.id}`).execute()).toHaveLength(1)
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/feeds/999999', headers: admin.headers })).statusCode).toBe(404)
  })

  it('records when a feed was last used', async () => {
    const created = (await app.inject({ method: 'POST', url: '/api/v1/feeds', headers: admin.headers, payload: { name: 'grid-app' } })).json()
    await asFeed(created.token)
    const row = (await app.inject({ url: '/api/v1/feeds', headers: { cookie: admin.cookie } })).json().find((f: { id: number }) => f.id === created.id)
    expect(row.lastUsedAt).not.toBeNull()
  })
})

describe('kiosk pairings', () => {
  it('creates a pairing whose link signs a wall display in as a read-only leader', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers: admin.headers, payload: { name: '指挥中心大屏' } })
    expect(res.statusCode).toBe(201)
    const kiosk = res.json()
    expect(kiosk).toEqual({ id: expect.any(Number), name: '指挥中心大屏', token: expect.any(String), pairingUrl: `/wall?pair=${kiosk.token}` })

    const pair = await app.inject({ method: 'POST', url: '/api/v1/session/kiosk', payload: { token: kiosk.token } })
    expect(pair.statusCode).toBe(200)
    expect(pair.json().user).toEqual({ username: `kiosk:${kiosk.id}`, roles: ['leader'], kiosk: true })
    const sid = pair.cookies.find((c) => c.name === 'sid')!
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'Lax', maxAge: 365 * 24 * 3600 })

    const cookie = `sid=${sid.value}`
    expect((await app.inject({ url: '/api/v1/townships', headers: { cookie } })).statusCode).toBe(200)
    const whoami = await app.inject({ url: '/api/v1/session', headers: { cookie } })
    expect(whoami.json().user.kiosk).toBe(true)

    const list = await app.inject({ url: '/api/v1/kiosks', headers: { cookie: admin.cookie } })
    const row = list.json().find((k: { id: number }) => k.id === kiosk.id)
    expect(row).toMatchObject({ name: '指挥中心大屏', createdBy: admin.username, revokedAt: null })
    expect(row.lastUsedAt).not.toBeNull()
    expect(list.body).not.toContain(kiosk.token)
    expect(list.body).not.toMatch(/tokenHash/)
  })

  it('lets a kiosk read and sign out, but not write', async () => {
    const wall = await pairKiosk(app)
    const write = await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers: wall.headers, payload: { name: 'x' } })
    expect(write.statusCode).toBe(403)
    const out = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: wall.headers })
    expect(out.statusCode).toBe(204)
  })

  it('keeps a kiosk session 30 days idle, where a person’s ends after 12 hours', async () => {
    const wall = await pairKiosk(app)
    const sessionId = tokenHash(wall.cookie.slice('sid='.length))
    await app.db.updateTable('session').set({ lastSeenAt: new Date(Date.now() - 20 * 24 * 3600_000) }).where('id', '=', sessionId).execute()
    expect((await app.inject({ url: '/api/v1/townships', headers: { cookie: wall.cookie } })).statusCode).toBe(200)
    await app.db.updateTable('session').set({ lastSeenAt: new Date(Date.now() - 31 * 24 * 3600_000) }).where('id', '=', sessionId).execute()
    expect((await app.inject({ url: '/api/v1/townships', headers: { cookie: wall.cookie } })).statusCode).toBe(401)
  })

  it('revokes a kiosk: its sessions end at once and its link no longer pairs', async () => {
    const wall = await pairKiosk(app)
    const second = await app.inject({ method: 'POST', url: '/api/v1/session/kiosk', payload: { token: wall.token } })
    const secondCookie = `sid=${second.cookies.find((c) => c.name === 'sid')!.value}`
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/kiosks/${wall.kioskId}`, headers: admin.headers })
    expect(del.statusCode).toBe(204)
    for (const cookie of [wall.cookie, secondCookie]) {
      expect((await app.inject({ url: '/api/v1/townships', headers: { cookie } })).statusCode).toBe(401)
    }
    const again = await app.inject({ method: 'POST', url: '/api/v1/session/kiosk', payload: { token: wall.token } })
    expect(again.statusCode).toBe(401)
    expect(again.json().error.code).toBe('bad_credentials')
    const audit = await app.db.selectFrom('audit').selectAll().where('action', '=', 'kiosk.revoke').where('target', '=', `kiosk:${wall.kioskId}`).executeTakeFirstOrThrow()
    expect(audit.note).toContain('2 session(s) ended')
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/kiosks/999999', headers: admin.headers })).statusCode).toBe(404)
  })

  it('cannot be signed into with a password, and is not listed among users', async () => {
    const wall = await pairKiosk(app)
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: wall.username, password: '!kiosk' }, remoteAddress: '10.201.0.1' })
    expect(res.statusCode).toBe(401)
    const users = await app.inject({ url: '/api/v1/users', headers: { cookie: admin.cookie } })
    expect(users.json().map((u: { username: string }) => u.username)).not.toContain(wall.username)
    const id = (await app.db.selectFrom('appUser').select('id').where('username', '=', wall.username).executeTakeFirstOrThrow()).id
    expect((await app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: admin.headers, payload: { roles: ['admin'] } })).statusCode).toBe(404)
  })

  it('refuses an unknown pairing token', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session/kiosk', payload: { token: 'x'.repeat(43) } })
    expect(res.statusCode).toBe(401)
  })
})
