// Cases (DESIGN §6; docs/architecture.md §6, "Cases"): grouping, the REST routes, actions on a
// case applied to its alerts, the acknowledgement deadline escalating once, /live case events.
import { afterAll, describe, expect, it, vi } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { testConfig } from '../helpers/app.ts'
import { feedToken, signIn, type SignedIn } from '../helpers/auth.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { baseUrl, closeAllClients, connectLive, decision, townshipCodes } from '../helpers/live.ts'
import { type Hit, HttpReceivers } from '../helpers/notification-receivers.ts'

const http = new HttpReceivers({ dingtalk: 'x', feishu: 'y' })
await http.start()
const database = await createTestDatabase()
const app = await buildApp({ config: testConfig(), database, logger: false, alerts: { escalationIntervalMs: 0 }, notifications: { pollMs: 20, backoffMs: 20, maxBackoffMs: 80, timeoutMs: 2000 } })
await app.ready()
await app.listen({ port: 0, host: '127.0.0.1' })
afterAll(async () => {
  closeAllClients()
  await app.close()
  await database.close()
  await http.stop()
})

const [T1, T2, T3, T4, T5] = (await townshipCodes(app)) as [string, string, string, string, string]
const duty = await signIn(app, ['duty'])
const admin = await signIn(app, ['admin'])
const officer2 = await signIn(app, ['township'], { township: T2 })
const analyst = await signIn(app, ['analyst'])
// Only the mass-incident rule: no silence or threshold alerts of the engine's own in the other tests' townships.
const draft = await app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { ...DEFAULT_RULE_SET, rules: DEFAULT_RULE_SET.rules.filter((r) => r.id === 'mass-incident'), comment: 'cases test' } })
expect(draft.statusCode, draft.body).toBe(201)
expect((await app.inject({ method: 'POST', url: `/api/v1/rulesets/${draft.json().id}/publish`, headers: analyst.headers, payload: { comment: 'live' } })).statusCode).toBe(200)
const M = 60_000
let n = 0
const fresh = () => `case-rule-${++n}`
const distinct = (hits: Hit[]) => [...new Map(hits.map((h) => [String(h.headers['idempotency-key']), h])).values()]

const getCase = async (id: number, who: SignedIn = duty) => app.inject({ method: 'GET', url: `/api/v1/cases/${id}`, headers: who.headers })
const act = (id: number, action: string, body: Record<string, unknown>, who: SignedIn = duty) => app.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers: who.headers, payload: body })

