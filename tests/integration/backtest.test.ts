import { describe, expect, it } from 'vitest'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { build } from '../helpers/app.ts'
import { feedToken, signIn } from '../helpers/auth.ts'

const { app } = await build()
const analyst = await signIn(app, ['analyst'])
const token = await feedToken(app)
const DAY = 86_400_000
const now = Date.now()
const iso = (t: number) => new Date(t).toISOString().replace('Z', '+00:00')

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object, headers: analyst.headers })

async function saveAndMaybePublish(document: unknown, publish: boolean): Promise<number> {
  const res = await post('/api/v1/rulesets', { ...(document as object), comment: 'test' })
  expect(res.statusCode).toBe(201)
  const id = res.json().id as number
  if (publish) expect((await post(`/api/v1/rulesets/${id}/publish`, { comment: 'baseline' })).statusCode).toBe(200)
  return id
}

// Collective petitions (6 people) in one township, one every other day over the last 12 days,
// plus ordinary disputes elsewhere.
const events = [
  ...Array.from({ length: 6 }, (_, i) => ({
    source: 'petition',
    externalId: `cp-${i}`,
    township: '990100002',
    category: 'labour',
    peopleCount: 6,
    occurredAt: iso(now - (12 - 2 * i) * DAY),
    title: '集体反映欠薪',
  })),
  ...Array.from({ length: 10 }, (_, i) => ({ source: 'dispute', externalId: `d-${i}`, township: '990100004', category: 'neighbour', occurredAt: iso(now - i * DAY - 3600_000) })),
]

describe('backtest and rule matches', async () => {
  const ingest = await app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` }, payload: events })
  expect(ingest.json()).toMatchObject({ accepted: events.length, rejected: [] })
  const liveId = await saveAndMaybePublish(DEFAULT_RULE_SET, true)
  // A stricter draft: collective petitions need 10 people.
  const stricter = structuredClone(DEFAULT_RULE_SET) as { rules: Array<{ id: string; when?: string }> }
  const rule = stricter.rules.find((r) => r.when?.includes('peopleCount >= 5'))
  expect(rule, 'the default rule set has a collective-petition rule').toBeDefined()
  rule!.when = rule!.when!.replace('peopleCount >= 5', 'peopleCount >= 10')
  const draftId = await saveAndMaybePublish(stricter, false)

  it('replays the live set: the collective petitions raise alerts in their township, with daily levels', async () => {
    const res = await post(`/api/v1/rulesets/${liveId}/backtest`, { from: iso(now - 30 * DAY), to: iso(now) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    const ruleAlerts = body.alerts.filter((a: { ruleId: string | null }) => a.ruleId === rule!.id)
    expect(ruleAlerts.length).toBeGreaterThan(0)
    expect(ruleAlerts.every((a: { township: string }) => a.township === '990100002')).toBe(true)
    expect(body.signals.filter((s: { ruleId: string }) => s.ruleId === rule!.id)).toHaveLength(6)
    expect(body.daily.some((d: { township: string; score: number }) => d.township === '990100002' && d.score > 0)).toBe(true)
    // Against itself there is nothing to diff.
    expect(body.diff).toEqual({ added: [], removed: [], changed: [] })
  })

  it('diffs a stricter draft against the live set: its alerts are removed', async () => {
    const res = await post(`/api/v1/rulesets/${draftId}/backtest`, { from: iso(now - 30 * DAY), to: iso(now) })
    const body = res.json()
    expect(body.alerts.filter((a: { ruleId: string | null }) => a.ruleId === rule!.id)).toEqual([])
    expect(body.diff.removed.some((a: { ruleId: string | null }) => a.ruleId === rule!.id)).toBe(true)
    expect(body.diff.added).toEqual([])
  })

  it('rejects a backwards or too long range with the field named', async () => {
    const backwards = await post(`/api/v1/rulesets/${liveId}/backtest`, { from: iso(now), to: iso(now - DAY) })
    expect(backwards.statusCode).toBe(400)
    expect(backwards.json().error.fields).toEqual([{ field: 'to', message: 'must be after from' }])
    const long = await post(`/api/v1/rulesets/${liveId}/backtest`, { from: iso(now - 400 * DAY), to: iso(now) })
    expect(long.statusCode).toBe(400)
    expect((await post('/api/v1/rulesets/9999/backtest', { from: iso(now - DAY), to: iso(now) })).statusCode).toBe(404)
  })

  it('counts what each rule matched in the last 7 days', async () => {
    const res = await app.inject({ url: `/api/v1/rulesets/${liveId}/matches?days=7`, headers: { cookie: analyst.cookie } })
    expect(res.statusCode).toBe(200)
    const matches = new Map((res.json().rules as Array<{ ruleId: string; matches: number }>).map((r) => [r.ruleId, r.matches]))
    // Petitions 12, 10, 8 days ago fall outside; 6, 4, 2 days ago inside.
    expect(matches.get(rule!.id)).toBe(3)
    const strict = await app.inject({ url: `/api/v1/rulesets/${draftId}/matches`, headers: { cookie: analyst.cookie } })
    expect(new Map((strict.json().rules as Array<{ ruleId: string; matches: number }>).map((r) => [r.ruleId, r.matches])).get(rule!.id)).toBe(0)
  })
})
