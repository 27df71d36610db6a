import { describe, expect, it } from 'vitest'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const { app } = await build()
const analyst = await signIn(app, ['analyst'])

// The rule set of docs/architecture.md §5, verbatim.
const contractExample = {
  levels: { yellow: 30, orange: 55, red: 80 },
  hysteresis: 5,
  rules: [
    { id: 'collective-petition', name: '集体访', kind: 'trigger', when: "source == 'petition' && peopleCount >= 5", points: 25, halfLife: '72h', alert: 'orange' },
    { id: 'wage-surge', name: '欠薪纠纷聚集', kind: 'threshold', when: "source == 'dispute' && category == 'wages'", window: '7d', count: 5, points: 20, halfLife: '48h' },
    { id: 'incident-anomaly', name: '警情异常增长', kind: 'anomaly', when: "source == 'incident'", method: 'C2', threshold: 3, points: 15, halfLife: '24h' },
    { id: 'escalation', name: '矛盾升级', kind: 'escalation', window: '30d', minSources: 2, points: 30, halfLife: '7d', alert: 'orange' },
    { id: 'no-report', name: '未报告', kind: 'silence', window: '24h', alert: 'yellow' },
  ],
}

const post = (url: string, payload: unknown, who = analyst) => app.inject({ method: 'POST', url, payload: payload as object, headers: who.headers })
const get = (url: string, who = analyst) => app.inject({ url, headers: { cookie: who.cookie } })

describe('rule sets', () => {
  it('rejects an invalid rule with the path and the position in the expression', async () => {
    const broken = { ...contractExample, rules: [{ ...contractExample.rules[0], when: "source == 'petition' && peopleCount >= 'five'" }] }
    const res = await post('/api/v1/rulesets', { ...broken, comment: 'typo' })
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.error.code).toBe('invalid_ruleset')
    expect(body.errors[0]).toMatchObject({ path: 'rules[0].when', position: { line: 1, column: expect.any(Number) } })
    expect(body.errors[0].position.column).toBeGreaterThan(20)
    expect(body.error.fields[0].field).toBe('rules[0].when')
    // Nothing was stored.
    expect((await get('/api/v1/rulesets')).json()).toEqual([])
  })

  it('validates without saving, for the editor', async () => {
    const ok = await post('/api/v1/rulesets/validate', contractExample)
    expect(ok.json()).toEqual({ ok: true, errors: [] })
    const bad = await post('/api/v1/rulesets/validate', { ...contractExample, levels: { yellow: 60, orange: 55, red: 80 } })
    expect(bad.json().ok).toBe(false)
    expect(bad.json().errors[0].path).toMatch(/^levels/)
  })

  it('saves drafts, publishes with a comment, rolls back, and audits each publish', async () => {
    const v1 = await post('/api/v1/rulesets', { ...contractExample, comment: 'first' })
    expect(v1.statusCode).toBe(201)
    expect(v1.json()).toMatchObject({ status: 'draft' })
    const id1 = v1.json().id as number

    expect((await get('/api/v1/rulesets/live')).statusCode).toBe(404)
    const noComment = await post(`/api/v1/rulesets/${id1}/publish`, {})
    expect(noComment.statusCode).toBe(400)
    expect(noComment.json().error.fields[0].field).toBe('comment')

    expect((await post(`/api/v1/rulesets/${id1}/publish`, { comment: 'go live' })).json()).toMatchObject({ id: id1, status: 'published' })
    const v2 = await post('/api/v1/rulesets', { ...contractExample, hysteresis: 8, comment: 'stickier levels', basedOn: id1 })
    const id2 = v2.json().id as number
    await post(`/api/v1/rulesets/${id2}/publish`, { comment: 'try stickier' })
    expect((await get('/api/v1/rulesets/live')).json()).toMatchObject({ id: id2, document: { hysteresis: 8 } })

    // Roll back: publish the older version again.
    expect((await post(`/api/v1/rulesets/${id1}/publish`, { comment: 'roll back: too sticky' })).statusCode).toBe(200)
    const versions = (await get('/api/v1/rulesets')).json() as Array<{ id: number; status: string }>
    expect(versions.map((v) => [v.id, v.status])).toEqual([
      [id2, 'retired'],
      [id1, 'published'],
    ])
    expect((await post(`/api/v1/rulesets/${id1}/publish`, { comment: 'again' })).statusCode).toBe(409)

    const audit = await app.db.selectFrom('audit').select(['action', 'note', 'actor']).where('action', '=', 'ruleset.publish').orderBy('id').execute()
    expect(audit.map((a) => a.note)).toEqual(['go live', 'try stickier', 'roll back: too sticky'])
    expect(audit.every((a) => a.actor === analyst.username)).toBe(true)
  })

  it('round-trips through export and import unchanged', async () => {
    const created = await post('/api/v1/rulesets', { ...contractExample, comment: 'export me' })
    const exported = (await get(`/api/v1/rulesets/${created.json().id}`)).json().document
    const imported = await post('/api/v1/rulesets', { ...exported, comment: 'imported' })
    expect(imported.statusCode).toBe(201)
    const again = (await get(`/api/v1/rulesets/${imported.json().id}`)).json().document
    expect(again).toEqual(exported)
    expect(exported.rules.map((r: { id: string }) => r.id)).toEqual(contractExample.rules.map((r) => r.id))
  })

  it('is for analysts: duty officers may not write rules', async () => {
    const duty = await signIn(app, ['duty'])
    expect((await post('/api/v1/rulesets', contractExample, duty)).statusCode).toBe(403)
    expect((await get('/api/v1/rulesets/live', duty)).statusCode).not.toBe(403)
  })
})

describe('sensitive-period calendar', () => {
  it('adds, lists and removes periods, validating the range', async () => {
    const bad = await post('/api/v1/calendar', { name: '两会', startsAt: '2027-03-05T00:00:00+08:00', endsAt: '2027-03-01T00:00:00+08:00' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.fields).toEqual([{ field: 'endsAt', message: 'must be after startsAt' }])
    const noOffset = await post('/api/v1/calendar', { name: '两会', startsAt: '2027-03-01T00:00:00', endsAt: '2027-03-15T00:00:00+08:00' })
    expect(noOffset.json().error.fields[0].field).toBe('startsAt')

    const created = await post('/api/v1/calendar', { name: '全国两会', startsAt: '2027-03-01T00:00:00+08:00', endsAt: '2027-03-15T00:00:00+08:00' })
    expect(created.statusCode).toBe(201)
    const list = (await get('/api/v1/calendar')).json() as Array<{ id: number; name: string; startsAt: string }>
    expect(list).toEqual([expect.objectContaining({ name: '全国两会', startsAt: '2027-02-28T16:00:00.000Z' })])
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/calendar/${list[0]!.id}`, headers: analyst.headers })
    expect(del.statusCode).toBe(204)
    expect((await get('/api/v1/calendar')).json()).toEqual([])
  })
})
