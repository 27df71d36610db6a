// Scale (docs/architecture.md §10): a whole country — 40,000 townships, 10 million stored events — and the
// engine's start-up rebuild time, the server's memory, and whether scoring one event costs the
// same at 100 townships as at 40,000.
//
// Rebuild and memory: the real server (server/main.ts) as its own process on a generated
// country (generate-country.ts), timed by the engine's own gauge and /proc. Per-event cost: the
// live runner in this process with storage as memory (no database, so only scoring is timed),
// fed one stream at 1,000 events/s of simulated time, clock ticks every second and the decay
// refresh every 5 s included, so work that grows with the township count shows up per event.
//   --keep: keep the generated country for the next run (found by name), see generate-country.ts
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import type { AlertDecision, TownshipSnapshot } from '../../server/domain/engine.ts'
import type { RiskEvent } from '../../server/domain/event.ts'
import { type EngineStore, LiveEngine } from '../../server/engine/live-engine.ts'
import { type Country, generateCountry } from './generate-country.ts'
import { HttpClient, signIn } from '../lib/api-client.ts'
import { startServerProcess } from './server-process.ts'
import { benchRuleSet, syntheticEvents, townshipList } from './synthetic.ts'
import { fmt, type BenchContext, type BenchRow } from './table.ts'

const DAY = 86_400_000
const GB = 1024 ** 3

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return m ? Number(m[1]) : Number.NaN
}

/**
 * BENCH_PROFILE=<dir>: a CPU profile of just the measured part (open it in Chrome DevTools);
 * --cpu-prof would drown it in the warm-up.
 */
async function profiler(name: string): Promise<() => Promise<void>> {
  const dir = process.env['BENCH_PROFILE']
  if (!dir) return async () => {}
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return async () => {
    const { profile } = await session.post('Profiler.stop')
    mkdirSync(dir, { recursive: true })
    writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile))
    session.disconnect()
  }
}

const ADMIN_PASSWORD = 'bench-admin-password-2026'

/** Start the server on the country and wait for its engine's rebuild (its gauge); the process is left running. */
async function startOnCountry(country: Country) {
  const t0 = performance.now()
  const server = await startServerProcess({ DATABASE_URL: country.url, DEMO: '0', ADMIN_PASSWORD }, { timeoutMs: 300_000 })
  const deadline = Date.now() + 600_000
  let rebuilt = 0
  while (!(rebuilt > 0)) {
    if (Date.now() > deadline) {
      await server.stop()
      throw new Error(`engine did not rebuild in 600 s:\n${server.output()}`)
    }
    await new Promise((r) => setTimeout(r, 250))
    rebuilt = await metric(server.url, 'shaowang_engine_rebuild_seconds')
  }
  return { server, rebuilt, ready: (performance.now() - t0) / 1000, replayed: await metric(server.url, 'shaowang_engine_rebuild_events') }
}

/**
 * Start the server twice on the country. The first start also raises every alert the replay
 * finds active (tens of thousands on a generated country that never ran live); the second is
 * a restart of a running system, the figure docs/architecture.md §10 asks for.
 */
async function serverOnCountry(ctx: BenchContext, country: Country): Promise<BenchRow[]> {
  const first = await startOnCountry(country)
  await first.server.stop()
  ctx.log(`first start: rebuild ${first.rebuilt.toFixed(1)} s (raising the alerts found active)`)
  const { server, rebuilt, ready, replayed } = await startOnCountry(country)
  try {
    // What a wall asks first: every township's score (the heaviest read that scales with them),
    // before the memory is read, so the peak includes it.
    const client = new HttpClient(server.url, 1)
    const admin = await signIn(client, 'admin', ADMIN_PASSWORD)
    const t0 = performance.now()
    const list = await client.request('GET', '/api/v1/townships', undefined, admin.headers)
    const listMs = performance.now() - t0
    if (list.status !== 200) throw new Error(`GET /api/v1/townships: HTTP ${list.status}`)
    const listed = (JSON.parse(list.body) as unknown[]).length
    const peak = server.peakRssBytes()
    const rss = server.rssBytes()
    const what = `${fmt.int(country.townships)} townships, ${fmt.int(country.events)} events`
    return [
      {
        section: 'scale',
        measure: `engine rebuild at restart (${what})`,
        value: fmt.s(rebuilt),
        reference: `${fmt.int(replayed)} events replayed (the rules' horizon); process start to engine ready ${fmt.s(ready)}; first start ${fmt.s(first.rebuilt)}`,
        target: '< 30 s',
        verdict: rebuilt < 30 ? 'met' : 'NOT MET',
      },
      {
        section: 'scale',
        measure: `server memory, peak RSS (${what})`,
        value: fmt.mb(peak),
        reference: `RSS after rebuild ${fmt.mb(rss)}`,
        target: '< 2 GB',
        verdict: peak < 2 * GB ? 'met' : 'NOT MET',
      },
      {
        section: 'scale',
        measure: `GET /api/v1/townships, every township's score (${fmt.int(country.townships)} townships)`,
        value: fmt.ms(listMs),
        reference: `${fmt.int(listed)} townships, ${fmt.mb(list.body.length)} of JSON`,
        target: '',
        verdict: 'info',
      },
    ]
  } finally {
    await server.stop()
  }
}

