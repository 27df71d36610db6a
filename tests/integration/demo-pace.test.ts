// The demo at the county's own pace: after the 60-day history and 30 minutes of live stream on the
// simulator's own clock, the ranking still tells townships apart and today's count continues the
// history, instead of the live stream swamping it (an accelerated SIMULATOR_RATE is opt-in).
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { loadConfig } from '../../server/config.ts'
import { simulatorInfo } from '../../server/modules/health/routes.ts'
import { countyFromRegions, REAL_RATE_PER_MINUTE } from '../../server/simulator/generator.ts'
import { backfillIfEmpty, DEFAULT_SEED, DEFAULT_SPEED, simulatorSubmitter } from '../../server/simulator/index.ts'
import { DEMO_WAITING_WINDOW } from '../../server/simulator/demo-desk.ts'
import { Simulator } from '../../server/simulator/runner.ts'
import type { CaseJson } from '../../server/modules/cases/schema.ts'
import { localDate } from '../../server/contract/zoned-time.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const TZ = 'Asia/Shanghai'
const { app, database } = await build()
const duty = await signIn(app, ['duty'])
const analyst = await signIn(app, ['analyst'])

let historyEnd = 0

describe('the demo at one believable rate', () => {
  it('streams at the history’s pace by default, and calls a faster stream accelerated', () => {
    const config = loadConfig({})
    expect(config.simulatorRate).toBeCloseTo(REAL_RATE_PER_MINUTE, 10)
    // The seeds' county survey: ~176 disputes, ~69 petitions and ~240 incidents a month.
    expect(REAL_RATE_PER_MINUTE * 60 * 24 * 30).toBeCloseTo(485, 0)
    expect(simulatorInfo(config.simulatorRate)).toMatchObject({ accelerated: false, factor: 1 })
    expect(simulatorInfo(30)).toMatchObject({ accelerated: true })
    expect(simulatorInfo(0)).toBeNull()
  })

  it('after 60 days of history and 30 simulated minutes live: at most a third at the cap, scores that rank, a normal day', async () => {
    // The demo's default rule set, live (as a fresh demo publishes it).
    const draft = await app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { ...DEFAULT_RULE_SET, comment: 'demo' } })
    expect((await app.inject({ method: 'POST', url: `/api/v1/rulesets/${draft.json().id}/publish`, headers: analyst.headers, payload: { comment: 'demo' } })).statusCode).toBe(200)
    await vi.waitFor(() => expect(app.engine.running).toBe(true))
    const end = Date.now()
    const start = end - 30 * 60_000
    await backfillIfEmpty(app, { days: 60, now: start })
    historyEnd = start
    let clock = start
    const submitter = await simulatorSubmitter(app)
    const simulator = new Simulator({
      county: countyFromRegions(app.regions),
      rate: loadConfig({}).simulatorRate,
      seed: DEFAULT_SEED,
      speed: DEFAULT_SPEED,
      tz: TZ,
      now: () => clock,
      sink: async (events) => {
        const result = await app.ingest.ingest(events, submitter)
        expect(result.rejected).toEqual([])
      },
    })
    // Thirty minutes, one tick a minute, on the simulator's clock (its timer never started).
    for (let minute = 1; minute <= 30; minute++) {
      clock = start + minute * 60_000
      await simulator.tick()
    }
    await app.engine.tick()

    const townships = (await app.inject({ url: '/api/v1/townships', headers: { cookie: duty.cookie } })).json() as Array<{ code: string; score: number }>
    expect(townships).toHaveLength(12)
    const capped = townships.filter((t) => t.score >= 100)
    expect(capped.length).toBeLessThanOrEqual(4)
    // The ranking tells townships apart: scores shown to 0.1 and the cap may tie a few (which ones
    // depends on the hour the test runs at), a saturated map would tie most.
    expect(new Set(townships.map((t) => t.score)).size).toBeGreaterThanOrEqual(9)

    // Today's events (centre's day) against the history's daily mean.
    const rows = await database.db.selectFrom('event').select('occurredAt').execute()
    const days = new Map<string, number>()
    for (const r of rows) {
      const d = localDate(r.occurredAt.getTime(), TZ)
      days.set(d, (days.get(d) ?? 0) + 1)
    }
    const today = localDate(end, TZ)
    const past = [...days.entries()].filter(([d]) => d < today)
    const mean = past.reduce((a, [, n]) => a + n, 0) / past.length
    expect(mean).toBeGreaterThan(10)
    expect(mean).toBeLessThan(25)
    // A part of a day at the usual pace: no more than twice a whole average day.
    expect(days.get(today) ?? 0).toBeLessThanOrEqual(2 * mean)
  })

  it('the history’s cases were handled as a centre would: older ones signed, dispatched, resolved and mostly closed, only the last hours waiting', async () => {
    expect(historyEnd).toBeGreaterThan(0)
    const list = (await app.inject({ url: '/api/v1/cases?limit=200', headers: { cookie: duty.cookie } })).json() as { items: CaseJson[] }
    const historic = list.items.filter((c) => Date.parse(c.openedAt) < historyEnd)
    expect(historic.length).toBeGreaterThan(5)
    const old = historic.filter((c) => Date.parse(c.openedAt) < historyEnd - DEMO_WAITING_WINDOW)
    expect(old.filter((c) => c.status === 'new'), 'no old case left unsigned').toEqual([])
    // A week is longer than the desk's longest handling (dispatch, resolution within days, the
    // follow-up visit after): every case of before then is closed.
    const weekOld = old.filter((c) => Date.parse(c.openedAt) < historyEnd - 7 * 86_400_000)
    expect(weekOld.length).toBeGreaterThan(0)
    expect(weekOld.filter((c) => c.status !== 'closed'), 'every case older than a week closed').toEqual([])
    // Whatever was left waiting is of the last hours.
    for (const c of historic.filter((x) => x.status === 'new')) expect(Date.parse(c.openedAt)).toBeGreaterThanOrEqual(historyEnd - DEMO_WAITING_WINDOW)
    for (const c of old) {
      expect(Date.parse(c.acknowledgedAt!), `case ${c.id} signed after it opened`).toBeGreaterThan(Date.parse(c.openedAt))
      expect(Date.parse(c.acknowledgedAt!), `case ${c.id} signed before the demo began`).toBeLessThan(historyEnd)
      expect(c.department, `case ${c.id} dispatched`).toBeTruthy()
    }
    // A closed case's timeline: the desk's steps in order, each in the past, each by the demo's 值班员.
    const closed = old.find((c) => c.status === 'closed')!
    const detail = (await app.inject({ url: `/api/v1/cases/${closed.id}`, headers: { cookie: duty.cookie } })).json() as { timeline: Array<{ action: string; at: string; actor: string }> }
    const steps = detail.timeline.filter((e) => ['ack', 'dispatch', 'resolve', 'close'].includes(e.action) && e.actor === 'duty')
    expect([...new Set(steps.map((e) => e.action))]).toEqual(['ack', 'dispatch', 'resolve', 'close'])
    const times = steps.map((e) => Date.parse(e.at))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(Math.max(...times)).toBeLessThan(historyEnd)
  })
})
