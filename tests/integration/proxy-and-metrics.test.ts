import { describe, expect, it } from 'vitest'
import { createUser } from '../../server/modules/users/repository.ts'
import { build } from '../helpers/app.ts'

const METRICS_TOKEN = 'metrics-scraper-token-0123456789'
const behindProxy = await build({ config: { trustProxy: true, metricsToken: METRICS_TOKEN } })
const direct = await build()
await createUser(behindProxy.app.db, { username: 'zhou.proxy', password: 'the-right-password', roles: ['duty'] })
await createUser(direct.app.db, { username: 'zhou.proxy', password: 'the-right-password', roles: ['duty'] })

const signIn = (app: typeof direct.app) =>
  app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'zhou.proxy', password: 'the-right-password' }, headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' } })

describe('TRUST_PROXY', () => {
  it('behind a TLS proxy the session cookie is Secure and the client address is the forwarded one', async () => {
    const res = await signIn(behindProxy.app)
    expect(res.statusCode).toBe(200)
    expect(String(res.headers['set-cookie'])).toMatch(/;\s*Secure/i)
    const audit = await behindProxy.app.db.selectFrom('audit').select('ip').where('action', '=', 'session.login').where('actor', '=', 'zhou.proxy').executeTakeFirstOrThrow()
    expect(audit.ip).toBe('203.0.113.7')
  })

  it('off by default: forwarded headers are not believed', async () => {
    const res = await signIn(direct.app)
    expect(res.statusCode).toBe(200)
    expect(String(res.headers['set-cookie'])).not.toMatch(/;\s*Secure/i)
  })
})

describe('METRICS_TOKEN', () => {
  it('when set, /metrics needs it as a bearer token', async () => {
    expect((await behindProxy.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401)
    expect((await behindProxy.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-wrong-token-wrong' } })).statusCode).toBe(401)
    const ok = await behindProxy.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toContain('shaowang_http_requests_total')
  })

  it('when unset, /metrics stays open (the documented default)', async () => {
    expect((await direct.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200)
  })
})
