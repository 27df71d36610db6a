// Escalation policy steps (docs/architecture.md §6, "Escalation policy"), with the app clock:
// after the acknowledgement deadline escalated an unsigned case, the rule set's steps fire in
// order, each once — with two scans at once (two processes) and across a restart — each on the
// case's timeline and in its audience's routes; signing for the case stops the rest.
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/app.ts'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { testConfig } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { decision, townshipCodes } from '../helpers/live.ts'
import { type Hit, HttpReceivers } from '../helpers/notification-receivers.ts'

const M = 60_000
const http = new HttpReceivers({ dingtalk: 'x', feishu: 'y' })
await http.start()
const database = await createTestDatabase()
const start = () => buildApp({ config: testConfig(), database, logger: false, alerts: { escalationIntervalMs: 0 }, notifications: { pollMs: 20, backoffMs: 20, maxBackoffMs: 80, timeoutMs: 2000 } })
let app: FastifyInstance = await start()
await app.ready()
afterAll(async () => {
  await app.close()
  await database.close()
  await http.stop()
})

const [T1, T2] = (await townshipCodes(app)) as [string, string, ...string[]]
const admin = await signIn(app, ['admin'])
const analyst = await signIn(app, ['analyst'])
const duty = await signIn(app, ['duty'])
const distinct = (hits: Hit[]) => [...new Map(hits.map((h) => [String(h.headers['idempotency-key']), h])).values()]
let n = 0
const fresh = () => `step-rule-${++n}`

async function publish(cases: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { ...DEFAULT_RULE_SET, rules: DEFAULT_RULE_SET.rules.filter((r) => r.id === 'mass-incident'), cases, comment: 'steps' } })
}

async function route(name: string, path: string, audience: string | undefined, township: string) {
  const ch = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: admin.headers, payload: { kind: 'webhook', name, url: `${http.url}${path}` } })
  expect(ch.statusCode, ch.body).toBe(201)
  const r = await app.inject({ method: 'POST', url: '/api/v1/notification-routes', headers: admin.headers, payload: { name, match: { townships: [township] }, channels: [ch.json().id], ...(audience ? { audience } : {}) } })
  expect(r.statusCode, r.body).toBe(201)
  return r.json()
}

const timeline = async (id: number) => (await app.inject({ method: 'GET', url: `/api/v1/cases/${id}`, headers: duty.headers })).json() as { case: any; timeline: any[] }
const steps = async (id: number) => (await timeline(id)).timeline.filter((t) => t.action === 'escalation_step')
const forCase = <C extends { caseId: number | null }>(changes: C[], id: number): C[] => changes.filter((c) => c.caseId === id)

