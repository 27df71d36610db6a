// Server soak (docs/architecture.md §13): the real server (server/main.ts) as its own process, fed events
// through the public ingest API at a steady rate for a long time, with a live Socket.IO client
// connected, then a graceful stop. Reports the server's memory (RSS start/end/peak, V8 heap),
// event-loop lag (p99/max from its /metrics), error-level log lines, failed requests, and the
// stored-vs-acknowledged event counts.
//   npm run soak -- [--minutes 30] [--rate 1000]
// Runs on PostgreSQL when DATABASE_URL is set (a fresh database, dropped afterwards), else on
// embedded PGlite. Exits 1 when stored ≠ acknowledged, an event is stored twice, an error was
// logged, a request failed, or the server did not stop cleanly.
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { connectDatabase } from '../db/connect.ts'
import { CATEGORIES, SOURCES } from '../server/domain/taxonomy.ts'
import { startServer } from '../tests/e2e/harness.ts'
import { connectLive } from '../tests/helpers/live.ts'
import { createFeed, HttpClient, signIn, submitEvents } from './lib/api-client.ts'
import { metrics, townshipScores } from '../tests/helpers/server-process.ts'
import { Rng } from '../server/simulator/random.ts'
import { processMemory } from './lib/process-memory.ts'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '1000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log('usage: npm run soak -- [--minutes 30] [--rate 1000 events/s]   (DATABASE_URL set: PostgreSQL, else PGlite)')
  process.exit(0)
}
const MINUTES = Number(args.minutes)
const RATE = Number(args.rate)
for (const [name, v] of [['minutes', MINUTES], ['rate', RATE]] as const) {
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`soak: --${name} must be a positive number (got ${JSON.stringify(args[name])})`)
    process.exit(2)
  }
}

const DURATION_MS = MINUTES * 60_000
/** One batch per tick: 4 requests a second stays far under the per-feed rate limit (600 a minute). */
const TICK_MS = 250
/** Requests in flight at most; a tick that finds them all busy is counted as "behind" and skipped. */
const MAX_IN_FLIGHT = 8
const SAMPLE_MS = 5_000
/** prom-client's default event-loop monitoring precision (collectDefaultMetrics' eventLoopMonitoringPrecision). */
const LAG_RESOLUTION_S = 0.01
const FEED = `soak-${Date.now().toString(36)}`

const log = (line: string) => console.error(`[soak] ${line}`)
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`
const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`

// ---- a deterministic event mix ----------------------------------------------------------------
const rng = new Rng(20261123)
const random = () => rng.next()
const pick = <T>(xs: readonly T[]): T => rng.pick(xs)
let serial = 0

function nextEvent(townships: string[]): Record<string, unknown> {
  const source = pick(SOURCES)
  return {
    source,
    externalId: `e${serial++}`,
    township: pick(townships),
    category: pick(Object.keys(CATEGORIES[source])),
    severity: 1 + Math.floor(random() * 4),
    peopleCount: random() < 0.02 ? 10 + Math.floor(random() * 40) : 1,
    occurredAt: new Date(Date.now() - Math.floor(random() * 3_600_000)).toISOString(),
  }
}

