// Soak test of the wall display (docs/architecture.md §10 "wall"): hours of events in accelerated time through
// the real ingest API into a real /wall in headless Chromium. The heap that counts is the one
// after the wall's bounded stores are full, so the run has three phases:
//   1. seed: before the wall opens, a day of history with more than the wall holds (1.2 × its
//      alert bound raised and worked through to closed, 1.2 × its event-id memory posted);
//   2. warm-up: the wall loads that history (its stores start full) and runs live until every
//      bound is reached and the alert store has trimmed at least once, and at least 5 minutes
//      (compiled code; see WARMUP_MIN_MS);
//   3. soak: `--minutes` of live traffic, sampled every 30 s.
// Heap figures are JS heap used after two forced collections (CDP HeapProfiler.collectGarbage),
// taken with the traffic paused. Exits 1 when the end heap is outside ±tolerance % of the
// post-warm-up heap, a chart was re-created, a bound was exceeded, or the wall went offline.
//   npm run soak:wall -- [--minutes 10] [--rate 50] [--sim-hours-per-minute 2] [--tolerance 10] [--snapshots]
// --snapshots also takes heap snapshots after warm-up and at the end and prints which
// constructors grew (self sizes), to find a leak.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { MAX_ALERTS, TICKER_SIZE } from '../client/src/stores/alerts.ts'
import { RECENT_SIZE, SEEN_IDS } from '../client/src/stores/events.ts'
import { CATEGORIES, type Source } from '../server/domain/taxonomy.ts'
import { type ApiSession, createFeed, postEvents, signIn } from './lib/api-client.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from '../tests/e2e/harness.ts'
import { heapAfterGc, heapSummary, type HeapSummary, summaryDiff } from './heap.ts'
import { Rng } from '../server/simulator/random.ts'

