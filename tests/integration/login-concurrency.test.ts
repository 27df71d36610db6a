import { describe, expect, it } from 'vitest'
import { LOCK_AFTER } from '../../server/access/lockout.ts'
import { createUser } from '../../server/modules/users/repository.ts'
import { build } from '../helpers/app.ts'

const { app } = await build()
let address = 0
const login = (username: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, remoteAddress: `10.60.${(++address >> 8) & 255}.${address & 255}` })

describe('concurrent sign-ins cannot outrun the lockout', () => {
  it('17 wrong passwords and the right one in parallel: at most LOCK_AFTER are checked, the right one is refused', async () => {
    await createUser(app.db, { username: 'li.parallel', password: 'the-right-password', roles: ['duty'] })
    const attempts = [...Array.from({ length: 17 }, (_, i) => login('li.parallel', `guess-${i}`)), login('li.parallel', 'the-right-password')]
    const results = await Promise.all(attempts)
    const codes = results.map((r) => r.statusCode)
    expect(codes.filter((c) => c === 401)).toHaveLength(LOCK_AFTER)
    expect(codes.filter((c) => c === 429)).toHaveLength(18 - LOCK_AFTER)
    expect(codes).not.toContain(200)
    const row = await app.db.selectFrom('appUser').select('failedLogins').where('username', '=', 'li.parallel').executeTakeFirstOrThrow()
    expect(row.failedLogins).toBe(LOCK_AFTER)
  })
})
