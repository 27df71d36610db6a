import { describe, expect, it } from 'vitest'
import { bootstrap, DEMO_USERS } from '../../server/bootstrap.ts'
import { build, testConfig } from '../helpers/app.ts'

const { app } = await build()

describe('first start on an empty database', () => {
  it('creates the administrator, the feed, the demo users and publishes the default rules — once', async () => {
    const config = testConfig({ adminPassword: 'a-long-admin-password', feedToken: 'f'.repeat(32), demo: true })
    const first = await bootstrap(app.db, config)
    expect(first).toMatchObject({ createdAdmin: true, createdFeed: true, publishedDefaultRules: true })
    // `admin` came from ADMIN_PASSWORD, so the demo admin is skipped.
    expect(first.demoUsers.map((u) => u.username)).toEqual(DEMO_USERS.map((u) => u.username).filter((u) => u !== 'admin'))

    const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: 'a-long-admin-password' } })
    expect(login.statusCode).toBe(200)
    const events = await app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${'f'.repeat(32)}` }, payload: [] })
    expect(events.statusCode).toBe(202)
    const live = await app.inject({ url: '/api/v1/rulesets/live', headers: { cookie: `sid=${login.cookies.find((c) => c.name === 'sid')!.value}` } })
    expect(live.json()).toMatchObject({ status: 'published', createdBy: 'system' })

    const again = await bootstrap(app.db, config)
    expect(again).toEqual({ createdAdmin: false, createdFeed: false, publishedDefaultRules: false, demoUsers: [] })
    expect(await app.db.selectFrom('rulesetVersion').select('id').execute()).toHaveLength(1)
  })
})
