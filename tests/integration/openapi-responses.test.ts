import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { type Caller, outcomeFor } from '../helpers/access-oracle.ts'
import { build } from '../helpers/app.ts'
import { feedToken, pairKiosk, signIn, type SignedIn } from '../helpers/auth.ts'
import { decision, townshipCodes } from '../helpers/live.ts'

/**
 * Real responses against the document's word (docs/architecture.md §13, the API description): every GET
 * operation the OpenAPI document lists is called — by every kind of caller allowed to call it (the
 * hand-written oracle, tests/helpers/access-oracle.ts), on real data made through the API — and each
 * 2xx body is validated against the operation's declared response schema by an independent validator
 * (Ajv, with OpenAPI 3.0's `nullable`), strictly: an enum that leaves out `null` refuses a real null.
 * A GET in the document that this test did not call fails it.
 */

// ajv-formats is CommonJS: its default export arrives as the module object under Node's ESM loader.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv

interface Document {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>
}

const { app } = await build()
const [T1, T2] = await townshipCodes(app)
const doc = (await app.inject('/api/docs/json')).json() as Document

const callers: Partial<Record<Caller, SignedIn>> = {
  admin: await signIn(app, ['admin']),
  analyst: await signIn(app, ['analyst']),
  duty: await signIn(app, ['duty']),
  leader: await signIn(app, ['leader']),
  township: await signIn(app, ['township'], { township: T1 }),
  kiosk: await pairKiosk(app),
}
const { admin, analyst, duty } = callers as Record<'admin' | 'analyst' | 'duty', SignedIn>

async function ok(method: 'POST' | 'PUT', url: string, who: SignedIn | { authorization: string }, payload: unknown): Promise<any> {
  const headers = 'headers' in who ? who.headers : who
  const res = await app.inject({ method, url, headers, payload: payload as object })
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
  return res.json()
}

