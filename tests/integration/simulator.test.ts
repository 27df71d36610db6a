import { describe, expect, it } from 'vitest'
import { countEvents } from '../../server/modules/events/repository.ts'
import { backfill, countyFromRegions } from '../../server/simulator/generator.ts'
import { backfillIfEmpty, DEFAULT_SEED, SIMULATOR_FEED, startSimulator } from '../../server/simulator/index.ts'
import type { RiskEvent } from '../../server/domain/event.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const { app, database } = await build()
const duty = await signIn(app, ['duty'])
const NOW = Date.now()

describe('the in-process simulator (DEMO=1)', () => {
  let backfilled = 0

  it('with no simulator running, a scenario cannot be triggered', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/simulator/scenarios/wage-arrears', headers: duty.headers })
    expect(res.statusCode).toBe(409)
    expect(res.json().error.code).toBe('simulator_off')
  })

  it('backfills 60 days of history on an empty event table, with zero reports for quiet days', async () => {
    expect(await countEvents(database.db)).toBe(0)
    backfilled = await backfillIfEmpty(app, { days: 60, now: NOW })
    expect(backfilled).toBeGreaterThan(800)
    // Every generated event was valid: all of them are stored.
    expect(await countEvents(database.db)).toBe(backfilled)
    const zero = await database.db.selectFrom('zeroReport').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(Number(zero.n)).toBeGreaterThan(0)
    const feed = await database.db.selectFrom('event').innerJoin('feed', 'feed.id', 'event.feedId').select('feed.name').distinct().execute()
    expect(feed).toEqual([{ name: SIMULATOR_FEED }])
  })

  it('a restart never duplicates the demo data', async () => {
    const again = await startSimulator(app, { rate: 0, backfillDays: 60 })
    expect(again).toEqual({ simulator: null, backfilled: 0 })
    expect(await countEvents(database.db)).toBe(backfilled)
    // Even replaying the same history finds only duplicates: the externalIds are deterministic.
    const history = backfill(countyFromRegions(app.regions), { seed: DEFAULT_SEED, from: NOW - 60 * 86_400_000, to: NOW, tz: 'Asia/Shanghai' })
    const feed = await database.db.selectFrom('feed').select('id').where('name', '=', SIMULATOR_FEED).executeTakeFirstOrThrow()
    const replay = await app.ingest.ingest(history, { feedId: feed.id, name: SIMULATOR_FEED, defaultSourceSystem: SIMULATOR_FEED })
    expect(replay).toMatchObject({ accepted: 0, updated: 0, duplicates: backfilled, rejected: [] })
    expect(await countEvents(database.db)).toBe(backfilled)
  })

  it('streams live events that the events API shows', async () => {
    const live = new Promise<RiskEvent[]>((resolve) => {
      const off = app.bus.on('events:accepted', (events) => {
        if (events.some((e) => e.externalId.startsWith('SIM-') && !e.externalId.startsWith('SIM-BF-'))) {
          off()
          resolve(events)
        }
      })
    })
    const { simulator } = await startSimulator(app, { rate: 60_000, tickMs: 20 })
    expect(simulator?.running).toBe(true)
    const events = await live
    const res = await app.inject({ url: `/api/v1/events?externalId=${encodeURIComponent(events[0]!.externalId)}&sourceSystem=${events[0]!.sourceSystem}`, headers: { cookie: duty.cookie } })
    expect(res.statusCode).toBe(200)
    expect(res.json().items).toEqual([expect.objectContaining({ externalId: events[0]!.externalId, township: events[0]!.township })])

    const scenario = await app.inject({ method: 'POST', url: '/api/v1/simulator/scenarios/demolition-escalation', headers: duty.headers })
    expect(scenario.statusCode).toBe(202)
    expect(scenario.json()).toMatchObject({ scenario: 'demolition-escalation', events: 4, township: expect.stringMatching(/^990100\d{3}$/) })
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/simulator/scenarios/alien-invasion', headers: duty.headers })
    expect(unknown.statusCode).toBe(400)
    const leader = await signIn(app, ['leader'])
    expect((await app.inject({ method: 'POST', url: '/api/v1/simulator/scenarios/feed-silence', headers: leader.headers })).statusCode).toBe(403)
    await simulator!.stop()
    expect(simulator!.running).toBe(false)
  })
})