describe('grouping', () => {
  it('a mass incident posted by a feed: its rule alert and level alert form one case, with what happened masked and the rule name kept', async () => {
    const token = await feedToken(app)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${token}` },
      payload: { source: 'incident', externalId: 'mass-1', township: T1, category: 'mass', peopleCount: 40, severity: 4, occurredAt: new Date().toISOString(), title: '张三 等人聚集', parties: [{ name: '张三', phone: '13800000000' }] },
    })
    expect(res.statusCode, res.body).toBe(202)
    const alerts = await vi.waitFor(async () => {
      const list = (await app.inject({ method: 'GET', url: `/api/v1/alerts?township=${T1}`, headers: duty.headers })).json() as { items: any[] }
      expect(list.items.length).toBeGreaterThanOrEqual(2)
      return list.items
    }, { timeout: 20_000, interval: 50 })
    const rule = alerts.find((a) => a.ruleId === 'mass-incident')
    const level = alerts.find((a) => a.ruleId === null)
    expect(rule).toMatchObject({ ruleName: expect.any(String), level: 'red', caseId: expect.any(Number), ackDeadline: expect.any(String) })
    expect(level).toMatchObject({ ruleName: null, caseId: rule.caseId })
    // red: 10 minutes to sign for it, by default
    expect(Date.parse(rule.ackDeadline) - Date.parse(rule.updatedAt)).toBeLessThanOrEqual(10 * M)
    const list = (await app.inject({ method: 'GET', url: `/api/v1/cases?township=${T1}`, headers: duty.headers })).json() as { items: any[] }
    expect(list.items).toHaveLength(1)
    const c = list.items[0]
    expect(c).toMatchObject({ township: { code: T1 }, level: 'red', status: 'new', alertCount: 2, event: { source: 'incident', category: 'mass', peopleCount: 40, severity: 4 } })
    expect(c.alerts.map((a: any) => a.id).sort()).toEqual([rule.id, level.id].sort())
    expect(JSON.stringify(c)).not.toContain('张三')
    expect(JSON.stringify(c)).not.toContain('13800000000')
  })

  it('alerts of one township within the window join; later ones, and other townships, open their own', async () => {
    const t0 = Date.now()
    const [a] = await app.alerts.applyDecisions([decision(T3, { ruleId: fresh(), level: 'yellow', at: t0, eventId: 9001 })])
    const [b] = await app.alerts.applyDecisions([decision(T3, { ruleId: fresh(), level: 'orange', at: t0 + 20 * M, eventId: 9002 })])
    const [c] = await app.alerts.applyDecisions([decision(T3, { ruleId: fresh(), level: 'yellow', at: t0 + 31 * M, eventId: 9003 })])
    const [d] = await app.alerts.applyDecisions([decision(T4, { ruleId: fresh(), level: 'yellow', at: t0, eventId: 9001 })])
    // The same triggering event as the first, long after the window: still that case.
    const [e] = await app.alerts.applyDecisions([decision(T3, { ruleId: fresh(), level: 'yellow', at: t0 + 5 * 60 * M, eventId: 9001 })])
    expect(b!.caseId).toBe(a!.caseId)
    expect(c!.caseId).not.toBe(a!.caseId)
    expect(d!.caseId).not.toBe(a!.caseId)
    expect(e!.caseId).toBe(a!.caseId)
    const detail = (await getCase(a!.caseId!)).json()
    // the case is at its highest member level; its acknowledgement deadline is its earliest
    expect(detail.case).toMatchObject({ level: 'orange', alertCount: 3, status: 'new' })
    expect(detail.alerts.map((x: any) => x.id)).toEqual([a!.alertId, b!.alertId, e!.alertId])
    expect(detail.timeline.map((t: any) => t.alertId)).toEqual(expect.arrayContaining([a!.alertId, b!.alertId]))
  })

  it('a silenced alert joins no case until it is shown', async () => {
    const ruleId = fresh()
    await app.db.insertInto('silence').values({ matchers: JSON.stringify({ ruleId }), reason: 'maintenance', createdBy: 'test', expiresAt: new Date(Date.now() + 3600_000) }).execute()
    const [quiet] = await app.alerts.applyDecisions([decision(T5, { ruleId })])
    expect(quiet).toMatchObject({ push: null, caseId: null })
    expect(quiet!.alert.ackDeadline).toBeNull()
  })
})

describe('actions on a case apply to its alerts', () => {
  it('ack with the case version moves both alerts; a stale version and an illegal step are 409; fields are 400; other townships 404', async () => {
    const t0 = Date.now()
    const [a, b] = await app.alerts.applyDecisions([decision(T2, { ruleId: fresh(), level: 'red', at: t0, eventId: 7001 }), decision(T2, { ruleId: null, level: 'red', at: t0, eventId: 7001 })])
    expect(b!.caseId).toBe(a!.caseId)
    const id = a!.caseId!
    const before = (await getCase(id)).json().case
    const illegal = await act(id, 'resolve', { version: before.version, resolution: 'x' })
    expect(illegal.statusCode).toBe(409)
    expect(illegal.json()).toMatchObject({ error: { code: 'illegal_transition' }, allowed: ['ack', 'escalate', 'comment'] })
    const missing = await act(id, 'ack', {})
    expect(missing.statusCode).toBe(400)
    expect(JSON.stringify(missing.json())).toContain('version')
    const badDeadline = await act(id, 'dispatch', { version: before.version, department: 'd', leadOfficial: 'l', deadline: 'tomorrow' })
    expect(badDeadline.statusCode).toBe(400)
    expect(JSON.stringify(badDeadline.json())).toContain('deadline')
    expect((await getCase(id, await signIn(app, ['township'], { township: T1 }))).statusCode).toBe(404)

    const ack = await act(id, 'ack', { version: before.version, note: '已签收' }, officer2)
    expect(ack.statusCode, ack.body).toBe(200)
    const body = ack.json()
    expect(body.case).toMatchObject({ status: 'acknowledged', acknowledgedAt: expect.any(String) })
    expect(body.alerts.map((x: any) => x.state)).toEqual(['acknowledged', 'acknowledged'])
    const stale = await act(id, 'dispatch', { version: before.version, department: 'd', leadOfficial: 'l', deadline: new Date(Date.now() + 86_400_000).toISOString() })
    expect(stale.statusCode).toBe(409)
    expect(stale.json()).toMatchObject({ error: { code: 'stale' }, case: { version: body.case.version } })

    const deadline = new Date(Date.now() + 86_400_000).toISOString()
    const dispatched = await act(id, 'dispatch', { version: body.case.version, department: '信访办', leadOfficial: '王书记', deadline })
    expect(dispatched.statusCode, dispatched.body).toBe(200)
    expect(dispatched.json().case).toMatchObject({ status: 'dispatched', department: '信访办', leadOfficial: '王书记', deadline })
    // The members' own timelines and the audit log show it, one row each plus one for the case.
    const audit = await app.db.selectFrom('audit').select(['action', 'target']).where('actor', '=', duty.username).where('action', 'in', ['case.dispatch', 'alert.dispatch']).execute()
    expect(audit.filter((r) => r.action === 'alert.dispatch' && [`alert:${a!.alertId}`, `alert:${b!.alertId}`].includes(r.target!))).toHaveLength(2)
    expect(audit.filter((r) => r.action === 'case.dispatch' && r.target === `case:${id}`)).toHaveLength(1)
    // Acting on one alert alone keeps the case in step: it is at its least advanced member.
    const one = (await app.inject({ method: 'GET', url: `/api/v1/alerts/${a!.alertId}`, headers: duty.headers })).json().alert
    const resolved = await app.inject({ method: 'POST', url: `/api/v1/alerts/${one.id}/resolve`, headers: duty.headers, payload: { version: one.version, resolution: '已化解' } })
    expect(resolved.statusCode).toBe(200)
    expect((await getCase(id)).json().case.status).toBe('dispatched')
    const c2 = (await getCase(id)).json().case
    const rest = await act(id, 'resolve', { version: c2.version, resolution: '已化解' })
    expect(rest.json().case).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) })
    // A resolved case takes no new members: the same event again opens a new case.
    const [again] = await app.alerts.applyDecisions([decision(T2, { ruleId: fresh(), level: 'orange', at: Date.now(), eventId: 7001 })])
    expect(again!.caseId).not.toBe(id)
  })

  it('lists filter by status, level, township and overdue, with field errors for bad values', async () => {
    const bad = await app.inject({ method: 'GET', url: '/api/v1/cases?status=pending&level=purple&overdue=maybe', headers: duty.headers })
    expect(bad.statusCode).toBe(400)
    const fields = JSON.stringify(bad.json())
    for (const f of ['status', 'level', 'overdue']) expect(fields).toContain(f)
    const red = (await app.inject({ method: 'GET', url: '/api/v1/cases?level=red&status=open', headers: duty.headers })).json() as { items: any[] }
    expect(red.items.length).toBeGreaterThan(0)
    expect(red.items.every((c) => c.level === 'red' && c.status !== 'closed')).toBe(true)
    const mine = (await app.inject({ method: 'GET', url: '/api/v1/cases', headers: officer2.headers })).json() as { items: any[] }
    expect(mine.items.every((c) => c.township.code === T2)).toBe(true)
    const page = (await app.inject({ method: 'GET', url: '/api/v1/cases?limit=1', headers: duty.headers })).json() as { items: any[]; nextCursor: string }
    const next = (await app.inject({ method: 'GET', url: `/api/v1/cases?limit=1&cursor=${page.nextCursor}`, headers: duty.headers })).json() as { items: any[] }
    expect(next.items[0].id).not.toBe(page.items[0].id)
  })
})

describe('the acknowledgement deadline', () => {
  it('an unacknowledged red case escalates at its deadline exactly once, and the route’s channel is told once per case', async () => {
    const ch = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: admin.headers, payload: { kind: 'webhook', name: 'desk', url: `${http.url}/desk` } })
    expect(ch.statusCode, ch.body).toBe(201)
    const route = await app.inject({ method: 'POST', url: '/api/v1/notification-routes', headers: admin.headers, payload: { name: 'T5 red', match: { townships: [T5], levels: ['red'] }, channels: [ch.json().id] } })
    expect(route.statusCode, route.body).toBe(201)
    const now = Date.now()
    const [a, b] = await app.alerts.applyDecisions([decision(T5, { ruleId: fresh(), level: 'red', at: now, eventId: 8001 }), decision(T5, { ruleId: null, level: 'red', at: now, eventId: 8001 })], { now: new Date(now) })
    const id = a!.caseId!
    expect(b!.caseId).toBe(id)
    const c = (await getCase(id)).json().case
    expect(Date.parse(c.ackDeadline)).toBe(now + 10 * M)
    await vi.waitFor(() => expect(distinct(http.on('/desk'))).toHaveLength(2), { timeout: 10_000, interval: 20 })

    expect((await app.alerts.escalateUnacknowledged(new Date(now + 10 * M - 1))).filter((e) => e.caseId === id)).toEqual([])
    // Two scans at once (two processes): one wins.
    const [x, y] = await Promise.all([app.alerts.escalateUnacknowledged(new Date(now + 10 * M)), app.alerts.escalateUnacknowledged(new Date(now + 10 * M + 5))])
    const escalated = [...x, ...y].filter((ch) => ch.caseId === id)
    expect(escalated.map((e) => e.alertId).sort()).toEqual([a!.alertId, b!.alertId].sort())
    expect(escalated.every((e) => e.action === 'escalate' && e.actor === 'system')).toBe(true)
    expect((await app.alerts.escalateUnacknowledged(new Date(now + 60 * M))).filter((e) => e.caseId === id)).toEqual([])
    const after = (await getCase(id)).json()
    expect(after.case).toMatchObject({ escalated: true, status: 'new' })
    // whichever of the two scans took the lock first claimed it
    expect([now + 10 * M, now + 10 * M + 5]).toContain(Date.parse(after.case.ackEscalatedAt))
    expect(after.alerts.every((al: any) => al.escalated)).toBe(true)
    const audit = await app.db.selectFrom('audit').select('action').where('target', '=', `case:${id}`).execute()
    expect(audit.map((r) => r.action)).toEqual(['case.escalate'])
    await vi.waitFor(() => expect(distinct(http.on('/desk'))).toHaveLength(3), { timeout: 10_000, interval: 20 })
    await new Promise((r) => setTimeout(r, 200))
    const messages = distinct(http.on('/desk'))
    expect(messages).toHaveLength(3)
    expect(messages.at(-1)!.json.commonLabels).toMatchObject({ kind: 'escalated', township: T5, severity: 'red' })
  })

  it('a case signed for in time never escalates by the clock; yellow has 2 hours', async () => {
    const now = Date.now()
    const [a] = await app.alerts.applyDecisions([decision(T4, { ruleId: fresh(), level: 'yellow', at: now + 3 * 60 * M, eventId: 8101 })], { now: new Date(now) })
    const c = (await getCase(a!.caseId!)).json().case
    expect(Date.parse(c.ackDeadline)).toBe(now + 120 * M)
    expect((await act(c.id, 'ack', { version: c.version })).statusCode).toBe(200)
    expect((await app.alerts.escalateUnacknowledged(new Date(now + 300 * M))).filter((x) => x.caseId === c.id)).toEqual([])
  })
})

describe('/live', () => {
  it('pushes case:new and case:updated after the alert change, and replays them from an offset', async () => {
    const client = await connectLive(baseUrl(app), { cookie: duty.headers.cookie })
    const [a] = await app.alerts.applyDecisions([decision(T4, { ruleId: fresh(), level: 'orange', at: Date.now() + 10 * 60 * M, eventId: 8201 })])
    const created = await client.waitFor(() => client.of('case:new').find((m) => m.case.id === a!.caseId), 'case:new')
    expect(created).toMatchObject({ seq: a!.seq, case: { alertIds: [a!.alertId], status: 'new' } })
    const order = client.received.map((r) => r.event)
    expect(order.indexOf('alert:new')).toBeLessThan(order.indexOf('case:new'))
    const ack = await act(a!.caseId!, 'ack', { version: created.case.version })
    expect(ack.statusCode).toBe(200)
    await client.waitFor(() => client.of('case:updated').find((m) => m.case.id === a!.caseId && m.case.status === 'acknowledged'), 'case:updated')
    const replay = await connectLive(baseUrl(app), { cookie: duty.headers.cookie, offset: a!.seq - 1 })
    await replay.waitFor(() => replay.of('case:updated').find((m) => m.case.id === a!.caseId && m.case.status === 'acknowledged'), 'replayed case:updated')
    expect(replay.of('case:new').find((m) => m.case.id === a!.caseId)).toBeDefined()
  })
})