const ROOT = new URL('..', import.meta.url).pathname
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '50' },
    'sim-hours-per-minute': { type: 'string', default: '2' },
    tolerance: { type: 'string', default: '10' },
    'warmup-max-minutes': { type: 'string', default: '8' },
    snapshots: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log('usage: npm run soak:wall -- [--minutes 10] [--rate 50 events/s] [--sim-hours-per-minute 2] [--tolerance 10 %] [--warmup-max-minutes 8] [--snapshots]')
  process.exit(0)
}
const MINUTES = Number(args.minutes)
const RATE = Number(args.rate)
const SIM_HOURS_PER_MINUTE = Number(args['sim-hours-per-minute'])
const TOLERANCE = Number(args.tolerance) / 100
const WARMUP_MAX_MINUTES = Number(args['warmup-max-minutes'])
for (const [name, v] of [['minutes', MINUTES], ['rate', RATE], ['sim-hours-per-minute', SIM_HOURS_PER_MINUTE], ['tolerance', TOLERANCE], ['warmup-max-minutes', WARMUP_MAX_MINUTES]] as const) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`)
}

const DURATION_MS = MINUTES * 60_000
const WARMUP_MAX_MS = WARMUP_MAX_MINUTES * 60_000
/**
 * At least this long live before the first sample, bounds full or not. With a one-minute warm-up
 * the heap still rose 8 % over the next ten, and heap snapshots put nearly all of it in compiled
 * code ("(code)" +0.96 MB; the wall's own objects, strings and arrays flat): V8 tiering the hot
 * paths up to optimised code, most of it in the first minutes of live traffic. After 5 minutes
 * the next ten grew 5.3 %, again mostly compiled code (BENCHMARKS.md, Wall).
 */
const WARMUP_MIN_MS = 5 * 60_000
const TICK_MS = 250
const SAMPLE_MS = 30_000
const CLOSE_EVERY_MS = 15_000
const SPEED = SIM_HOURS_PER_MINUTE * 60 // simulated ms per real ms
/** The alert store trims at 1.1 × MAX_ALERTS: seed past that, so the wall loads a full store. */
const SEED_ALERTS = Math.ceil(MAX_ALERTS * 1.2)
/** The wall's first load reads the whole 30-day window: this many events fill its id memory. */
const SEED_EVENTS = Math.ceil(SEEN_IDS * 1.2)
const SEED_SPAN_MS = 24 * 3_600_000
/** The alert store's ceiling: it trims back to MAX_ALERTS once it is 10 % over. */
const ALERTS_CEILING = Math.ceil(MAX_ALERTS * 1.1)

// ---- a deterministic event mix ---------------------------------------------------------------
const rng = new Rng(20261123)
const random = () => rng.next()
const pick = <T>(xs: readonly T[]): T => rng.pick(xs)
let serial = 0

/** An event of the usual mix; `boost` multiplies the share of those that raise an alert. */
function simEvent(townships: string[], occurredAt: number, boost = 1) {
  const r = random()
  const source: Source = r < 0.45 ? 'dispute' : r < 0.7 ? 'petition' : 'incident'
  const category = pick(Object.keys(CATEGORIES[source]))
  const event: Record<string, unknown> = {
    source,
    externalId: `SOAK-${process.pid}-${++serial}`,
    township: pick(townships),
    category,
    severity: 1 + Math.floor(random() * 4),
    peopleCount: 1 + Math.floor(random() * 3),
    occurredAt: new Date(occurredAt).toISOString(),
    title: `压测事件 ${serial}`,
  }
  // Now and then something that raises an alert: collective petitions (orange), group disputes
  // (yellow), mass incidents (red).
  const a = random()
  if (source === 'petition' && a < 0.08 * boost) event['peopleCount'] = 5 + Math.floor(random() * 30)
  if (source === 'dispute' && a < 0.05 * boost) event['attributes'] = { flags: ['group'] }
  if (source === 'incident' && a < 0.01 * boost) event['category'] = 'mass'
  return event
}

// ---- the wall's alerts are worked through by the duty desk, so new ones keep being raised -----
interface AlertRow {
  id: number
  state: string
  version: number
}
async function closeOpenAlerts(server: RunningServer, duty: ApiSession): Promise<number> {
  const { items } = await duty.get<{ items: AlertRow[] }>('/api/v1/alerts?state=open&limit=200')
  let closed = 0
  const deadline = new Date(Date.now() + 86_400_000).toISOString()
  for (const a of items) {
    try {
      let v = a.version
      let state = a.state
      const act = async (action: string, body: object) => {
        const res = await duty.send<{ alert: AlertRow }>(`/api/v1/alerts/${a.id}/${action}`, { version: v, ...body })
        v = res.alert.version
        state = res.alert.state
      }
      if (state === 'new') await act('ack', {})
      if (state === 'acknowledged') await act('dispatch', { department: '综治中心', leadOfficial: '值班领导', deadline })
      if (state === 'dispatched') await act('resolve', { resolution: '已化解' })
      if (state === 'resolved') await act('close', { followUp: '电话回访', satisfaction: 'satisfied' })
      if (state === 'closed') closed++
    } catch {
      // raced by the engine (409 stale): next round
    }
  }
  return closed
}


// ---- measurements ----------------------------------------------------------------------------
interface Sample {
  phase: string
  atS: number
  simTime: string
  posted: number
  closed: number
  heapMB: number
  /** Blink's own garbage-collected heap (DOM, text shaping caches): not part of heapMB. */
  embedderMB: number
  nodes: number
  listeners: number
  alertsHeld: number
  eventIds: number
  tickerItems: number
  feedItems: number
  chartInits: string
  connection: string
}

const fmtTime = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`

/** Least-squares slope of heap over time, MB per hour of real time. */
function slopeMBPerHour(samples: Sample[]): number {
  const n = samples.length
  if (n < 2) return 0
  const xs = samples.map((s) => s.atS / 3600)
  const ys = samples.map((s) => s.heapMB)
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0)
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0)
  return den === 0 ? 0 : num / den
}

