import { afterEach, describe, expect, it } from 'vitest'
import { applyDecisions } from '../../server/modules/alerts/service.ts'
import { build } from '../helpers/app.ts'
import { signIn, type SignedIn } from '../helpers/auth.ts'
import { decision, townshipCodes } from '../helpers/live.ts'

const { app } = await build()
const [T1, T2, T3] = await townshipCodes(app)
const duty = await signIn(app, ['duty'])
const duty2 = await signIn(app, ['duty'])
const leader = await signIn(app, ['leader'])
const admin = await signIn(app, ['admin'])
const officer1 = await signIn(app, ['township'], { township: T1 })

const hour = 3600_000
let rule = 0
/** A fresh rule id per test, so each test has its own alert key. */
const freshRule = () => `rule-${++rule}`

async function raise(township: string, overrides: Parameters<typeof decision>[1] = {}) {
  const [change] = await app.alerts.applyDecisions([decision(township, { ruleId: freshRule(), ...overrides })])
  return change!
}

function act(who: SignedIn, id: number, action: string, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/api/v1/alerts/${id}/${action}`, headers: who.headers, payload: body })
}

const future = (ms = 24 * hour) => new Date(Date.now() + ms).toISOString()

describe('decisions from the engine', () => {
  it('raise creates an alert in state new, with its change, seq and audit row', async () => {
    const events = new Map([[77, { id: 77, source: 'petition', sourceSystem: 'hotline', externalId: 'X-77', occurredAt: '2026-11-01T08:00:00.000Z' }]])
    const ruleId = freshRule()
    const [change] = await app.alerts.applyDecisions([decision(T1, { ruleId, eventId: 77, level: 'orange', reason: '集体访' })], { events })
    expect(change).toMatchObject({ action: 'raised', push: 'alert:new', township: T1 })
    expect(change!.seq).toBeGreaterThan(0)
    expect(change!.alert).toMatchObject({
      key: `${T1}|${ruleId}`,
      township: { code: T1, name: expect.any(String) },
      ruleId,
      level: 'orange',
      state: 'new',
      escalated: false,
      recovered: false,
      count: 1,
      deadline: null,
      lastEvent: { id: 77, source: 'petition', sourceSystem: 'hotline', externalId: 'X-77', occurredAt: '2026-11-01T08:00:00.000Z' },
      version: 1,
    })
    const audit = await app.db.selectFrom('audit').selectAll().where('target', '=', `alert:${change!.alertId}`).execute()
    expect(audit.map((a) => a.action)).toEqual(['alert.raised'])
    expect(audit[0]!.actorKind).toBe('system')
  })

  it('a raise of an open key updates it: count, last seen, level only up; repeat counts; recover marks it and keeps it open', async () => {
    const ruleId = freshRule()
    const t0 = Date.parse('2026-11-20T00:00:00Z')
    const changes = await app.alerts.applyDecisions([
      decision(T1, { ruleId, level: 'orange', at: t0 }),
      decision(T1, { ruleId, level: 'red', at: t0 + 1000 }),
      decision(T1, { ruleId, level: 'yellow', at: t0 + 2000 }),
      decision(T1, { ruleId, kind: 'repeat', level: 'yellow', at: t0 + 3000 }),
      decision(T1, { ruleId, kind: 'recover', at: t0 + 4000 }),
      decision(T1, { ruleId, kind: 'recover', at: t0 + 5000 }),
    ])
    expect(changes.map((c) => c.action)).toEqual(['raised', 'updated', 'updated', 'repeated', 'recovered'])
    expect(changes.map((c) => c.alert.level)).toEqual(['orange', 'red', 'red', 'red', 'red'])
    const seqs = changes.map((c) => c.seq)
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
    expect(new Set(changes.map((c) => c.alertId)).size).toBe(1)
    const last = changes.at(-1)!.alert
    expect(last).toMatchObject({ count: 4, recovered: true, state: 'new', lastSeenAt: new Date(t0 + 3000).toISOString(), version: 5 })
    // A later raise means the condition is back.
    const [again] = await app.alerts.applyDecisions([decision(T1, { ruleId, at: t0 + 6000 })])
    expect(again!.alert).toMatchObject({ recovered: false, count: 5, id: last.id })
  })

  it('rejects a decision whose key does not match its township and rule, or a blue level', async () => {
    await expect(app.alerts.applyDecisions([{ ...decision(T1), key: 'nonsense' }])).rejects.toThrow(/does not match/)
    await expect(app.alerts.applyDecisions([decision(T1, { level: 'blue' })])).rejects.toThrow(/cannot raise/)
  })

  it('a level alert (ruleId null) is keyed by township|level', async () => {
    const [c] = await app.alerts.applyDecisions([decision(T3, { ruleId: null, level: 'yellow' })])
    expect(c!.alert).toMatchObject({ key: `${T3}|level`, ruleId: null })
  })

  it('all decisions of one call are one transaction: a failure leaves nothing behind', async () => {
    const ruleId = freshRule()
    const before = await app.db.selectFrom('alertChange').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    await expect(app.alerts.applyDecisions([decision(T1, { ruleId }), decision('990100999', { ruleId })])).rejects.toThrow()
    const after = await app.db.selectFrom('alertChange').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(after.n).toBe(before.n)
    expect(await app.db.selectFrom('alert').select('id').where('key', '=', `${T1}|${ruleId}`).execute()).toEqual([])
  })
})

describe('one open alert per key', () => {
  it('concurrent raises of the same key make one alert with every raise counted', async () => {
    const ruleId = freshRule()
    const results = await Promise.all(Array.from({ length: 8 }, () => app.alerts.applyDecisions([decision(T2, { ruleId })])))
    const ids = new Set(results.flat().map((c) => c.alertId))
    expect(ids.size).toBe(1)
    const rows = await app.db.selectFrom('alert').selectAll().where('key', '=', `${T2}|${ruleId}`).execute()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.count).toBe(8)
    expect(results.flat().filter((c) => c.action === 'raised')).toHaveLength(1)
  })

  it('the database itself refuses a second open alert for a key, but allows one once the first is closed', async () => {
    const c = await raise(T2)
    const row = { key: c.alert.key, township: T2, ruleId: c.alert.ruleId, level: 'yellow' as const, raisedAt: new Date(), lastSeenAt: new Date(), lastEvent: JSON.stringify(null) }
    await expect(app.db.insertInto('alert').values(row).execute()).rejects.toThrow(/alert_one_open_per_key|unique/i)
    await app.db.updateTable('alert').set({ state: 'closed' }).where('id', '=', c.alertId).execute()
    await expect(app.db.insertInto('alert').values(row).execute()).resolves.toBeDefined()
  })

  it('after a person closes an alert, the next raise of its key opens a new one', async () => {
    const ruleId = freshRule()
    const first = await raise(T2, { ruleId })
    await app.db.updateTable('alert').set({ state: 'closed' }).where('id', '=', first.alertId).execute()
    const [second] = await app.alerts.applyDecisions([decision(T2, { ruleId, kind: 'repeat' })])
    expect(second!.action).toBe('raised')
    expect(second!.alertId).not.toBe(first.alertId)
  })
})

describe('REST: reading alerts', () => {
  it('lists most urgent first with a cursor, filtered by state, level and township', async () => {
    const { app: fresh } = await build()
    const [a, b] = await townshipCodes(fresh)
    const reader = await signIn(fresh, ['leader'])
    const made = await fresh.alerts.applyDecisions([
      decision(a!, { ruleId: 'r1', level: 'yellow' }),
      decision(a!, { ruleId: 'r2', level: 'red' }),
      decision(b!, { ruleId: 'r3', level: 'orange' }),
      decision(b!, { ruleId: 'r4', level: 'red' }),
      decision(a!, { ruleId: 'r5', level: 'yellow' }),
    ])
    const byRule = (r: string) => made.find((c) => c.alert.ruleId === r)!.alertId
    const get = (qs: string) => fresh.inject({ url: `/api/v1/alerts${qs}`, headers: { cookie: reader.cookie } })

    const page1 = await get('?limit=2')
    expect(page1.statusCode).toBe(200)
    expect(page1.json().items.map((i: { id: number }) => i.id)).toEqual([byRule('r4'), byRule('r2')])
    const page2 = await get(`?limit=2&cursor=${page1.json().nextCursor}`)
    expect(page2.json().items.map((i: { id: number }) => i.id)).toEqual([byRule('r3'), byRule('r5')])
    const page3 = await get(`?limit=2&cursor=${page2.json().nextCursor}`)
    expect(page3.json()).toEqual({ items: [expect.objectContaining({ id: byRule('r1') })], nextCursor: null })

    expect((await get(`?level=red,orange`)).json().items).toHaveLength(3)
    expect((await get(`?township=${a}`)).json().items).toHaveLength(3)
    expect((await get(`?state=open`)).json().items).toHaveLength(5)
    expect((await get(`?state=closed`)).json().items).toHaveLength(0)
    const bad = await get('?state=pending')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('validation')
    expect((await get('?cursor=garbage')).statusCode).toBe(400)
  })

  it('a township officer sees only their township, in the list and by id', async () => {
    const mine = await raise(T1)
    const theirs = await raise(T2)
    const list = await app.inject({ url: '/api/v1/alerts?limit=200', headers: { cookie: officer1.cookie } })
    const townships = new Set(list.json().items.map((i: { township: { code: string } }) => i.township.code))
    expect([...townships]).toEqual([T1])
    expect((await app.inject({ url: `/api/v1/alerts?township=${T2}`, headers: { cookie: officer1.cookie } })).json().items).toEqual([])
    expect((await app.inject({ url: `/api/v1/alerts/${mine.alertId}`, headers: { cookie: officer1.cookie } })).statusCode).toBe(200)
    expect((await app.inject({ url: `/api/v1/alerts/${theirs.alertId}`, headers: { cookie: officer1.cookie } })).statusCode).toBe(404)
  })

  it('requires a signed-in user', async () => {
    expect((await app.inject({ url: '/api/v1/alerts' })).statusCode).toBe(401)
  })
})

describe('REST: the life of an alert', () => {
  it('goes new → acknowledged → dispatched → resolved → closed, with a timeline, comments and audit rows', async () => {
    const { alertId } = await raise(T1)
    let res = await act(duty, alertId, 'ack', { version: 1, note: '已签收' })
    expect(res.statusCode).toBe(200)
    expect(res.json().alert).toMatchObject({ state: 'acknowledged', version: 2 })

    const deadline = future(48 * hour)
    res = await act(duty, alertId, 'dispatch', { version: 2, department: '县信访局', leadOfficial: '王副县长', deadline })
    expect(res.statusCode).toBe(200)
    expect(res.json().alert).toMatchObject({ state: 'dispatched', department: '县信访局', leadOfficial: '王副县长', deadline: new Date(deadline).toISOString(), version: 3 })

    res = await act(duty2, alertId, 'comment', { text: '已电话督促' })
    expect(res.statusCode).toBe(200)
    expect(res.json().alert.version).toBe(3)

    res = await act(duty, alertId, 'escalate', { version: 3 })
    expect(res.json().alert).toMatchObject({ escalated: true, state: 'dispatched', version: 4 })

    res = await act(duty, alertId, 'resolve', { version: 4, resolution: '已协调支付欠薪' })
    expect(res.json().alert).toMatchObject({ state: 'resolved', resolution: '已协调支付欠薪' })
    const resolved = await app.db.selectFrom('alert').select(['resolvedAt', 'closedAt']).where('id', '=', alertId).executeTakeFirstOrThrow()
    expect(resolved.resolvedAt).toBeInstanceOf(Date)
    expect(resolved.closedAt).toBeNull()
    // The wall's 按期办结率 compares these with the deadline, so the JSON carries them.
    expect(res.json().alert).toMatchObject({ resolvedAt: resolved.resolvedAt!.toISOString(), closedAt: null })

    res = await act(duty, alertId, 'close', { version: 5, followUp: '回访当事人，表示认可', satisfaction: 'basically_satisfied' })
    expect(res.statusCode).toBe(200)
    expect(res.json().alert).toMatchObject({ state: 'closed', followUp: '回访当事人，表示认可', satisfaction: 'basically_satisfied', version: 6 })
    expect(Date.parse(res.json().alert.closedAt)).toBeGreaterThanOrEqual(resolved.resolvedAt!.getTime())

    const detail = await app.inject({ url: `/api/v1/alerts/${alertId}`, headers: { cookie: duty.cookie } })
    // A leader reads the same timeline without the officers' notes and comments (docs/architecture.md §8).
    const asLeader = (await app.inject({ url: `/api/v1/alerts/${alertId}`, headers: { cookie: leader.cookie } })).json()
    expect(asLeader.comments).toEqual([])
    expect(asLeader.timeline.slice(1).map((t: { action: string; note: string | null }) => [t.action, t.note])).toEqual(['ack', 'dispatch', 'comment', 'escalate', 'resolve', 'close'].map((a) => [a, null]))
    expect(detail.statusCode).toBe(200)
    const body = detail.json()
    expect(body.timeline.map((t: { action: string }) => t.action)).toEqual(['raised', 'ack', 'dispatch', 'comment', 'escalate', 'resolve', 'close'])
    expect(body.timeline.map((t: { toState: string }) => t.toState)).toEqual(['new', 'acknowledged', 'dispatched', 'dispatched', 'dispatched', 'resolved', 'closed'])
    expect(body.timeline[1]).toMatchObject({ actor: duty.username, fromState: 'new', note: '已签收' })
    expect(body.comments).toEqual([expect.objectContaining({ actor: duty2.username, text: '已电话督促' })])
    const audit = await app.db.selectFrom('audit').select(['action', 'actor']).where('target', '=', `alert:${alertId}`).orderBy('id').execute()
    expect(audit.map((a) => a.action)).toEqual(['alert.raised', 'alert.ack', 'alert.dispatch', 'alert.comment', 'alert.escalate', 'alert.resolve', 'alert.close'])
  })

  it('refuses an illegal transition with 409 naming the allowed actions', async () => {
    const { alertId } = await raise(T1)
    const res = await act(duty, alertId, 'resolve', { version: 1, resolution: 'x' })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ error: { code: 'illegal_transition' }, allowed: ['ack', 'escalate', 'comment'], alert: { id: alertId, state: 'new' } })
    expect(res.json().error.message).toMatch(/ack, escalate, comment/)
    // A second 督办 is allowed (the lifecycle keeps it idempotent: one more audit row).
    await act(duty, alertId, 'escalate', { version: 1 })
    const twice = await act(duty, alertId, 'escalate', { version: 2 })
    expect(twice.statusCode).toBe(200)
    expect(twice.json().alert).toMatchObject({ escalated: true, state: 'new', version: 3 })
    // Nothing leaves closed.
    const done = await raise(T1)
    await app.db.updateTable('alert').set({ state: 'closed' }).where('id', '=', done.alertId).execute()
    const reopen = await act(duty, done.alertId, 'escalate', { version: 1 })
    expect(reopen.statusCode).toBe(409)
    expect(reopen.json()).toMatchObject({ error: { code: 'illegal_transition' }, allowed: ['comment'] })
  })

  it('names the missing or invalid fields of each action (400)', async () => {
    const { alertId } = await raise(T1)
    const fields = async (action: string, body: Record<string, unknown>) => {
      const res = await act(duty, alertId, action, body)
      expect(res.statusCode).toBe(400)
      return res.json().error.fields.map((f: { field: string }) => f.field).sort()
    }
    expect(await fields('ack', {})).toEqual(['version'])
    expect(await fields('dispatch', { version: 1 })).toEqual(['deadline', 'department', 'leadOfficial'])
    expect(await fields('dispatch', { version: 1, department: 'd', leadOfficial: 'l', deadline: 'tomorrow' })).toEqual(['deadline'])
    expect(await fields('dispatch', { version: 1, department: 'd', leadOfficial: 'l', deadline: new Date(Date.now() - hour).toISOString() })).toEqual(['deadline'])
    expect(await fields('resolve', { version: 1, resolution: '   ' })).toEqual(['resolution'])
    expect(await fields('close', { version: 1, followUp: 'ok', satisfaction: 'happy' })).toEqual(['satisfaction'])
    expect(await fields('close', { version: 1 })).toEqual(['followUp', 'satisfaction'])
    expect(await fields('comment', {})).toEqual(['text'])
    // Nothing changed.
    const detail = await app.inject({ url: `/api/v1/alerts/${alertId}`, headers: { cookie: duty.cookie } })
    expect(detail.json().alert.version).toBe(1)
  })

  it('404 for an unknown alert', async () => {
    expect((await act(duty, 999_999, 'ack', { version: 1 })).statusCode).toBe(404)
  })

  it('a stale version gets 409 naming who changed it and when, with the current alert', async () => {
    const { alertId } = await raise(T1)
    expect((await act(duty, alertId, 'ack', { version: 1 })).statusCode).toBe(200)
    const res = await act(duty2, alertId, 'escalate', { version: 1 })
    expect(res.statusCode).toBe(409)
    expect(res.json().error.code).toBe('stale')
    expect(res.json().error.message).toContain(duty.username)
    expect(res.json().error.message).toMatch(/\d{4}-\d\d-\d\dT/)
    expect(res.json().alert).toMatchObject({ id: alertId, version: 2, state: 'acknowledged', escalated: false })
  })

  it('two officers acting on the same alert at once: exactly one wins, the other gets 409', async () => {
    for (let round = 0; round < 5; round++) {
      const { alertId } = await raise(T1)
      const [a, b] = await Promise.all([act(duty, alertId, 'ack', { version: 1 }), act(duty2, alertId, 'escalate', { version: 1 })])
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409])
      const loser = a.statusCode === 409 ? a : b
      expect(loser.json().error.code).toBe('stale')
      const row = await app.db.selectFrom('alert').selectAll().where('id', '=', alertId).executeTakeFirstOrThrow()
      expect(row.version).toBe(2)
      // Exactly one of the two actions took effect.
      expect(Number(row.state === 'acknowledged') + Number(row.escalated)).toBe(1)
    }
  })

  it('who may act: duty acts; leader and admin do not; a township officer works their own township but does not escalate or close', async () => {
    const mine = await raise(T1)
    const theirs = await raise(T2)
    expect((await act(leader, mine.alertId, 'ack', { version: 1 })).statusCode).toBe(403)
    expect((await act(admin, mine.alertId, 'ack', { version: 1 })).statusCode).toBe(403)
    expect((await act(officer1, theirs.alertId, 'ack', { version: 1 })).statusCode).toBe(404)
    expect((await act(officer1, mine.alertId, 'escalate', { version: 1 })).statusCode).toBe(403)
    expect((await act(officer1, mine.alertId, 'ack', { version: 1 })).statusCode).toBe(200)
    expect((await act(officer1, mine.alertId, 'dispatch', { version: 2, department: '乡综治办', leadOfficial: '李书记', deadline: future() })).statusCode).toBe(200)
    expect((await act(officer1, mine.alertId, 'resolve', { version: 3, resolution: '已化解' })).statusCode).toBe(200)
    expect((await act(officer1, mine.alertId, 'close', { version: 4, followUp: 'x', satisfaction: 'satisfied' })).statusCode).toBe(403)
    expect((await act(duty, mine.alertId, 'close', { version: 4, followUp: '回访', satisfaction: 'satisfied' })).statusCode).toBe(200)
  })

  it('needs the CSRF header on cookie-authenticated writes', async () => {
    const { alertId } = await raise(T1)
    const res = await app.inject({ method: 'POST', url: `/api/v1/alerts/${alertId}/ack`, headers: { cookie: duty.cookie }, payload: { version: 1 } })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('csrf')
  })
})

describe('auto-escalation', () => {
  it('escalates open alerts whose deadline passed, as system, judged by the injected clock', async () => {
    const { alertId } = await raise(T3)
    await act(duty, alertId, 'ack', { version: 1 })
    const deadline = Date.now() + 2 * hour
    await act(duty, alertId, 'dispatch', { version: 2, department: 'd', leadOfficial: 'l', deadline: new Date(deadline).toISOString() })
    expect((await app.alerts.escalateOverdue(new Date(deadline - 1000))).some((c) => c.alertId === alertId)).toBe(false)
    const changes = await app.alerts.escalateOverdue(new Date(deadline + 1000))
    const mine = changes.find((c) => c.alertId === alertId)
    expect(mine).toMatchObject({ action: 'escalate', actor: 'system', alert: { escalated: true, state: 'dispatched', version: 4 } })
    // Once escalated it is not escalated again.
    expect((await app.alerts.escalateOverdue(new Date(deadline + 2 * hour))).some((c) => c.alertId === alertId)).toBe(false)
    const audit = await app.db.selectFrom('audit').selectAll().where('target', '=', `alert:${alertId}`).where('action', '=', 'alert.escalate').execute()
    expect(audit).toEqual([expect.objectContaining({ actor: 'system', actorKind: 'system' })])
  })

  it('the periodic job runs on its own with the app clock', async () => {
    let clock = Date.now()
    const { app: timed, close } = await build({ now: () => new Date(clock), alerts: { escalationIntervalMs: 50 }, closedBy: 'caller' })
    try {
      const [t] = await townshipCodes(timed)
      const [c] = await timed.alerts.applyDecisions([decision(t!, { ruleId: 'timed' })])
      const d = await signIn(timed, ['duty'])
      const post = (action: string, body: object) => timed.inject({ method: 'POST', url: `/api/v1/alerts/${c!.alertId}/${action}`, headers: d.headers, payload: body })
      await post('ack', { version: 1 })
      expect((await post('dispatch', { version: 2, department: 'd', leadOfficial: 'l', deadline: new Date(clock + hour).toISOString() })).statusCode).toBe(200)
      clock += 2 * hour
      const deadlineAt = Date.now() + 10_000
      let row = await timed.db.selectFrom('alert').selectAll().where('id', '=', c!.alertId).executeTakeFirstOrThrow()
      while (!row.escalated && Date.now() < deadlineAt) {
        await new Promise((r) => setTimeout(r, 25))
        row = await timed.db.selectFrom('alert').selectAll().where('id', '=', c!.alertId).executeTakeFirstOrThrow()
      }
      expect(row.escalated).toBe(true)
    } finally {
      await close()
    }
  })
})

describe('silences', () => {
  const post = (who: SignedIn, payload: object) => app.inject({ method: 'POST', url: '/api/v1/silences', headers: who.headers, payload })

  afterEach(async () => {
    // Revoke what a test left active so the next test's raises are not silenced.
    await app.db.updateTable('silence').set({ revokedAt: new Date(), revokedBy: 'test' }).where('revokedAt', 'is', null).execute()
  })

  it('an admin creates, lists and revokes a silence; all of it audited; never deleted', async () => {
    const created = await post(admin, { matchers: { township: T3, level: 'yellow' }, reason: '道路施工，临时停报', expiresAt: future(2 * hour) })
    expect(created.statusCode).toBe(201)
    const s = created.json()
    expect(s).toMatchObject({ matchers: { township: T3, level: 'yellow' }, reason: '道路施工，临时停报', createdBy: admin.username, active: true, revokedAt: null })
    const list = await app.inject({ url: '/api/v1/silences?active=true', headers: { cookie: duty.cookie } })
    expect(list.json().items.map((i: { id: number }) => i.id)).toContain(s.id)
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/silences/${s.id}`, headers: admin.headers })
    expect(del.statusCode).toBe(200)
    expect(del.json()).toMatchObject({ id: s.id, active: false, revokedBy: admin.username })
    const inactive = await app.inject({ url: '/api/v1/silences?active=false', headers: { cookie: admin.cookie } })
    expect(inactive.json().items.map((i: { id: number }) => i.id)).toContain(s.id)
    const audit = await app.db.selectFrom('audit').select('action').where('target', '=', `silence:${s.id}`).orderBy('id').execute()
    expect(audit.map((a) => a.action)).toEqual(['silence.create', 'silence.revoke'])
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/silences/999999', headers: admin.headers })).statusCode).toBe(404)
  })

  it('validates: at least one matcher, a reason, a future expiry, an existing township; admin only', async () => {
    const fieldsOf = async (payload: object) => (await post(admin, payload)).json().error.fields.map((f: { field: string }) => f.field).sort()
    expect(await fieldsOf({ matchers: {}, reason: 'x', expiresAt: future() })).toEqual(['matchers'])
    expect(await fieldsOf({ matchers: { level: 'red' }, reason: ' ', expiresAt: future() })).toEqual(['reason'])
    expect(await fieldsOf({ matchers: { level: 'red' }, reason: 'x', expiresAt: new Date(Date.now() - hour).toISOString() })).toEqual(['expiresAt'])
    expect(await fieldsOf({ matchers: { township: '990100999' }, reason: 'x', expiresAt: future() })).toEqual(['matchers.township'])
    expect((await post(duty, { matchers: { level: 'red' }, reason: 'x', expiresAt: future() })).statusCode).toBe(403)
    expect((await app.inject({ url: '/api/v1/silences', headers: { cookie: leader.cookie } })).statusCode).toBe(403)
  })

  it('a raise matching an active silence is recorded suppressed, not pushed, hidden from the queue; after the silence it comes through as new', async () => {
    const ruleId = freshRule()
    const s = (await post(admin, { matchers: { township: T3, ruleId }, reason: '已知情况', expiresAt: future(hour) })).json()
    const pushed: unknown[] = []
    const original = app.realtime.alertChanged
    app.realtime.alertChanged = (c) => {
      pushed.push(c)
      original(c)
    }
    try {
      const [c1] = await app.alerts.applyDecisions([decision(T3, { ruleId })])
      expect(c1).toMatchObject({ action: 'raised', push: null, alert: { suppressed: true, silenceId: s.id, state: 'new' } })
      const [c2] = await app.alerts.applyDecisions([decision(T3, { ruleId, kind: 'repeat' })])
      expect(c2).toMatchObject({ push: null, alert: { count: 2 } })
      // Other keys are not silenced.
      const [other] = await app.alerts.applyDecisions([decision(T3, { ruleId: freshRule() })])
      expect(other!.push).toBe('alert:new')

      const queue = await app.inject({ url: `/api/v1/alerts?township=${T3}&limit=200`, headers: { cookie: duty.cookie } })
      expect(queue.json().items.map((i: { id: number }) => i.id)).not.toContain(c1!.alertId)
      const hidden = await app.inject({ url: `/api/v1/alerts?township=${T3}&suppressed=only`, headers: { cookie: duty.cookie } })
      expect(hidden.json().items.map((i: { id: number }) => i.id)).toEqual([c1!.alertId])

      await app.inject({ method: 'DELETE', url: `/api/v1/silences/${s.id}`, headers: admin.headers })
      const [c3] = await app.alerts.applyDecisions([decision(T3, { ruleId })])
      expect(c3).toMatchObject({ action: 'unsuppressed', push: 'alert:new', alert: { id: c1!.alertId, suppressed: false, count: 3 } })
      expect(pushed.filter((p) => (p as { alertId: number }).alertId === c1!.alertId)).toHaveLength(1)
    } finally {
      app.realtime.alertChanged = original
    }
  })

  it('an expired silence suppresses nothing', async () => {
    const ruleId = freshRule()
    const row = await app.db
      .insertInto('silence')
      .values({ matchers: JSON.stringify({ ruleId }), reason: 'old', createdBy: 'test', expiresAt: new Date(Date.now() - 1000) })
      .returning('id')
      .executeTakeFirstOrThrow()
    expect(row.id).toBeGreaterThan(0)
    const [c] = await app.alerts.applyDecisions([decision(T2, { ruleId })])
    expect(c!.push).toBe('alert:new')
  })
})

