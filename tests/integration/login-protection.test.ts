import { describe, expect, it } from 'vitest'
import { LOCK_AFTER } from '../../server/access/lockout.ts'
import { SIGN_IN_RATE_LIMIT } from '../../server/modules/session/routes.ts'
import { createUser } from '../../server/modules/users/repository.ts'
import { build } from '../helpers/app.ts'

const { app } = await build()
let address = 0
/** Each attempt from its own address, so only the per-username back-off is at work. */
const login = (username: string, password: string, remoteAddress = `10.50.${(++address >> 8) & 255}.${address & 255}`) =>
  app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, remoteAddress })

describe('per-username back-off', () => {
  it(`locks an account after ${LOCK_AFTER} failures, even against the right password, and says when to retry`, async () => {
    await createUser(app.db, { username: 'wang.fang', password: 'the-right-password', roles: ['duty'] })
    for (let i = 1; i <= LOCK_AFTER; i++) {
      const res = await login('wang.fang', `guess-${i}`)
      expect(res.statusCode, `attempt ${i}`).toBe(401)
    }
    const locked = await login('wang.fang', 'the-right-password')
    expect(locked.statusCode).toBe(429)
    expect(locked.json().error.code).toBe('locked')
    const retryAfter = Number(locked.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(30)
    const audit = await app.db.selectFrom('audit').select('note').where('actor', '=', 'wang.fang').where('note', 'like', 'account locked for%').execute()
    expect(audit).toHaveLength(1)
  })

  it('doubles the lock with every further failure, and a success resets the count', async () => {
    await createUser(app.db, { username: 'chen.jie', password: 'the-right-password', roles: ['duty'] })
    for (let i = 1; i <= LOCK_AFTER; i++) await login('chen.jie', `guess-${i}`)
    const row = () => app.db.selectFrom('appUser').select(['failedLogins', 'lockedUntil']).where('username', '=', 'chen.jie').executeTakeFirstOrThrow()
    const expire = () => app.db.updateTable('appUser').set({ lockedUntil: new Date(Date.now() - 1000) }).where('username', '=', 'chen.jie').execute()
    const first = await row()
    expect(first.failedLogins).toBe(LOCK_AFTER)
    const firstLockMs = first.lockedUntil!.getTime() - Date.now()
    expect(firstLockMs).toBeGreaterThan(25_000)
    expect(firstLockMs).toBeLessThanOrEqual(30_000)

    // The lock runs out; one more wrong guess locks for twice as long.
    await expire()
    expect((await login('chen.jie', 'guess-again')).statusCode).toBe(401)
    const second = await row()
    expect(second.lockedUntil!.getTime() - Date.now()).toBeGreaterThan(55_000)

    await expire()
    expect((await login('chen.jie', 'the-right-password')).statusCode).toBe(200)
    expect(await row()).toEqual({ failedLogins: 0, lockedUntil: null })
  })

  it('treats an unknown username the same way, so a lock reveals nothing', async () => {
    for (let i = 1; i <= LOCK_AFTER; i++) expect((await login('nobody.here', `guess-${i}`)).statusCode).toBe(401)
    const res = await login('nobody.here', 'anything')
    expect(res.statusCode).toBe(429)
    expect(res.json().error.code).toBe('locked')
  })
})

describe('per-IP rate limit on sign-in', () => {
  it(`answers 429 with Retry-After in the one error shape after ${SIGN_IN_RATE_LIMIT.max} attempts a minute from one address`, async () => {
    const statuses: number[] = []
    for (let i = 0; i < SIGN_IN_RATE_LIMIT.max; i++) {
      statuses.push((await login(`spray-${i}`, 'wrong-password', '192.0.2.7')).statusCode)
    }
    expect(statuses.slice(0, SIGN_IN_RATE_LIMIT.max).every((s) => s === 401)).toBe(true)
    const limited = await login('spray-last', 'wrong-password', '192.0.2.7')
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/too many requests/) } })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // Another address is not affected.
    expect((await login('spray-other', 'wrong-password', '192.0.2.8')).statusCode).toBe(401)
  })

  it('limits kiosk pairing the same way', async () => {
    for (let i = 0; i < SIGN_IN_RATE_LIMIT.max; i++) {
      await app.inject({ method: 'POST', url: '/api/v1/session/kiosk', payload: { token: `guess-${i}` }, remoteAddress: '192.0.2.9' })
    }
    const limited = await app.inject({ method: 'POST', url: '/api/v1/session/kiosk', payload: { token: 'guess' }, remoteAddress: '192.0.2.9' })
    expect(limited.statusCode).toBe(429)
    expect(limited.json().error.code).toBe('rate_limited')
  })
})