async function main(): Promise<number> {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-client-if-stale.ts')], { cwd: ROOT, stdio: 'inherit' })
  mkdirSync(ARTIFACTS, { recursive: true })
  console.log(`soak:wall — seed ${SEED_ALERTS} alerts and ${SEED_EVENTS} events, warm-up until the bounds are full (≥ ${WARMUP_MIN_MS / 60_000} min, ≤ ${WARMUP_MAX_MINUTES} min), then ${MINUTES} min at ${RATE} events/s, ${SIM_HOURS_PER_MINUTE} simulated h per real minute`)
  const [server, browser] = await Promise.all([startServer(), launchBrowser()])
  try {
    const token = await createFeed(server, 'soak-wall')
    const duty = await signIn(server, 'duty', 'demo-duty-2026')
    const townships = (await duty.get<Array<{ code: string }>>('/api/v1/townships')).map((t) => t.code)
    let posted = 0
    let closed = 0
    let failures = 0

    // ---- 1. seed: a day of history, more than the wall keeps --------------------------------
    // Simulated time runs at SPEED from the moment the wall opens and ends no later than the real
    // "now" even if the warm-up takes its longest: no event is ever dated in the future.
    const seedStarted = Date.now()
    const simOrigin = seedStarted - (WARMUP_MAX_MS + DURATION_MS + 600_000) * SPEED
    const seedFrom = simOrigin - SEED_SPAN_MS
    let seedIndex = 0
    while (closed < SEED_ALERTS || posted < SEED_EVENTS) {
      const batch = Array.from({ length: 200 }, () => simEvent(townships, seedFrom + (SEED_SPAN_MS * Math.min(1, ++seedIndex / (SEED_EVENTS * 2))), 5))
      posted += (await postEvents(server, token, batch)).accepted
      closed += await closeOpenAlerts(server, duty)
      if (Date.now() - seedStarted > 15 * 60_000) throw new Error(`seeding took over 15 min (${closed} alerts closed, ${posted} events)`)
    }
    const seedS = Math.round((Date.now() - seedStarted) / 1000)
    const seeded = { posted, closed }
    console.log(`  seed     ${seedS} s: ${posted} events posted, ${closed} alerts worked through to closed`)

    // ---- 2. the wall, warm-up -------------------------------------------------------------
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, locale: 'zh-CN' })
    await signInContext(context, server, 'leader', 'demo-leader-2026')
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${server.url}/wall`)
    await page.locator('[data-test="county-map"][data-map-ready="true"]').waitFor({ timeout: 60_000 })
    await page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 60_000 })
    const cdp = await context.newCDPSession(page)
    const opened = Date.now()
    let lastSimTime = simOrigin
    const simNow = () => Math.min(Date.now(), simOrigin + (Date.now() - opened) * SPEED)

    // Measurements are taken with the traffic paused and the page settled, so every sample
    // compares a quiet wall with a quiet wall (not whatever happens to be in flight).
    let paused = false
    const settle = () => page.waitForFunction(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => r(true)), 3_000)), null, { timeout: 60_000 })
    const wallState = () =>
      page.evaluate(() => {
        const wall = document.querySelector('[data-test="wall"]')
        return {
          alertsHeld: Number(wall?.getAttribute('data-alerts-held') ?? Number.NaN),
          eventIds: Number(wall?.getAttribute('data-event-ids') ?? Number.NaN),
          chartInits: [...document.querySelectorAll('[data-chart-inits]')].map((el) => el.getAttribute('data-chart-inits')).join(','),
          connection: document.querySelector('[data-test="connection-badge"]')?.getAttribute('data-state') ?? '?',
          tickerItems: document.querySelectorAll('[data-test="ticker-item"]').length,
          feedItems: document.querySelectorAll('[data-test="event-item"]').length,
        }
      })
    async function sample(phase: string): Promise<Sample> {
      paused = true
      try {
        await settle()
        const heap = await heapAfterGc(cdp)
        const dom = await cdp.send('Memory.getDOMCounters')
        const wall = await wallState()
        return { phase, atS: Math.round((Date.now() - opened) / 1000), simTime: fmtTime(lastSimTime), posted, closed, heapMB: heap.used / 1048576, embedderMB: heap.embedder / 1048576, nodes: dom.nodes, listeners: dom.jsEventListeners, ...wall }
      } finally {
        paused = false
      }
    }
    const samples: Sample[] = []
    const log = (s: Sample) => {
      samples.push(s)
      console.log(
        `  ${s.phase.padEnd(8)} t=${String(s.atS).padStart(4)} s  heap ${s.heapMB.toFixed(2)} MB (Blink ${s.embedderMB.toFixed(2)})  nodes ${s.nodes}  listeners ${s.listeners}  alerts held ${s.alertsHeld}  event ids ${s.eventIds}  posted ${s.posted}  closed ${s.closed}  charts ${s.chartInits}  ${s.connection}`,
      )
    }
    // The first REST load brings the seeded history in pages: wait for it (the stores full).
    await page
      .waitForFunction(
        ({ alerts, ids }) => {
          const wall = document.querySelector('[data-test="wall"]')
          return Number(wall?.getAttribute('data-alerts-held')) >= alerts && Number(wall?.getAttribute('data-event-ids')) >= ids
        },
        { alerts: MAX_ALERTS, ids: SEEN_IDS },
        { timeout: 120_000, polling: 500 },
      )
      .catch(() => console.log('  the first load did not fill the stores within 2 min'))
    const loaded = await sample('loaded')
    log(loaded)

    // The driver: batches every TICK_MS, their occurredAt marching through simulated time.
    let running = true
    const perTick = RATE * (TICK_MS / 1000)
    let owed = 0
    const drive = (async () => {
      let next = Date.now()
      while (running) {
        owed += perTick
        const n = paused ? 0 : Math.floor(owed)
        owed -= paused ? owed : n
        if (n > 0) {
          const to = simNow()
          const from = lastSimTime
          const batch = Array.from({ length: n }, (_, i) => simEvent(townships, from + ((to - from) * (i + 1)) / n))
          lastSimTime = to
          try {
            posted += (await postEvents(server, token, batch)).accepted
          } catch {
            failures++
          }
        }
        next += TICK_MS
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())))
      }
    })()
    const desk = (async () => {
      while (running) {
        await new Promise((r) => setTimeout(r, CLOSE_EVERY_MS))
        if (running && !paused) closed += await closeOpenAlerts(server, duty).catch(() => 0)
      }
    })()

    // Warm-up ends when every bound is reached and the alert store has trimmed live at least once
    // (its size fell while only growing traffic came in): from then on it can only oscillate.
    let trimmed = false
    let peakHeld = loaded.alertsHeld
    let full = false
    while (Date.now() - opened < WARMUP_MAX_MS) {
      await new Promise((r) => setTimeout(r, 2_000))
      const w = await wallState()
      if (w.alertsHeld < peakHeld) trimmed = true
      peakHeld = Math.max(peakHeld, w.alertsHeld)
      full = trimmed && w.alertsHeld >= MAX_ALERTS && w.eventIds >= SEEN_IDS && w.tickerItems > 0 && w.feedItems > 0
      if (full && Date.now() - opened >= Math.min(WARMUP_MIN_MS, WARMUP_MAX_MS)) break
    }
    const first = await sample('start')
    log(first)
    const warmupS = first.atS
    if (!full) console.log(`  warm-up: the bounds were not all reached within ${WARMUP_MAX_MINUTES} min (alerts held ${first.alertsHeld}, peak ${peakHeld}, trimmed ${trimmed}, event ids ${first.eventIds})`)
    const snapStart: HeapSummary | null = args.snapshots ? await heapSummary(cdp) : null

    // ---- 3. the soak ----------------------------------------------------------------------
    const soakStarted = Date.now()
    while (Date.now() - soakStarted < DURATION_MS - SAMPLE_MS / 2) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, DURATION_MS - (Date.now() - soakStarted))))
      if (Date.now() - soakStarted < DURATION_MS - 1000) log(await sample('running'))
    }
    running = false
    await Promise.all([drive, desk])
    const last = await sample('end')
    log(last)
    await page.screenshot({ path: join(ARTIFACTS, 'soak-wall-end.png') })
    const snapEnd: HeapSummary | null = args.snapshots ? await heapSummary(cdp) : null

    const soakSamples = samples.filter((s) => s.atS >= first.atS)
    const growth = (last.heapMB - first.heapMB) / first.heapMB
    const slope = slopeMBPerHour(soakSamples)
    const heaps = soakSamples.map((s) => s.heapMB)
    const chartsOk = samples.every((s) => s.chartInits.split(',').every((n) => n === '1'))
    const online = samples.every((s) => s.connection === 'online')
    const boundsOk = samples.every((s) => s.alertsHeld <= ALERTS_CEILING && s.eventIds <= SEEN_IDS && s.tickerItems <= TICKER_SIZE && s.feedItems <= RECENT_SIZE)
    const heapOk = Math.abs(growth) <= TOLERANCE
    const simHours = ((last.atS - first.atS) * 1000 * SPEED) / 3_600_000
    const soakEvents = last.posted - first.posted

    console.log('')
    console.log('| measure | loaded | after warm-up | end | verdict |')
    console.log('|---|---|---|---|---|')
    console.log(`| JS heap used after GC | ${loaded.heapMB.toFixed(2)} MB | ${first.heapMB.toFixed(2)} MB | ${last.heapMB.toFixed(2)} MB | ${pct(growth)} after warm-up (limit ±${(TOLERANCE * 100).toFixed(0)} %) ${heapOk ? 'ok' : 'FAIL'} |`)
    console.log(`| Blink heap (DOM, text caches; not in the JS heap) | ${loaded.embedderMB.toFixed(2)} MB | ${first.embedderMB.toFixed(2)} MB | ${last.embedderMB.toFixed(2)} MB | ${pct((last.embedderMB - first.embedderMB) / first.embedderMB)} (info) |`)
    console.log(`| heap range / trend during the soak | | ${Math.min(...heaps).toFixed(2)}–${Math.max(...heaps).toFixed(2)} MB | ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MB/h | least squares over ${soakSamples.length} samples |`)
    console.log(`| alerts held (bound ${MAX_ALERTS}, trims at ${ALERTS_CEILING}) | ${loaded.alertsHeld} | ${first.alertsHeld} | ${last.alertsHeld} | ${boundsOk ? 'ok' : 'FAIL: a bound was exceeded'} |`)
    console.log(`| event ids remembered (bound ${SEEN_IDS}) | ${loaded.eventIds} | ${first.eventIds} | ${last.eventIds} | |`)
    console.log(`| ticker / feed items (bounds ${TICKER_SIZE} / ${RECENT_SIZE}) | ${loaded.tickerItems} / ${loaded.feedItems} | ${first.tickerItems} / ${first.feedItems} | ${last.tickerItems} / ${last.feedItems} | |`)
    console.log(`| DOM nodes | ${loaded.nodes} | ${first.nodes} | ${last.nodes} | ${last.nodes - first.nodes >= 0 ? '+' : ''}${last.nodes - first.nodes} |`)
    console.log(`| JS event listeners | ${loaded.listeners} | ${first.listeners} | ${last.listeners} | ${last.listeners - first.listeners >= 0 ? '+' : ''}${last.listeners - first.listeners} |`)
    console.log(`| chart creations (data-chart-inits) | ${loaded.chartInits} | ${first.chartInits} | ${last.chartInits} | ${chartsOk ? 'ok' : 'FAIL: a chart was re-created'} |`)
    console.log(`| connection | ${loaded.connection} | ${first.connection} | ${last.connection} | ${online ? 'ok' : 'FAIL: went offline'} |`)
    console.log(`| events posted (accepted) | ${seeded.posted} seeded | ${first.posted} | ${last.posted} | ${soakEvents} in the soak, ${failures} failed batches |`)
    console.log(`| alerts worked through to closed | ${seeded.closed} seeded | ${first.closed} | ${last.closed} | ${last.closed - first.closed} in the soak |`)
    console.log(`| time | seed ${seedS} s | warm-up ${warmupS} s | soak ${last.atS - first.atS} s | ${simHours.toFixed(1)} simulated h in the soak (sim ${first.simTime} → ${last.simTime}) |`)
    if (snapStart && snapEnd) {
      console.log('\nheap snapshot, after warm-up → end: self size by constructor, largest changes')
      for (const d of summaryDiff(snapStart, snapEnd)) console.log(`  ${(d.bytes >= 0 ? '+' : '') + (d.bytes / 1024).toFixed(1)} KB`.padEnd(16) + `${(d.count >= 0 ? '+' : '') + d.count}`.padStart(9) + `  ${d.name}`)
    }
    if (errors.length) console.log(`page errors: ${errors.slice(0, 5).join(' | ')}`)
    const passed = heapOk && chartsOk && online && boundsOk && full && errors.length === 0 && soakEvents > 0
    console.log(passed ? 'soak:wall: PASS' : 'soak:wall: FAIL')
    await context.close()
    return passed ? 0 : 1
  } finally {
    await browser.close()
    await server.stop()
  }
}

process.exitCode = await main()
