import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { loggerOptions, redactUrl } from '../../server/app.ts'
import { createUser } from '../../server/modules/users/repository.ts'
import { build, testConfig } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

// The app as production logs it (JSON, every level), writing into memory.
const lines: string[] = []
const stream = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk))
    done()
  },
})
const config = { logLevel: 'trace', production: true } as const
const { app } = await build({
  config,
  logger: { ...(loggerOptions(testConfig(config)) as object), stream },
  // A route that fails the way a bug does, with SQL in its message.
  prepare: (app) =>
    app.get('/test/boom', async () => {
      throw new Error('relation "app_user" column password_hash: select * from app_user')
    }),
})

const PASSWORD = 'a-very-secret-password-1'

describe('secrets never reach logs or responses', () => {
  it('keeps passwords, session, CSRF and feed tokens out of the log', async () => {
    await createUser(app.db, { username: 'log.admin', password: PASSWORD, roles: ['admin'] })
    const bad = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'log.admin', password: `${PASSWORD}-wrong` } })
    expect(bad.statusCode).toBe(401)
    const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'log.admin', password: PASSWORD } })
    expect(login.statusCode).toBe(200)
    const sessionToken = login.cookies.find((c) => c.name === 'sid')!.value
    const csrfToken = login.json().csrfToken as string
    const headers = { cookie: `sid=${sessionToken}`, 'x-csrf-token': csrfToken }

    const feed = await app.inject({ method: 'POST', url: '/api/v1/feeds', headers, payload: { name: 'log-feed' } })
    expect(feed.statusCode).toBe(201)
    const feedToken = feed.json().token as string
    const feedCall = await app.inject({ url: '/api/v1/townships', headers: { authorization: `Bearer ${feedToken}` } })
    expect(feedCall.statusCode).toBe(403)
    const kiosk = await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers, payload: { name: 'log-wall' } })
    const pairToken = kiosk.json().token as string
    await app.inject({ url: `/wall?pair=${pairToken}` })
    await app.inject({ method: 'POST', url: '/api/v1/session/kiosk', payload: { token: pairToken } })
    await app.inject({ url: '/test/boom', headers })

    const log = lines.join('')
    // The capture works: the failed sign-in and the internal error were logged.
    expect(log).toContain('bad_credentials')
    expect(log).toContain('request failed')
    for (const secret of [PASSWORD, sessionToken, csrfToken, feedToken, pairToken]) {
      expect(log).not.toContain(secret)
    }
  })

  it('keeps a refused ledger line’s values (an ID number, a phone) out of the log', async () => {
    const duty = await signIn(app, ['duty'])
    const ID = '990100198807074321'
    const PHONE = '13912345678'
    const csv = `来源,编号,乡镇,类别,发生时间,当事人姓名,身份证号,联系电话\ndispute,L-1,990100001,neighbour,2026-11-01 10:00,王某,${ID}"x",${PHONE}\n`
    const boundary = '----secrets-test'
    const payload = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="ledger.csv"\r\ncontent-type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`)
    const before = lines.length
    const res = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...duty.headers, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload })
    expect(res.statusCode).toBe(400)
    const log = lines.slice(before).join('')
    // The capture works: the refusal was logged.
    expect(log).toContain('bad_ledger')
    expect(log).not.toContain(ID)
    expect(log).not.toContain(PHONE)
    expect(res.body).not.toContain(ID)
  })

  it('never returns a password or token hash from any admin list', async () => {
    await createUser(app.db, { username: 'hash.admin', password: PASSWORD, roles: ['admin'] })
    const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'hash.admin', password: PASSWORD } })
    const headers = { cookie: `sid=${login.cookies.find((c) => c.name === 'sid')!.value}` }
    for (const url of ['/api/v1/users', '/api/v1/feeds', '/api/v1/kiosks', '/api/v1/audit', '/api/v1/session']) {
      const res = await app.inject({ url, headers })
      expect(res.statusCode, url).toBe(200)
      expect(res.body, url).not.toMatch(/passwordHash|password_hash|tokenHash|token_hash|\$argon2/)
    }
  })

  it('answers an internal error with code "internal": no stack, no SQL', async () => {
    const res = await app.inject('/test/boom')
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: { code: 'internal', message: expect.any(String) } })
    expect(res.body).not.toMatch(/select|app_user|password_hash|at .*\.ts:\d+/)
  })

  it('redacts credentials in logged URLs', () => {
    expect(redactUrl('/wall?pair=abc&x=1')).toBe('/wall?pair=[redacted]&x=1')
    expect(redactUrl('/a?Token=abc')).toBe('/a?Token=[redacted]')
    expect(redactUrl('/a?%zz=1&token')).toBe('/a?%zz=1&token=[redacted]')
    expect(redactUrl('/a')).toBe('/a')
  })
})

describe('security headers', () => {
  it('sends a Content-Security-Policy the client works under, on API and docs alike', async () => {
    for (const url of ['/api/v1/health', '/api/docs/', '/api/docs/swagger-initializer.js']) {
      const res = await app.inject(url)
      const csp = String(res.headers['content-security-policy'])
      expect(csp, url).toContain("script-src 'self'")
      expect(csp, url).toContain("style-src 'self' 'unsafe-inline'")
      expect(csp, url).toContain("img-src 'self' data: blob:")
      expect(csp, url).toContain("connect-src 'self' ws: wss:")
      expect(csp, url).toContain("worker-src 'self' blob:")
      expect(csp, url).toContain("frame-ancestors 'none'")
      expect(csp, url).toContain("object-src 'none'")
      expect(csp, url).not.toContain('upgrade-insecure-requests')
    }
    expect((await app.inject('/api/v1/health')).headers['x-content-type-options']).toBe('nosniff')
  })

  it('serves API docs that need no inline script (so script-src self is enough)', async () => {
    const res = await app.inject('/api/docs/')
    expect(res.statusCode).toBe(200)
    const scripts = res.body.match(/<script\b[^>]*>/g) ?? []
    expect(scripts.length).toBeGreaterThan(0)
    for (const tag of scripts) expect(tag).toMatch(/\bsrc=/)
    expect(res.body).not.toMatch(/<script\b(?![^>]*\bsrc=)[^>]*>\s*\S/)
  })
})