describe('the rule set’s escalation steps', () => {
  it('are validated with a field and a reason', async () => {
    const fieldsOf = (res: { json(): any }) => (res.json().error.fields as Array<{ field: string; message: string }>).map((f) => f.field)
    const order = await publish({ escalation: [{ after: '10m', notify: 'shift_leader' }, { after: '5m', notify: 'county_leader' }, { after: '1s', notify: 'duty' }] })
    expect(order.statusCode).toBe(400)
    expect(fieldsOf(order)).toEqual(['cases.escalation[1].after', 'cases.escalation[2].after'])
    expect(order.json().error.fields[0].message).toBe('each step must come later than the one before it')
    const unknown = await publish({ escalation: [{ after: '20m', notify: '县长' }] })
    expect(unknown.statusCode).toBe(400)
    expect(fieldsOf(unknown)).toEqual(['cases.escalation[0].notify'])
    const tooMany = await publish({ escalation: Array.from({ length: 11 }, (_, i) => ({ after: `${i + 1}m`, notify: 'duty' })) })
    expect(fieldsOf(tooMany)).toEqual(['cases.escalation'])
  })

  it('fire in order once each, on the timeline and to their audience; two scans at once claim each once; a restart repeats none', async () => {
    const draft = await publish({ ackWithin: { red: '10m' }, escalation: [{ after: '10m', notify: 'shift_leader' }, { after: '30m', notify: 'county_leader' }] })
    expect(draft.statusCode, draft.body).toBe(201)
    expect((await app.inject({ method: 'POST', url: `/api/v1/rulesets/${draft.json().id}/publish`, headers: analyst.headers, payload: { comment: 'live' } })).statusCode).toBe(200)
    expect((await route('desk', '/desk', undefined, T1)).audience).toBe('duty')
    await route('leader', '/leader', 'shift_leader', T1)
    await route('county', '/county', 'county_leader', T1)
    const now = Date.now()
    const shift = await app.inject({ method: 'POST', url: '/api/v1/roster', headers: admin.headers, payload: { startsAt: new Date(now - 60 * M).toISOString(), endsAt: new Date(now + 8 * 60 * M).toISOString(), dutyOfficer: '李值班', shiftLeader: '王带班' } })
    expect(shift.statusCode, shift.body).toBe(201)

    const [a, b] = await app.alerts.applyDecisions([decision(T1, { ruleId: fresh(), level: 'red', at: now, eventId: 7001 }), decision(T1, { ruleId: null, level: 'red', at: now, eventId: 7001 })], { now: new Date(now) })
    const id = a!.caseId!
    expect(b!.caseId).toBe(id)
    // No step before the deadline's own escalation, however late.
    expect(forCase(await app.alerts.escalationSteps(new Date(now + 60 * M)), id)).toEqual([])
    expect(forCase(await app.alerts.escalateUnacknowledged(new Date(now + 10 * M)), id)).toHaveLength(2)
    expect(forCase(await app.alerts.escalationSteps(new Date(now + 20 * M - 1)), id)).toEqual([])

    // Step 1 at deadline + 10 min, by one of two scans at once.
    const [x, y] = await Promise.all([app.alerts.escalationSteps(new Date(now + 20 * M)), app.alerts.escalationSteps(new Date(now + 20 * M + 5))])
    const first = [...forCase(x, id), ...forCase(y, id)]
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({ action: 'escalation_step', actor: 'system', step: { index: 1, notify: 'shift_leader' } })
    await vi.waitFor(() => expect(distinct(http.on('/leader'))).toHaveLength(1), { timeout: 10_000, interval: 20 })
    const leaderMessage = distinct(http.on('/leader'))[0]!.json
    expect(leaderMessage.commonLabels).toMatchObject({ kind: 'step', escalation_step: '1', audience: 'shift_leader', township: T1 })
    expect(leaderMessage.commonAnnotations.summary).toContain('逐级上报')

    // A restart (another process taking over) between the steps repeats nothing.
    await app.close()
    app = await start()
    await app.ready()
    expect(forCase(await app.alerts.escalationSteps(new Date(now + 39 * M)), id)).toEqual([])
    expect(await steps(id)).toHaveLength(1)
    const [p, q] = await Promise.all([app.alerts.escalationSteps(new Date(now + 40 * M)), app.alerts.escalationSteps(new Date(now + 41 * M))])
    const second = [...forCase(p, id), ...forCase(q, id)]
    expect(second.map((c) => c.step)).toEqual([{ index: 2, notify: 'county_leader' }])
    expect(forCase(await app.alerts.escalationSteps(new Date(now + 600 * M)), id)).toEqual([])

    const entries = await steps(id)
    expect(entries.map((e) => e.payload.step)).toEqual([1, 2])
    expect(entries.map((e) => e.payload.notify)).toEqual(['shift_leader', 'county_leader'])
    expect(Date.parse(entries[0].at)).toBeLessThan(Date.parse(entries[1].at))
    const row = await app.db.selectFrom('alertCase').select(['escalationStep']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.escalationStep).toBe(2)

    await app.notifications.idle()
    await vi.waitFor(() => expect(distinct(http.on('/county'))).toHaveLength(1), { timeout: 10_000, interval: 20 })
    await new Promise((r) => setTimeout(r, 200))
    expect(distinct(http.on('/leader'))).toHaveLength(1)
    expect(distinct(http.on('/county'))).toHaveLength(1)
    // The duty desk had the new alerts and the deadline's escalation (one per case), not the steps.
    expect(distinct(http.on('/desk')).map((h) => h.json.commonLabels.kind).sort()).toEqual(['escalated', 'raised', 'raised'])
    const outbox = await app.db.selectFrom('notificationOutbox').select(['idempotencyKey', 'message']).where('idempotencyKey', 'like', `case-${id}-step-%`).orderBy('id').execute()
    expect(outbox.map((o) => o.message.step)).toEqual([
      { index: 1, audience: 'shift_leader', shiftLeader: '王带班' },
      { index: 2, audience: 'county_leader', shiftLeader: null },
    ])
    expect(JSON.stringify(outbox)).not.toContain('李值班')
  })

  it('stop once the case is signed for', async () => {
    const now = Date.now()
    const [a] = await app.alerts.applyDecisions([decision(T2, { ruleId: fresh(), level: 'red', at: now, eventId: 7101 })], { now: new Date(now) })
    const id = a!.caseId!
    expect(forCase(await app.alerts.escalateUnacknowledged(new Date(now + 10 * M)), id)).toHaveLength(1)
    expect(forCase(await app.alerts.escalationSteps(new Date(now + 20 * M)), id)).toHaveLength(1)
    const c = (await timeline(id)).case
    const ack = await app.inject({ method: 'POST', url: `/api/v1/cases/${id}/ack`, headers: duty.headers, payload: { version: c.version } })
    expect(ack.statusCode, ack.body).toBe(200)
    expect(forCase(await app.alerts.escalationSteps(new Date(now + 600 * M)), id)).toEqual([])
    expect((await steps(id)).map((e) => e.payload.step)).toEqual([1])
  })
})