/**
 * CPU per event through the live runner, after a warm-up of 30 days of history, with the same
 * stream spread over `townships`. Storage is memory; saves and pushes are counted, not done.
 */
export async function perEventCost(townshipCount: number, options: { warm: number; measured: number }): Promise<{ cpuPerEventUs: number; refreshMs: number; saved: number }> {
  const townships = townshipList(townshipCount)
  const ruleSet = benchRuleSet()
  const now0 = Date.UTC(2026, 5, 1)
  const history = syntheticEvents({ n: options.warm, townships, start: now0 - 30 * DAY, spanMs: 30 * DAY, seed: 7 }).map((e) => ({ ...e, receivedAt: e.occurredAt }))
  const rate = 1_000 // events per simulated second
  const live = syntheticEvents({ n: options.measured, townships, start: now0, spanMs: (options.measured / rate) * 1000, seed: 11, firstId: options.warm + 1 })
  const clock = { now: now0 }
  let saved = 0
  const store: EngineStore = {
    loadInputs: async () => ({ ruleSet, townships, calendar: [] }),
    dataStart: async () => history[0]?.occurredAt ?? null,
    async *eventsSince(since) {
      for (let i = 0; i < history.length; i += 5_000) yield history.slice(i, i + 5_000).filter((e) => e.occurredAt >= since.getTime())
    },
    // Every township has reported within the day (a zero report an hour before the stream), as
    // a reporting country's would: no silence starts in the measured minute.
    zeroReportsSince: async () => townships.map((t) => ({ township: t.code, date: '2026-06-01', at: now0 - 3_600_000 })),
    saveRisk: async (s: TownshipSnapshot[]) => void (saved += s.length),
    alertKeys: async () => ({ open: new Map(), openRecovered: new Set(), lastSeen: new Map() }),
  }
  const engine = new LiveEngine({
    store,
    sink: { applyAlerts: async (_d: AlertDecision[]) => {}, riskChanged: () => {} },
    timeZone: 'Asia/Shanghai',
    now: () => clock.now,
    tickMs: 0,
    refreshMs: 5_000,
  })
  await engine.start()
  saved = 0
  const feed = async (events: RiskEvent[]) => {
    let nextTick = clock.now + 1_000
    for (const e of events) {
      clock.now = e.occurredAt
      while (clock.now >= nextTick) {
        await engine.tick()
        nextTick += 1_000
      }
      await engine.ingest([e])
    }
  }
  // JIT warm-up on a slice, then the measured stream.
  const warmup = Math.min(5_000, Math.floor(live.length / 5))
  await feed(live.slice(0, warmup))
  const profile = await profiler(`per-event-${townshipCount}`)
  const c0 = process.cpuUsage()
  await feed(live.slice(warmup))
  const c = process.cpuUsage(c0)
  // One decay refresh pass on its own: tick 5 s later with nothing else to do.
  clock.now += 5_000
  const r0 = performance.now()
  await engine.tick()
  const refreshMs = performance.now() - r0
  await profile()
  await engine.stop()
  return { cpuPerEventUs: (c.user + c.system) / (live.length - warmup), refreshMs, saved }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const keep = process.argv.includes('--keep')
  const events = ctx.quick ? 500_000 : 10_000_000
  const townships = 40_000
  if (!ctx.databaseUrl) {
    rows.push({ section: 'scale', measure: 'engine rebuild and server memory on a generated country', value: 'skipped', reference: 'needs PostgreSQL (set DATABASE_URL)', target: '< 30 s, < 2 GB', verdict: 'info' })
  } else {
    const country = await generateCountry({ baseUrl: ctx.databaseUrl, townships, events, reuse: keep, log: (l) => ctx.log(`country: ${l}`) })
    try {
      ctx.log(country.reused ? `country ${country.name} reused` : `country ${country.name} generated in ${country.seconds.toFixed(0)} s`)
      rows.push(...(await serverOnCountry(ctx, country)))
    } finally {
      if (!keep) await country.drop()
    }
  }

  const sizes = { warm: ctx.quick ? 60_000 : 300_000, measured: ctx.quick ? 20_000 : 60_000 }
  const small = await perEventCost(100, sizes)
  const large = await perEventCost(townships, sizes)
  const ratio = large.cpuPerEventUs / small.cpuPerEventUs
  rows.push(
    {
      section: 'scale',
      measure: `scoring CPU per event, ${fmt.int(townships)} townships (live runner, 20 rules, 1,000 ev/s)`,
      value: `${large.cpuPerEventUs.toFixed(0)} µs`,
      reference: `100 townships: ${small.cpuPerEventUs.toFixed(0)} µs (ratio ${ratio.toFixed(2)})`,
      target: 'flat (ratio ≤ 1.5)',
      verdict: ratio <= 1.5 ? 'met' : 'NOT MET',
    },
    {
      section: 'scale',
      measure: `decay refresh pass (every 5 s), ${fmt.int(townships)} townships`,
      value: fmt.ms(large.refreshMs),
      reference: `100 townships: ${fmt.ms(small.refreshMs)}`,
      target: '',
      verdict: 'info',
    },
  )
  return rows
}
