import type { FastifyInstance } from 'fastify'
import { createFeed, findFeedByName } from '../modules/feeds/repository.ts'
import { countEvents, markReceivedWhenReported, townshipsWithEventsSince } from '../modules/events/repository.ts'
import type { Submitter } from '../modules/events/service.ts'
import { localDate } from '../modules/events/time.ts'
import { insertZeroReports } from '../modules/zero-reports/repository.ts'
import { recordZeroReport } from '../modules/zero-reports/service.ts'
import { handleDemoHistory } from './demo-desk.ts'
import { backfill, countyFromRegions, type SimEvent } from './generator.ts'
import { Simulator } from './runner.ts'

export const SIMULATOR_FEED = 'simulator'
export const DEFAULT_SEED = 'shaowang-demo'
/** Scenario time compression in the demo: a simulated day every two minutes. */
export const DEFAULT_SPEED = 720
const BACKFILL_BATCH = 2000
/** The demo user who handled the history's cases. */
const DEMO_DESK_ACTOR = 'duty'

/** The system feed the simulator delivers as (its token is random and never shown). */
export async function simulatorSubmitter(app: FastifyInstance): Promise<Submitter> {
  let feed = await findFeedByName(app.db, SIMULATOR_FEED)
  if (!feed) {
    // Another process may create it at the same moment: whichever insert loses, the row exists.
    await createFeed(app.db, { name: SIMULATOR_FEED, description: 'in-process demo simulator (DEMO=1)', createdBy: 'system' }).catch(() => {})
    feed = await findFeedByName(app.db, SIMULATOR_FEED)
    if (!feed) throw new Error(`the ${SIMULATOR_FEED} feed could not be created`)
  }
  return { feedId: feed.id, name: feed.name, defaultSourceSystem: SIMULATOR_FEED }
}

/**
 * On an empty event table, `days` of history through the ingest pipeline (batched), and a zero
 * report for every township-day without events. Deterministic externalIds: a second run would
 * only find duplicates; the empty-table check means it does not even try.
 */
export async function backfillIfEmpty(app: FastifyInstance, options: { days: number; seed?: string; now?: number }): Promise<number> {
  if ((await countEvents(app.db)) > 0) return 0
  const submitter = await simulatorSubmitter(app)
  const county = countyFromRegions(app.regions)
  if (!county.townships.length) return 0
  const to = options.now ?? app.now().getTime()
  const from = to - options.days * 86_400_000
  const tz = app.config.tzDisplay
  const events = backfill(county, { seed: options.seed ?? DEFAULT_SEED, from, to, tz })
  const busy = new Set(events.map((e) => `${e.township}|${localDate(Date.parse(e.occurredAt), tz)}`))
  const zero: Array<{ township: string; date: string; reportedAt: Date; feedId: number; reportedBy: string }> = []
  for (let day = from; day < to; day += 86_400_000) {
    const date = localDate(day, tz)
    for (const t of county.townships) {
      if (!busy.has(`${t.code}|${date}`)) zero.push({ township: t.code, date, reportedAt: new Date(day), feedId: submitter.feedId!, reportedBy: SIMULATOR_FEED })
    }
  }
  let stored = 0
  const ids: number[] = []
  // History sets the levels and baselines through one rebuild, instead of raising an alert for
  // every past event as if it had just happened.
  app.engine.pause()
  try {
    for (let i = 0; i < events.length; i += BACKFILL_BATCH) {
      const result = await app.ingest.ingest(events.slice(i, i + BACKFILL_BATCH), submitter)
      stored += result.accepted
      for (const id of result.ids) if (id !== null) ids.push(id)
      if (result.rejected.length) app.log.warn({ rejected: result.rejected.slice(0, 3) }, 'simulator backfill: some events were rejected')
    }
    // Simulated history arrived when it was reported, not at install time: otherwise the rebuild
    // would score every past event as received just now, and the alerts it implies would all
    // show as raised this minute (刚刚) on the duty console.
    for (let i = 0; i < ids.length; i += BACKFILL_BATCH) {
      await markReceivedWhenReported(app.db, ids.slice(i, i + BACKFILL_BATCH))
    }
    await insertZeroReports(app.db, zero)
  } finally {
    await app.engine.resume()
  }
  const desk = await handleDemoHistory(app, { now: to, seed: options.seed ?? DEFAULT_SEED, actor: DEMO_DESK_ACTOR })
  app.log.info({ events: stored, zeroReports: zero.length, days: options.days, cases: desk }, 'simulator: backfilled the demo history')
  return stored
}

export interface StartOptions {
  /** Events per minute; 0: backfill only. */
  rate: number
  seed?: string
  speed?: number
  /** Days of history on an empty event table (0: none). */
  backfillDays?: number
  tickMs?: number
}

/** Today's zero report for every township without simulated events in the last day, except those cut off. */
export async function fileQuietDays(app: FastifyInstance, feedId: number, silent: Set<string>): Promise<void> {
  const now = app.now()
  const date = localDate(now.getTime(), app.config.tzDisplay)
  const dayStart = new Date(now.getTime() - 86_400_000)
  const active = new Set(await townshipsWithEventsSince(app.db, dayStart, SIMULATOR_FEED))
  for (const t of app.regions.townships()) {
    if (silent.has(t.code) || active.has(t.code)) continue
    await recordZeroReport(app, { township: t.code, date, at: now, feedId, reportedBy: SIMULATOR_FEED })
  }
}

/** Starts the in-process simulator (DEMO=1), delivering through the ingest service as feed `simulator`. */
export async function startSimulator(app: FastifyInstance, options: StartOptions): Promise<{ simulator: Simulator | null; backfilled: number }> {
  const backfilled = options.backfillDays ? await backfillIfEmpty(app, { days: options.backfillDays, seed: options.seed }) : 0
  if (options.rate <= 0) return { simulator: null, backfilled }
  const submitter = await simulatorSubmitter(app)
  const simulator = new Simulator({
    county: countyFromRegions(app.regions),
    rate: options.rate,
    seed: options.seed ?? DEFAULT_SEED,
    speed: options.speed ?? DEFAULT_SPEED,
    tz: app.config.tzDisplay,
    tickMs: options.tickMs,
    now: () => app.now().getTime(),
    sink: async (events: SimEvent[]) => {
      const result = await app.ingest.ingest(events, submitter)
      if (result.rejected.length) app.log.warn({ rejected: result.rejected.slice(0, 3) }, 'simulator: some events were rejected')
    },
    onError: (err) => app.log.warn({ err }, 'simulator: a batch failed'),
    // Like a real township's office: a quiet day still gets its zero report (零报告), so silence
    // means a feed gap, never calm.
    zeroReports: (silent) => fileQuietDays(app, submitter.feedId!, silent),
  })
  await app.simulator?.stop()
  app.simulator = simulator
  simulator.start()
  app.log.info({ rate: options.rate }, 'simulator: streaming demo events')
  return { simulator, backfilled }
}

