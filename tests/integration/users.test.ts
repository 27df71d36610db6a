import { describe, expect, it } from 'vitest'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const { app } = await build()
const admin = await signIn(app, ['admin'])

const post = (payload: object, headers = admin.headers) => app.inject({ method: 'POST', url: '/api/v1/users', headers, payload })
const patch = (id: number, payload: object, headers = admin.headers) => app.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers, payload })
const idOf = async (username: string) => (await app.db.selectFrom('appUser').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id
const signInAs = (username: string, password: string) => app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, remoteAddress: '10.200.0.1' })

describe('users admin API', () => {
  it('creates a user who can then sign in, and never shows a password hash', async () => {
    const res = await post({ username: 'zhang.wei', password: 'correct-horse-battery', roles: ['duty'], displayName: '张伟' })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ username: 'zhang.wei', roles: ['duty'], township: null, displayName: '张伟', disabled: false, demo: false })
    expect(res.body).not.toMatch(/passwordHash|argon2/)
    expect((await signInAs('zhang.wei', 'correct-horse-battery')).statusCode).toBe(200)

    const list = await app.inject({ url: '/api/v1/users', headers: { cookie: admin.cookie } })
    expect(list.statusCode).toBe(200)
    expect(list.json().map((u: { username: string }) => u.username)).toContain('zhang.wei')
    expect(list.body).not.toMatch(/passwordHash|argon2/)
  })

  it('names the field of every validation error', async () => {
    const short = await post({ username: 'short.pw', password: 'too-short', roles: ['duty'] })
    expect(short.statusCode).toBe(400)
    expect(short.json().error.fields).toEqual([{ field: 'password', message: 'at least 12 characters' }])

    const noTownship = await post({ username: 'li.na', password: 'correct-horse-battery', roles: ['township'] })
    expect(noTownship.statusCode).toBe(400)
    expect(noTownship.json().error).toMatchObject({ code: 'validation', fields: [{ field: 'township', message: 'required for the township role' }] })

    const unknownTownship = await post({ username: 'li.na', password: 'correct-horse-battery', roles: ['township'], township: '990100999' })
    expect(unknownTownship.statusCode).toBe(400)
    expect(unknownTownship.json().error.fields).toEqual([{ field: 'township', message: 'no township 990100999' }])

    const badRole = await post({ username: 'li.na', password: 'correct-horse-battery', roles: ['root'] })
    expect(badRole.statusCode).toBe(400)
    expect(badRole.json().error.fields[0].field).toBe('roles.0')

    const badName = await post({ username: 'Li Na', password: 'correct-horse-battery', roles: ['duty'] })
    expect(badName.json().error.fields[0].field).toBe('username')

    const ok = await post({ username: 'li.na', password: 'correct-horse-battery', roles: ['township'], township: '990100002' })
    expect(ok.statusCode).toBe(201)
    expect(ok.json().township).toBe('990100002')

    const taken = await post({ username: 'li.na', password: 'correct-horse-battery', roles: ['duty'] })
    expect(taken.statusCode).toBe(409)
    expect(taken.json().error.fields).toEqual([{ field: 'username', message: 'already taken' }])
  })

  it('ends a user’s sessions at once when they are disabled, demoted, moved or given a new password', async () => {
    for (const change of [{ disabled: true }, { roles: ['leader'] }, { township: '990100003' }, { password: 'a-brand-new-password' }]) {
      const victim = await signIn(app, ['township'], { township: '990100002' })
      const before = await app.inject({ url: '/api/v1/session', headers: { cookie: victim.cookie } })
      expect(before.statusCode).toBe(200)
      const res = await patch(await idOf(victim.username), change)
      expect(res.statusCode, JSON.stringify(change)).toBe(200)
      const after = await app.inject({ url: '/api/v1/session', headers: { cookie: victim.cookie } })
      expect(after.statusCode, JSON.stringify(change)).toBe(401)
    }
  })

  it('keeps sessions when only the display name changes, and records the change in the audit log', async () => {
    const user = await signIn(app, ['duty'])
    const id = await idOf(user.username)
    const res = await patch(id, { displayName: '值班员 王' })
    expect(res.statusCode).toBe(200)
    expect((await app.inject({ url: '/api/v1/session', headers: { cookie: user.cookie } })).statusCode).toBe(200)
    const row = await app.db.selectFrom('audit').selectAll().where('action', '=', 'user.update').where('target', '=', `user:${user.username}`).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ actor: admin.username, actorKind: 'user', fromValue: { displayName: null }, toValue: { displayName: '值班员 王' } })
    expect(row.ip).toBeTruthy()
  })

  it('records a password reset without the password, and the new password works', async () => {
    const user = await signIn(app, ['analyst'])
    const res = await patch(await idOf(user.username), { password: 'reset-by-the-admin-1' })
    expect(res.statusCode).toBe(200)
    const row = await app.db.selectFrom('audit').selectAll().where('action', '=', 'user.update').where('target', '=', `user:${user.username}`).executeTakeFirstOrThrow()
    expect(JSON.stringify(row)).not.toContain('reset-by-the-admin-1')
    expect(row.toValue).toEqual({ password: 'reset' })
    expect((await signInAs(user.username, 'reset-by-the-admin-1')).statusCode).toBe(200)
  })

  it('drops the township when the township role is taken away, and refuses a township for other roles', async () => {
    const created = await post({ username: 'zhao.lei', password: 'correct-horse-battery', roles: ['township'], township: '990100004' })
    const id = created.json().id as number
    const res = await patch(id, { roles: ['leader'] })
    expect(res.json()).toMatchObject({ roles: ['leader'], township: null })
    const refused = await patch(id, { township: '990100004' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error.fields).toEqual([{ field: 'township', message: 'only for the township role' }])
  })

  it('refuses an empty change and an unknown user', async () => {
    expect((await patch(await idOf(admin.username), {})).statusCode).toBe(400)
    expect((await patch(999999, { disabled: true })).statusCode).toBe(404)
  })

  it('keeps at least one enabled administrator', async () => {
    // Leave this test's admin as the only enabled administrator.
    const admins = await app.db.selectFrom('appUser').select(['id', 'username']).where('disabled', '=', false).execute()
    const me = await idOf(admin.username)
    for (const a of admins) {
      if (a.id === me) continue
      const row = await app.db.selectFrom('appUser').select('roles').where('id', '=', a.id).executeTakeFirstOrThrow()
      if (row.roles.includes('admin')) await app.db.updateTable('appUser').set({ disabled: true }).where('id', '=', a.id).execute()
    }
    const demote = await patch(me, { roles: ['duty'] })
    expect(demote.statusCode).toBe(409)
    expect(demote.json().error.code).toBe('last_admin')
    const disable = await patch(me, { disabled: true })
    expect(disable.statusCode).toBe(409)

    // With a second administrator, stepping down is fine.
    const second = await post({ username: 'second.admin', password: 'correct-horse-battery', roles: ['admin'] })
    expect(second.statusCode).toBe(201)
    const stepDown = await patch(me, { roles: ['admin', 'duty'] })
    expect(stepDown.statusCode).toBe(200)
  })

  it('is for administrators only', async () => {
    const duty = await signIn(app, ['duty'])
    expect((await app.inject({ url: '/api/v1/users', headers: { cookie: duty.cookie } })).statusCode).toBe(403)
    expect((await post({ username: 'x.y', password: 'correct-horse-battery', roles: ['admin'] }, duty.headers)).statusCode).toBe(403)
  })
})