// Real data behind every list and every id, made the way a centre makes it.
const draft = await ok('POST', '/api/v1/rulesets', analyst, { ...DEFAULT_RULE_SET, comment: 'openapi responses' })
await ok('POST', `/api/v1/rulesets/${draft.id}/publish`, analyst, { comment: 'live' })
const feed = await feedToken(app)
await ok('POST', '/api/v1/events', { authorization: `Bearer ${feed}` }, {
  source: 'incident', externalId: 'openapi-1', township: T1, category: 'mass', peopleCount: 30, severity: 4,
  occurredAt: new Date().toISOString(), title: '聚集', parties: [{ name: '张三', phone: '13800000000' }],
})
const events = (await app.inject({ method: 'GET', url: `/api/v1/events?township=${T1}`, headers: duty.headers })).json() as { items: Array<{ id: number }> }
expect(events.items.length).toBeGreaterThan(0)
const eventId = events.items[0]!.id
const channel = await ok('POST', '/api/v1/channels', admin, { kind: 'webhook', name: 'openapi desk', url: 'http://127.0.0.1:9/hook' })
await ok('POST', '/api/v1/notification-routes', admin, { name: 'openapi', match: { townships: [T1] }, channels: [channel.id] })
// Two alerts in the officer's township: one stays open (satisfaction null), one closed after its follow-up visit.
const [open, done] = await app.alerts.applyDecisions([
  decision(T1, { ruleId: 'openapi-open', level: 'red', eventId }),
  decision(T1, { ruleId: 'openapi-closed', level: 'yellow', eventId }),
])
await app.alerts.applyDecisions([decision(T2, { ruleId: 'openapi-elsewhere', eventId })])
let version: number = done!.alert.version
for (const [action, body] of [
  ['ack', {}],
  ['dispatch', { department: '信访办', leadOfficial: '李四', deadline: new Date(Date.now() + 86_400_000).toISOString() }],
  ['resolve', { resolution: '已化解' }],
  ['close', { followUp: '回访满意', satisfaction: 'satisfied' }],
] as const) {
  version = (await ok('POST', `/api/v1/alerts/${done!.alertId}/${action}`, duty, { version, ...body })).alert.version
}
const now = Date.now()
await ok('POST', '/api/v1/calendar', analyst, { name: '两会', startsAt: new Date(now - 86_400_000).toISOString(), endsAt: new Date(now + 86_400_000).toISOString() })
await ok('POST', '/api/v1/silences', admin, { matchers: { ruleId: 'openapi-muted' }, reason: 'test', expiresAt: new Date(now + 3_600_000).toISOString() })
await ok('POST', '/api/v1/roster', admin, { startsAt: new Date(now - 3_600_000).toISOString(), endsAt: new Date(now + 8 * 3_600_000).toISOString(), dutyOfficer: '李值班', shiftLeader: '王带班' })
const county = (await app.inject({ method: 'GET', url: '/api/v1/geo/county', headers: admin.headers })).json()
await ok('PUT', '/api/v1/geo/county', admin, county)
{
  // A ledger import, for the list of imports.
  const boundary = '----openapi-ledger'
  const csv = `来源,编号,乡镇,类别,发生时间\n矛盾纠纷,OPENAPI-1,${T1},邻里,2026-10-05 09:30\n`
  const payload = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="台账.csv"\r\n\r\n${csv}\r\n--${boundary}--\r\n`)
  const res = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...duty.headers, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload })
  expect(res.statusCode, res.body).toBe(200)
}

/** A real value for each path parameter of each route (a township officer's own township, for `:code`). */
function pathFor(path: string): string {
  const ids: Record<string, number> = { alerts: open!.alertId, cases: open!.alert.caseId!, events: eventId, rulesets: draft.id }
  return path.replace(/\/(\w[\w-]*)\/\{(\w+)\}/g, (_, collection: string, name: string) => `/${collection}/${name === 'code' ? T1 : ids[collection]}`)
}

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
ajv.addSchema(doc as object, 'openapi.json')
const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')

const gets = Object.entries(doc.paths).flatMap(([path, ops]) => (ops['get'] ? [{ path, key: `GET ${path.replace(/\{(\w+)\}/g, ':$1')}`, op: ops['get'] }] : []))
const called = new Set<string>()

describe('every GET answers what the OpenAPI document declares', () => {
  it('the document has the GETs this test walks', () => expect(gets.length).toBeGreaterThan(20))

  for (const { path, key, op } of gets) {
    it(`${key}`, async () => {
      const who = (['anonymous', ...Object.keys(callers)] as Caller[]).filter((c) => outcomeFor(key, c) === 'allowed')
      expect(who.length, 'someone may call it').toBeGreaterThan(0)
      const validators = new Map<string, ValidateFunction>()
      let lastBody: unknown
      for (const caller of who) {
        const res = await app.inject({ method: 'GET', url: pathFor(path), headers: caller === 'anonymous' ? {} : callers[caller]!.headers })
        expect(res.statusCode, `${caller}: ${res.body.slice(0, 500)}`).toBeGreaterThanOrEqual(200)
        expect(res.statusCode, `${caller}: ${res.body.slice(0, 500)}`).toBeLessThan(300)
        const status = String(res.statusCode)
        const declared = op.responses[status]?.content?.['application/json']
        expect(declared, `${caller}: ${status} has a declared JSON schema`).toBeDefined()
        if (!validators.has(status)) validators.set(status, ajv.compile({ $ref: `openapi.json#/${pointer('paths', path, 'get', 'responses', status, 'content', 'application/json', 'schema')}` }))
        const validate = validators.get(status)!
        lastBody = res.json()
        const valid = validate(lastBody)
        expect(valid ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`), `${caller}: the body matches the schema`).toEqual([])
      }
      called.add(op.operationId)
      // A list's item schema is checked only if the list has items: the fixtures above give every list some.
      const body = lastBody as unknown
      const list = Array.isArray(body) ? body : Array.isArray((body as { items?: unknown })?.items) ? (body as { items: unknown[] }).items : null
      if (list) expect(list.length, 'the list has items to check').toBeGreaterThan(0)
    })
  }

  it('called every GET operation in the document', () => {
    expect(gets.map((g) => g.op.operationId).filter((id) => !called.has(id))).toEqual([])
  })
})
