import { describe, expect, it } from 'vitest'
import { build } from '../helpers/app.ts'
import { feedToken, signIn } from '../helpers/auth.ts'
import { townshipCodes } from '../helpers/live.ts'

/**
 * The cases the bad-input properties (api-properties.test.ts) found answering 5xx or an error
 * outside the API's shape, pinned as plain examples so they stay fixed whatever the random draws.
 */

const { app } = await build()
const admin = await signIn(app, ['admin'])
const analyst = await signIn(app, ['analyst'])
const duty = await signIn(app, ['duty'])
const feed = await feedToken(app)

const error = (res: { json: () => unknown }) => (res.json() as { error: { code: string; message: string; fields?: Array<{ field: string; message: string }> } }).error

describe('bad input that used to answer 500 or an error in another shape', () => {
  it('a NUL character in a query string is a 400 naming the parameter, not a database error', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/events?q=a%00b', headers: { cookie: duty.cookie } })
    expect(res.statusCode).toBe(400)
    expect(error(res)).toMatchObject({ code: 'validation', fields: [{ field: 'q', message: expect.stringMatching(/NUL/) }] })
  })

  it('a NUL character in a body string is a 400 naming the field (sign-in, where it reached a query)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin\u0000', password: 'whatever-password' } })
    expect(res.statusCode).toBe(400)
    expect(error(res).fields).toEqual([{ field: 'username', message: expect.stringMatching(/NUL/) }])
    const nested = await app.inject({ method: 'POST', url: '/api/v1/silences', headers: admin.headers, payload: { matchers: { ruleId: 'x\u0000' }, reason: 'r', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } })
    expect(nested.statusCode).toBe(400)
    expect(error(nested).fields).toEqual([{ field: 'matchers.ruleId', message: expect.stringMatching(/NUL/) }])
  })

  it('a lone surrogate in a body string is a 400 naming the field, not a jsonb error in the audit log', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/feeds', headers: { ...admin.headers, 'content-type': 'application/json' }, payload: '{"name":"\\ud800","description":"x"}' })
    expect(res.statusCode).toBe(400)
    expect(error(res).fields).toEqual([{ field: 'name', message: expect.stringMatching(/lone surrogate/) }])
  })

  it('bytes that are not UTF-8 are refused (400 invalid_encoding), never stored as U+FFFD', async () => {
    const [township] = await townshipCodes(app)
    const event = (externalId: string, title: string) => JSON.stringify({ source: 'dispute', externalId, township, category: 'land', occurredAt: new Date().toISOString(), title })
    // "标题" with its last byte cut off: an invalid sequence inside a string.
    const broken = (externalId: string) => {
      const [head, tail] = event(externalId, '@@').split('@@') as [string, string]
      return Buffer.concat([Buffer.from(head), Buffer.from('标题').subarray(0, 5), Buffer.from(tail)])
    }
    for (const [contentType, payload] of [
      ['application/json', broken('utf8-json')],
      ['application/x-ndjson', Buffer.concat([Buffer.from(event('utf8-ok', 'ok') + '\n'), broken('utf8-ndjson')])],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${feed}`, 'content-type': contentType }, payload })
      expect(res.statusCode, contentType).toBe(400)
      expect(error(res)).toEqual({ code: 'invalid_encoding', message: 'request body is not valid UTF-8' })
    }
    const stored = await app.db.selectFrom('event').select('externalId').where('externalId', 'in', ['utf8-json', 'utf8-ok', 'utf8-ndjson']).execute()
    expect(stored).toEqual([])
    // The same bytes, complete, are accepted: only the encoding was wrong.
    const ok = await app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${feed}`, 'content-type': 'application/json; charset=utf-8' }, payload: Buffer.from(event('utf8-fine', '标题')) })
    expect(ok.statusCode).toBe(202)
  })

  it('a date before 1900 (year 0 fails in PostgreSQL) is a 400 naming the field', async () => {
    const audit = await app.inject({ method: 'GET', url: '/api/v1/audit?from=0000-01-01T00:00:00Z', headers: admin.headers })
    expect(audit.statusCode).toBe(400)
    expect(error(audit).fields).toEqual([{ field: 'from', message: 'must not be before 1900' }])
    const calendar = await app.inject({ method: 'POST', url: '/api/v1/calendar', headers: analyst.headers, payload: { name: 'x', startsAt: '0001-01-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' } })
    expect(calendar.statusCode).toBe(400)
    expect(error(calendar).fields).toEqual([{ field: 'startsAt', message: 'must not be before 1900' }])
  })

  it('an id beyond the integer column is a 400 naming the parameter, not a database overflow', async () => {
    for (const url of ['/api/v1/alerts/2147483648', '/api/v1/rulesets/99999999999', '/api/v1/silences/2147483648']) {
      const res = await app.inject({ method: url.includes('silences') ? 'DELETE' : 'GET', url, headers: url.includes('rulesets') ? analyst.headers : admin.headers })
      expect(res.statusCode, url).toBe(400)
      expect(error(res).fields, url).toEqual([{ field: 'id', message: expect.any(String) }])
    }
    const basedOn = await app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { basedOn: 2 ** 40, levels: { yellow: 30, orange: 55, red: 80 }, hysteresis: 5, rules: [] } })
    expect(basedOn.statusCode).toBe(400)
    expect(error(basedOn).fields).toEqual([expect.objectContaining({ field: 'basedOn' })])
  })

  it('a forged cursor with a date or an id outside the database range is a 400 naming the cursor', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url')
    for (const url of [
      `/api/v1/events?cursor=${b64('["-271821-04-20T00:00:00Z",1]')}`,
      `/api/v1/events?cursor=${b64('["+275760-09-13T00:00:00Z",1]')}`,
      `/api/v1/alerts?cursor=${b64('1.99999999999')}`,
      `/api/v1/alerts?cursor=${b64('1.2147483648')}`,
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie: duty.cookie } })
      expect(res.statusCode, url).toBe(400)
      expect(error(res).fields, url).toEqual([{ field: 'cursor', message: expect.any(String) }])
    }
  })

  it('a validation error on a route with its own 400 schema keeps the error shape (was a response-serialisation 500)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { comment: -1 } })
    expect(res.statusCode).toBe(400)
    expect(error(res)).toMatchObject({ code: 'validation', fields: [{ field: 'comment', message: expect.any(String) }] })
  })

  it('an unknown top-level key in a rule set names the body, not an empty field', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { '': '' } })
    expect(res.statusCode).toBe(400)
    for (const f of error(res).fields!) expect(f.field).not.toBe('')
  })

  it('a path that is not valid percent-encoding or UTF-8, or an overlong parameter, answers in the error shape', async () => {
    for (const url of ['/api/v1/users/%', '/api/v1/alerts/%ED%A0%80/ack', '/api/v1/townships/%zz']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(400)
      expect(error(res), url).toMatchObject({ code: 'bad_url', fields: [{ field: '(path)', message: expect.any(String) }] })
      // Answered before routing, so before helmet's hooks: the headers are set by the error path.
      expect(res.headers['x-content-type-options'], url).toBe('nosniff')
    }
    const long = await app.inject({ method: 'GET', url: `/api/v1/rulesets/${'x'.repeat(400)}` })
    expect(long.statusCode).toBe(414)
    expect(error(long).code).toBe('uri_too_long')
  })

  it('a malformed multipart body is a 400 naming the body, a file under another name a 400 naming it', async () => {
    const truncated = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...admin.headers, 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\ngarbage' })
    expect(truncated.statusCode).toBe(400)
    expect(error(truncated).fields).toEqual([{ field: '(body)', message: expect.any(String) }])
    const boundary = 'b'
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="ledger"; filename="a.csv"\r\n\r\na,b\r\n--${boundary}--\r\n`
    const misnamed = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...admin.headers, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload })
    expect(misnamed.statusCode).toBe(400)
    expect(error(misnamed).fields).toEqual([{ field: 'ledger', message: expect.any(String) }])
  })

  it('a rule set of 50,000 rules is refused by its size, naming rules, not checked rule by rule into megabytes of errors', async () => {
    const payload = `{"levels":{"yellow":30,"orange":55,"red":80},"hysteresis":5,"rules":[${'{},'.repeat(49_999)}{}]}`
    for (const url of ['/api/v1/rulesets', '/api/v1/rulesets/validate']) {
      const res = await app.inject({ method: 'POST', url, headers: { ...analyst.headers, 'content-type': 'application/json' }, payload })
      expect(res.statusCode, url).toBe(400)
      expect(error(res).fields, url).toEqual([{ field: 'rules', message: 'at most 200 rules' }])
    }
  })

  it('a file that is not a readable ledger names the file', async () => {
    const boundary = 'b'
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\nPK\u0003\u0004garbage\r\n--${boundary}--\r\n`
    const res = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...admin.headers, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload })
    expect(res.statusCode).toBe(400)
    expect(error(res)).toMatchObject({ code: 'bad_ledger', fields: [{ field: 'file', message: expect.any(String) }] })
  })

  it('an events body that is neither an object nor an array names the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${feed}`, 'content-type': 'application/json' }, payload: '"\' OR 1=1 --"' })
    expect(res.statusCode).toBe(400)
    expect(error(res).fields).toEqual([{ field: '(body)', message: expect.any(String) }])
  })
})
