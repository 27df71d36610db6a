// The rules' evaluation budget over the API (issue 17 point 2; server/domain/rule-language.ts): a
// catastrophic or over-budget condition is refused at save and at publish with its path, code and a
// Chinese message naming the position; a live version stored before the budget existed still runs,
// and each evaluation it runs out of budget on is skipped, counted in /metrics and on the rule.
import { describe, expect, it } from 'vitest'
import { markLive, insertVersion } from '../../server/modules/rulesets/repository.ts'
import { build } from '../helpers/app.ts'
import { feedToken, signIn } from '../helpers/auth.ts'

const { app } = await build()
const analyst = await signIn(app, ['analyst'])
const token = await feedToken(app)

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object, headers: analyst.headers })

const TRIPLE = "source == 'dispute' &&\n  attributes.a.exists(x, attributes.a.exists(y, attributes.a.exists(z, x + y == z + 0.5)))"
const ruleSet = (when: string) => ({
  levels: { yellow: 30, orange: 55, red: 80 },
  hysteresis: 5,
  rules: [
    { id: 'ordinary', name: '集体访', kind: 'trigger', when: "source == 'petition' && peopleCount >= 5", points: 25, halfLife: '72h' },
    { id: 'costly', name: '嵌套遍历', kind: 'trigger', when, points: 10, halfLife: '24h' },
  ],
})

// A version stored before the budget existed (written to the database as an older server would have).
const stored = await insertVersion(app.db, { document: ruleSet(TRIPLE), comment: 'stored before the budget', basedOn: null, createdBy: 'analyst' })

describe('rule evaluation budget', () => {
  it('refuses a triple-nested exists at save: 400 with the path, the code and a Chinese message naming line and column', async () => {
    const res = await post('/api/v1/rulesets', { ...ruleSet(TRIPLE), comment: 'too costly' })
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.error.code).toBe('invalid_ruleset')
    expect(body.errors).toEqual([
      expect.objectContaining({ path: 'rules[1].when', code: 'rule_over_budget', position: { line: 2, column: 16, offset: 38 } }),
    ])
    expect(body.errors[0].message).toContain('第 2 行第 16 列')
    expect(body.errors[0].message).toMatch(/计算量超出上限/)
    expect(body.errors[0].messageEn).toContain('2:16')
    expect(body.error.fields).toEqual([{ field: 'rules[1].when', message: body.errors[0].message }])
    // The editor's check says the same.
    const check = await post('/api/v1/rulesets/validate', ruleSet(TRIPLE))
    expect(check.json()).toMatchObject({ ok: false, errors: [{ path: 'rules[1].when', code: 'rule_over_budget' }] })
  })

  it('refuses a pattern RE2 does not support at save, at the position of the pattern', async () => {
    const res = await post('/api/v1/rulesets', { ...ruleSet("title.matches('(欠薪)\\\\1')"), comment: 'backreference' })
    expect(res.statusCode).toBe(400)
    const [error] = res.json().errors
    expect(error).toMatchObject({ path: 'rules[1].when', code: 'rule_regex_unsupported', position: { line: 1, column: 15, offset: 14 } })
    expect(error.message).toContain('第 1 行第 15 列')
  })

  it('accepts the catastrophic regex of the review, which RE2 runs in linear time', async () => {
    const res = await post('/api/v1/rulesets', { ...ruleSet("title.matches('^(a+)+$')"), comment: 're2' })
    expect(res.statusCode).toBe(201)
  })

  it('refuses to publish a stored version that is over budget: 409 naming the path and the position in Chinese', async () => {
    const res = await post(`/api/v1/rulesets/${stored.id}/publish`, { comment: 'go live' })
    expect(res.statusCode).toBe(409)
    expect(res.json().error.fields).toEqual([{ field: 'rules[1].when', message: expect.stringContaining('第 2 行第 16 列') }])
    expect((await app.inject({ url: '/api/v1/rulesets/live', headers: { cookie: analyst.cookie } })).statusCode).toBe(404)
  })

  it('runs such a version if it is live: the evaluation that runs out is skipped, counted in /metrics and on the rule; ingest goes on', async () => {
    await app.db.transaction().execute((trx) => markLive(trx, stored.id, 'analyst', 'live before the budget', new Date()))
    await app.rulesChanged()
    const occurredAt = new Date().toISOString()
    // 3,000 elements: 27 billion iterations without the guard.
    const a = Array.from({ length: 3_000 }, (_, i) => i)
    const events = [
      { source: 'dispute', externalId: 'big-list', township: '990100002', category: 'neighbour', occurredAt, attributes: { a } },
      { source: 'petition', externalId: 'after-it', township: '990100002', category: 'labour', peopleCount: 6, occurredAt },
    ]
    const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` }, payload: events })
    expect(res.json()).toMatchObject({ accepted: 2, rejected: [] })

    await expect
      .poll(async () => /^shaowang_rule_budget_exceeded_total\{rule="costly"\} (\d+)$/m.exec((await app.inject('/metrics')).body)?.[1], { timeout: 15_000 })
      .toBe('1')
    // The event after it was scored by the other rule as usual.
    await expect.poll(async () => (await app.inject({ url: '/api/v1/townships', headers: { cookie: analyst.cookie } })).json().find((t: { code: string }) => t.code === '990100002')?.score, { timeout: 15_000 }).toBeGreaterThan(0)

    const matches = await app.inject({ url: `/api/v1/rulesets/${stored.id}/matches?days=7`, headers: { cookie: analyst.cookie } })
    expect(matches.statusCode).toBe(200)
    expect(matches.json().rules).toEqual([
      { ruleId: 'ordinary', matches: 1, budgetExceeded: 0 },
      { ruleId: 'costly', matches: 0, budgetExceeded: 1 },
    ])
  })
})
