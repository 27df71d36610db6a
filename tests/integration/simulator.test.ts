import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { countEvents } from '../../server/modules/events/repository.ts'
import { backfill, countyFromRegions } from '../../server/simulator/generator.ts'
import { backfillIfEmpty, DEFAULT_SEED, fileQuietDays, SIMULATOR_FEED, simulatorSubmitter, startSimulator } from '../../server/simulator/index.ts'
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
    // The history was received when it was reported (the engine scores an event at its receipt), so
    // the alerts it implies carry their own times rather than all "just now".
    const received = await database.db.selectFrom('event').select(['receivedAt', 'reportedAt']).execute()
    expect(received.every((e) => e.receivedAt.getTime() === e.reportedAt.getTime())).toBe(true)
    expect(received.some((e) => e.receivedAt.getTime() < NOW - 30 * 86_400_000)).toBe(true)
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

describe('npm run simulate (the CLI feed)', () => {
  // Bounded by count, not by time (--count): the run ends after the batch that reaches 60 events,
  // a second or two on any machine, and what it reports is compared with what the server stored.
  it('posts demo events to a server through the public API: every event it reports as sent is stored once', async () => {
    const { spawn } = await import('node:child_process')
    const { app: server, database: db2 } = await build()
    const { feedToken } = await import('../helpers/auth.ts')
    const token = await feedToken(server, 'cli-feed')
    await server.listen({ port: 0, host: '127.0.0.1' })
    const address = server.server.address() as { port: number }
    const script = new URL('../../scripts/simulate.ts', import.meta.url).pathname
    const COUNT = 60
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [script, '--url', `http://127.0.0.1:${address.port}`, '--token', token, '--rate', '12000', '--count', String(COUNT), '--scenario', 'demolition-escalation', '--speed', '100000000'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      child.on('exit', (code) => resolve({ code, stdout, stderr }))
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^scenario demolition-escalation: 4 scripted events in 990100\d{3}/)
    const done = /done: sent (\d+); accepted (\d+), updated (\d+), duplicates (\d+), rejected (\d+)/.exec(run.stdout)
    expect(done, run.stdout).not.toBeNull()
    const [sent, accepted, updated, duplicates, rejected] = done!.slice(1).map(Number) as [number, number, number, number, number]
    expect(sent).toBeGreaterThanOrEqual(COUNT)
    // Every event sent was taken: a new one, or a new version of one sent before; none twice, none refused.
    expect({ duplicates, rejected }).toEqual({ duplicates: 0, rejected: 0 })
    expect(accepted + updated).toBe(sent)

    const stored = await db2.db.selectFrom('event').select(['externalId', 'version', 'category', 'peopleCount']).where('submittedBy', '=', 'cli-feed').execute()
    expect(stored.length).toBe(accepted)
    expect(new Set(stored.map((e) => e.externalId)).size).toBe(stored.length)
    // Each update is one more version of a stored event.
    expect(stored.reduce((n, e) => n + e.version - 1, 0)).toBe(updated)
    // The scenario's scripted mass gathering arrived exactly once.
    expect(stored.filter((e) => e.category === 'mass' && e.peopleCount === 35)).toHaveLength(1)
    const health = await server.inject({ url: '/api/v1/health' })
    expect(health.statusCode).toBe(200)
    await server.close()

    const invalid = await new Promise<number | null>((resolve) => spawn(process.execPath, [script, '--url', 'http://127.0.0.1:1'], { stdio: 'ignore' }).on('exit', resolve))
    expect(invalid).toBe(1)
  })
})

describe('zero reports from the simulator', () => {
  it("files today's zero report for each quiet township, never for a busy one or one whose feed is cut", async () => {
    const { app: fresh, database: db } = await build()
    const submitter = await simulatorSubmitter(fresh)
    const codes = fresh.regions.townships().map((t) => t.code).sort()
    const [busy, cut] = [codes[0]!, codes[1]!]
    const ingest = await fresh.ingest.ingest(
      [{ source: 'dispute', externalId: 'zr-busy', township: busy, category: 'neighbour', occurredAt: new Date(Date.now() - 3_600_000).toISOString() }],
      submitter,
    )
    expect(ingest.accepted).toBe(1)
    const reported: string[] = []
    const off = fresh.bus.on('zero-report:accepted', (r) => void reported.push(r.township))
    await fileQuietDays(fresh, submitter.feedId!, new Set([cut]))
    await fileQuietDays(fresh, submitter.feedId!, new Set([cut])) // a second pass files nothing new
    off()
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
    const rows = await db.db.selectFrom('zeroReport').select(['township', sql<string>`date::text`.as('date')]).execute()
    const quiet = codes.filter((c) => c !== busy && c !== cut)
    expect(rows.map((r) => r.township).sort()).toEqual(quiet)
    expect(rows.every((r) => r.date === today)).toBe(true)
    expect(reported.sort()).toEqual(quiet)
  })
})
