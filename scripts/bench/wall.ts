// The wall (docs/architecture.md §10): how soon a cold /wall paints and draws its map, and that live updates
// never re-create a chart. The heap over hours is `npm run soak:wall` (a 15-minute run of its own,
// too long for this table; BENCHMARKS.md has its figures).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { SEEN_IDS } from '../../client/src/stores/events.ts'
import { CATEGORIES, SOURCES } from '../../server/domain/taxonomy.ts'
import { launchBrowser } from '../../tests/e2e/harness.ts'
import { createFeed, postEvents, signIn } from '../lib/api-client.ts'
import { adminPool, dropDatabase, uniqueName, withDatabase } from '../../tests/helpers/postgres.ts'
import { startServerProcess } from './server-process.ts'
import { type BenchSection, fmt, percentile } from './table.ts'

const ROOT = new URL('../..', import.meta.url).pathname
/** Set by CountyMap on the first frame that shows the map with its townships coloured. */
const MAP_DRAWN_MARK = 'wall:map-drawn'
const FIRST_PAINT_TARGET_MS = 2_000

export const run: BenchSection = async (ctx) => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-client-if-stale.ts')], { cwd: ROOT, stdio: 'inherit' })
  const loads = ctx.quick ? 3 : 7
  const historyEvents = ctx.quick ? 500 : 10_000
  const liveSeconds = ctx.quick ? 4 : 30

  let database: string | null = null
  const env: Record<string, string> = { DEMO: '1' }
  if (ctx.databaseUrl) {
    database = uniqueName('shaowang_bench_wall')
    const admin = adminPool(ctx.databaseUrl)
    await admin.query(`create database "${database}"`)
    await admin.end()
    env['DATABASE_URL'] = withDatabase(ctx.databaseUrl, database)
  }
  const [server, browser] = await Promise.all([startServerProcess(env), launchBrowser()])
  try {
    // A month of history, so the wall's first load has its windows to fill, as in service.
    const token = await createFeed(server, 'bench-wall')
    const admin = await signIn(server, 'admin', 'demo-admin-2026')
    const townships = (await admin.get<Array<{ code: string }>>('/api/v1/townships')).map((t) => t.code)
    const now = Date.now()
    const event = (i: number, occurredAt: number) => {
      const source = SOURCES[i % SOURCES.length]!
      const categories = Object.keys(CATEGORIES[source])
      return {
        source,
        externalId: `BENCH-WALL-${now}-${i}`,
        township: townships[i % townships.length],
        category: categories[i % categories.length],
        severity: 1 + (i % 3),
        peopleCount: 1 + (i % 4),
        occurredAt: new Date(occurredAt).toISOString(),
        title: `基准事件 ${i}`,
      }
    }
    for (let i = 0; i < historyEvents; i += 500) {
      const n = Math.min(500, historyEvents - i)
      await postEvents(server, token, Array.from({ length: n }, (_, k) => event(i + k, now - 30 * 86_400_000 + ((i + k + 1) * 30 * 86_400_000) / (historyEvents + 1))))
    }
    ctx.log(`wall: ${historyEvents} events of history posted`)

    // The wall's own way in: a kiosk pairing (read-only leader session).
    const kiosk = await admin.send<{ token: string }>('/api/v1/kiosks', { name: 'bench wall' })

    // Cold loads: a new context each time (empty cache, no session). The last one stays open
    // for the live updates below.
    const fcp: number[] = []
    const drawn: number[] = []
    const coldLoad = async () => {
      const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, locale: 'zh-CN' })
      const pair = await context.request.post(`${server.url}/api/v1/session/kiosk`, { data: { token: kiosk.token } })
      if (!pair.ok()) throw new Error(`kiosk pairing: ${pair.status()} ${await pair.text()}`)
      const page = await context.newPage()
      await page.goto(`${server.url}/wall`)
      await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, MAP_DRAWN_MARK, { timeout: 30_000 })
      const t = await page.evaluate((mark) => ({
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
        drawn: performance.getEntriesByName(mark)[0]?.startTime ?? Number.NaN,
      }), MAP_DRAWN_MARK)
      fcp.push(t.fcp)
      drawn.push(t.drawn)
      return { context, page }
    }
    for (let i = 1; i < loads; i++) await (await coldLoad()).context.close()
    const { context, page } = await coldLoad()
    ctx.log(`wall: cold loads, first contentful paint ${fcp.map((x) => Math.round(x)).join(', ')} ms; map drawn ${drawn.map((x) => Math.round(x)).join(', ')} ms`)

    // Live updates on the open wall: events every 250 ms and a red alert now and then; every
    // chart must still be the one created at mount.
    let creations = { before: [] as number[], after: [] as number[] }
    let updates = 0
    let posted = 0
    try {
      await page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 30_000 })
      // The first load of the history is done once the wall remembers all of it (or its bound).
      await page.waitForFunction((n) => Number(document.querySelector('[data-test="wall"]')?.getAttribute('data-event-ids')) >= n, Math.min(historyEvents, SEEN_IDS), { timeout: 60_000, polling: 250 })
      const wallState = () =>
        page.evaluate(() => ({
          inits: [...document.querySelectorAll('[data-chart-inits]')].map((el) => Number(el.getAttribute('data-chart-inits'))),
          newest: document.querySelector('[data-test="event-item"]')?.getAttribute('data-id') ?? '',
        }))
      const start = await wallState()
      const deadline = Date.now() + liveSeconds * 1000
      let i = historyEvents
      let newest = start.newest
      while (Date.now() < deadline) {
        const batch = Array.from({ length: 10 }, () => event(++i, Date.now()))
        if (i % 200 < 10) Object.assign(batch[0]!, { source: 'incident', category: 'mass' })
        await postEvents(server, token, batch)
        posted += batch.length
        await new Promise((r) => setTimeout(r, 250))
        // Live events reach the feed and the charts in the same batch: a new newest event is an update.
        const now = (await wallState()).newest
        if (now !== newest) updates++
        newest = now
      }
      // Let the last batch reach the charts (they are fed at most once a second).
      await new Promise((r) => setTimeout(r, 2_000))
      const end = await wallState()
      creations = { before: start.inits, after: end.inits }
    } finally {
      await context.close()
    }
    const recreated = creations.after.reduce((a, n, k) => a + n - (creations.before[k] ?? 0), 0)
    const fcpMedian = percentile(fcp, 50)
    const drawnMedian = percentile(drawn, 50)
    const dbName = ctx.databaseUrl ? 'PostgreSQL' : 'PGlite'
    return [
      {
        section: 'wall',
        measure: `cold /wall, first contentful paint (median of ${loads})`,
        value: fmt.ms(fcpMedian),
        reference: `max ${fmt.ms(Math.max(...fcp))}`,
        target: '< 2 s',
        verdict: fcpMedian < FIRST_PAINT_TARGET_MS ? 'met' : 'NOT MET',
      },
      {
        section: 'wall',
        measure: `cold /wall, map drawn with levels (median of ${loads})`,
        value: fmt.ms(drawnMedian),
        reference: `max ${fmt.ms(Math.max(...drawn))}; ${fmt.int(historyEvents)} events of history, ${dbName}`,
        target: '< 2 s',
        verdict: drawnMedian < FIRST_PAINT_TARGET_MS ? 'met' : 'NOT MET',
      },
      {
        section: 'wall',
        measure: `chart re-creations during ${liveSeconds} s of live updates`,
        value: String(recreated),
        reference: `${creations.after.length} charts, ${fmt.int(updates)} live updates seen, ${fmt.int(posted)} events posted`,
        target: '0 per update',
        verdict: recreated === 0 && creations.after.length > 0 && updates > 0 ? 'met' : 'NOT MET',
      },
    ]
  } finally {
    await browser.close()
    await server.stop()
    if (ctx.databaseUrl && database) {
      const pool = adminPool(ctx.databaseUrl)
      await dropDatabase(pool, database)
      await pool.end()
    }
  }
}