// ---- run --------------------------------------------------------------------------------------
const server = await startServer({ LOG_LEVEL: 'warn' })
const pid = server.pid()!
let failed = false
try {
  log(`server pid ${pid} on ${server.env['DATABASE_URL'] ? 'PostgreSQL' : 'PGlite'}; ${MINUTES} min at ${RATE} events/s`)
  const townships = [...(await townshipScores(server)).keys()]
  const token = await createFeed(server, FEED)
  // Keep-alive sockets, as many as batches may be in flight at once.
  const client = new HttpClient(server.url, MAX_IN_FLIGHT)
  const watcher = await connectLive(server.url, { token: (await signIn(server, 'leader')).token })

  let acked = 0
  let duplicates = 0
  let failures = 0
  let behind = 0
  let inFlight = 0
  const statuses = new Map<string, number>()
  const samples: Array<{ at: number; rss: number; heap: number; lagP99: number; lagMax: number }> = []

  // One scrape per sample: each scrape resets the server's event-loop histogram.
  const LAG_P99 = 'shaowang_nodejs_eventloop_lag_p99_seconds'
  const LAG_MAX = 'shaowang_nodejs_eventloop_lag_max_seconds'
  const HEAP = 'shaowang_nodejs_heap_size_used_bytes'
  async function sample(): Promise<void> {
    const m = await metrics(server, [HEAP, LAG_P99, LAG_MAX])
    // The histogram records each timer's whole interval: lag is what exceeds the sampling period.
    const lag = (v: number | null) => (v === null ? Number.NaN : Math.max(0, v - LAG_RESOLUTION_S))
    samples.push({ at: Date.now(), rss: processMemory(pid, 'VmRSS'), heap: m[HEAP] ?? Number.NaN, lagP99: lag(m[LAG_P99]), lagMax: lag(m[LAG_MAX]) })
  }

  async function send(batch: Array<Record<string, unknown>>): Promise<void> {
    inFlight++
    try {
      const res = await submitEvents(client, token, batch)
      const body = res.body as Partial<typeof res.body>
      statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1)
      if (res.status === 202) {
        acked += (body.accepted ?? 0) + (body.updated ?? 0)
        duplicates += body.duplicates ?? 0
        if (body.rejected?.length) failures++
      } else failures++
    } catch (err) {
      const reason = `network (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
      statuses.set(reason, (statuses.get(reason) ?? 0) + 1)
      failures++
    } finally {
      inFlight--
    }
  }

  // Start from a fresh histogram: the start-up (migrations, seed, demo backfill) is not the soak.
  await metrics(server, [LAG_MAX])
  await new Promise((r) => setTimeout(r, SAMPLE_MS))
  await sample()
  const started = Date.now()
  let owed = 0
  let lastTick = started
  let nextSample = started + SAMPLE_MS
  let nextReport = started + 60_000
  const pending = new Set<Promise<void>>()
  while (Date.now() - started < DURATION_MS) {
    const now = Date.now()
    // Events owed since the last tick; fractional rates carry over.
    owed += ((now - lastTick) / 1000) * RATE
    lastTick = now
    const n = Math.floor(owed)
    if (n > 0) {
      if (inFlight >= MAX_IN_FLIGHT) behind += n
      else {
        const batch = Array.from({ length: Math.min(n, 5000) }, () => nextEvent(townships))
        const p = send(batch)
        pending.add(p)
        void p.finally(() => pending.delete(p))
      }
      owed -= n
    }
    if (now >= nextSample) {
      nextSample += SAMPLE_MS
      await sample().catch(() => {})
    }
    if (now >= nextReport) {
      nextReport += 60_000
      const s = samples.at(-1)!
      log(`${((now - started) / 60_000).toFixed(0)} min: ${acked} acknowledged, ${failures} failed, ${behind} behind, RSS ${mb(s.rss)}, heap ${mb(s.heap)}, lag p99 ${ms(s.lagP99)}`)
    }
    await new Promise((r) => setTimeout(r, Math.max(0, lastTick + TICK_MS - Date.now())))
  }
  await Promise.all(pending)
  const elapsed = (Date.now() - started) / 1000
  // Let the engine finish what it was handed, then one last sample before the stop.
  await new Promise((r) => setTimeout(r, 2_000))
  await sample()
  const alertsSeen = watcher.alertChanges().length
  watcher.close()

  const peak = processMemory(pid, 'VmHWM')
  // A graceful stop, then count what is stored in the database itself.
  const exit = await server.terminate()
  const errorLines = server
    .output()
    .split('\n')
    .filter((line) => /"level":(50|60)\b/.test(line)).length
  const handle = server.env['DATABASE_URL']
    ? await connectDatabase({ kind: 'postgres', url: server.env['DATABASE_URL'], poolSize: 1 })
    : await connectDatabase({ kind: 'pglite', dataDir: join(server.env['DATA_DIR']!, 'pglite') })
  let stored = 0
  let distinct = 0
  try {
    const row = await handle.db
      .selectFrom('event')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('externalId').distinct().as('d')])
      .where('sourceSystem', '=', FEED)
      .executeTakeFirstOrThrow()
    stored = Number(row.n)
    distinct = Number(row.d)
  } finally {
    await handle.close()
  }

  const first = samples[0]!
  const last = samples.at(-1)!
  const finite = (xs: number[]) => xs.filter(Number.isFinite)
  const lagP99 = Math.max(...finite(samples.map((s) => s.lagP99)))
  const lagMax = Math.max(...finite(samples.map((s) => s.lagMax)))
  const sortedP99 = finite(samples.map((s) => s.lagP99)).sort((a, b) => a - b)
  const medianP99 = sortedP99[Math.floor(sortedP99.length / 2)] ?? Number.NaN
  const rows: Array<[string, string, string]> = [
    ['duration', `${(elapsed / 60).toFixed(1)} min`, ''],
    ['rate asked / achieved', `${RATE} / ${(acked / elapsed).toFixed(0)} events/s`, behind ? `${behind} events skipped (server behind)` : ''],
    ['events acknowledged (202)', String(acked), `${duplicates} duplicates`],
    ['events stored', `${stored} (${distinct} distinct)`, stored === acked && distinct === stored ? 'equal' : 'MISMATCH'],
    ['requests by status', [...statuses].map(([k, v]) => `${k}: ${v}`).join(', '), failures ? `${failures} failed` : ''],
    ['RSS start / end / peak', `${mb(first.rss)} / ${mb(last.rss)} / ${mb(Number.isFinite(peak) ? peak : Math.max(...samples.map((s) => s.rss)))}`, ''],
    ['V8 heap used start / end / max', `${mb(first.heap)} / ${mb(last.heap)} / ${mb(Math.max(...finite(samples.map((s) => s.heap))))}`, ''],
    ['event-loop lag p99 (median / worst 5 s window)', `${ms(medianP99)} / ${ms(lagP99)}`, ''],
    ['event-loop lag max', ms(lagMax), ''],
    ['alert changes pushed to the live client', String(alertsSeen), ''],
    ['error-level log lines', String(errorLines), ''],
    ['graceful stop', exit.code === 0 ? 'exit 0' : `exit ${exit.code ?? exit.signal}`, ''],
  ]
  const width = Math.max(...rows.map((r) => r[0].length))
  console.log(`\nsoak: ${server.env['DATABASE_URL'] ? 'PostgreSQL' : 'PGlite'}, ${MINUTES} min at ${RATE} events/s\n`)
  for (const [k, v, note] of rows) console.log(`  ${k.padEnd(width)}  ${v}${note ? `  (${note})` : ''}`)

  const problems: string[] = []
  if (stored !== acked) problems.push(`stored ${stored} ≠ acknowledged ${acked}`)
  if (distinct !== stored) problems.push(`${stored - distinct} events stored more than once`)
  if (duplicates) problems.push(`${duplicates} duplicates reported for fresh externalIds`)
  if (errorLines) problems.push(`${errorLines} error-level log lines`)
  if (failures) problems.push(`${failures} failed requests`)
  if (exit.code !== 0) problems.push(`the server did not stop cleanly (${exit.code ?? exit.signal})`)
  if (acked === 0) problems.push('nothing was acknowledged')
  if (problems.length) {
    failed = true
    console.log(`\nFAILED: ${problems.join('; ')}`)
    if (errorLines) console.log(`\nserver log (tail):\n${server.output().split('\n').filter((l) => /"level":(50|60)\b/.test(l)).slice(-5).join('\n')}`)
  } else console.log('\nOK')
} catch (err) {
  failed = true
  console.error('soak: failed:', err)
  console.error(server.output().slice(-4000))
} finally {
  await server.stop()
}
process.exit(failed ? 1 : 0)