describe('metrics', () => {
  it('counts alert changes and actions, and reports open alerts by level', async () => {
    const { alertId } = await raise(T2, { level: 'red' })
    await act(duty, alertId, 'ack', { version: 1 })
    const text = (await app.inject('/metrics')).body
    expect(text).toMatch(/shaowang_alerts_total\{kind="raised",level="red"\} [1-9]/)
    expect(text).toMatch(/shaowang_alert_actions_total\{action="ack"\} [1-9]/)
    const open = await app.db.selectFrom('alert').select((eb) => eb.fn.countAll<number>().as('n')).where('level', '=', 'red').where('state', '<>', 'closed').where('suppressed', '=', false).executeTakeFirstOrThrow()
    expect(text).toContain(`shaowang_alerts_open{level="red"} ${open.n}`)
    expect(text).toMatch(/shaowang_realtime_connected_sockets \d+/)
  })
})

describe('the service on a caller-owned transaction', () => {
  it('applies inside it and leaves publishing to the caller', async () => {
    let published = 0
    const changes = await app.db.transaction().execute((trx) => applyDecisions(trx, [decision(T1, { ruleId: freshRule() })], { now: new Date(), publish: () => published++ }))
    expect(changes).toHaveLength(1)
    expect(published).toBe(0)
  })
})
