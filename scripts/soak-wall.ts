// Soak test of the wall display (DESIGN §10 "wall"): hours of events in accelerated time through
// the real ingest API into a real /wall in headless Chromium, with the JS heap measured after a
// forced GC at the start (after warm-up) and at the end, DOM counters, and the charts' creation
// counts (each must stay 1: no chart re-created per update).
//   npm run soak:wall -- [--minutes 3] [--rate 50] [--sim-hours-per-minute 2] [--tolerance 10]
// Exits 1 when the end heap is outside ±tolerance % of the start heap, a chart was re-created,
// or the wall lost its live connection.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CATEGORIES, type Source } from '../server/domain/taxonomy.ts'
import { apiCall, apiSignIn, createFeedToken, postEvents, type ApiSession } from '../tests/e2e/wall-api.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from '../tests/e2e/harness.ts'

const ROOT = new URL('..', import.meta.url).pathname
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    rate: { type: 'string', default: '50' },
    'sim-hours-per-minute': { type: 'string', default: '2' },
    tolerance: { type: 'string', default: '10' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log('usage: npm run soak:wall -- [--minutes 3] [--rate 50 events/s] [--sim-hours-per-minute 2] [--tolerance 10 %]')
  process.exit(0)
}
const MINUTES = Number(args.minutes)
const RATE = Number(args.rate)
const SIM_HOURS_PER_MINUTE = Number(args['sim-hours-per-minute'])
const TOLERANCE = Number(args.tolerance) / 100
for (const [name, v] of [['minutes', MINUTES], ['rate', RATE], ['sim-hours-per-minute', SIM_HOURS_PER_MINUTE], ['tolerance', TOLERANCE]] as const) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`)
}

const DURATION_MS = MINUTES * 60_000
const WARMUP_MS = Math.min(60_000, Math.max(20_000, DURATION_MS * 0.15))
const TICK_MS = 250
const SAMPLE_MS = 30_000
const CLOSE_EVERY_MS = 15_000
const SIM_SPAN_MS = MINUTES * SIM_HOURS_PER_MINUTE * 3_600_000

// ---- a deterministic event mix ---------------------------------------------------------------
let seed = 20261123
function random(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
let serial = 0

function simEvent(townships: string[], occurredAt: number) {
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
  if (source === 'petition' && a < 0.08) event['peopleCount'] = 5 + Math.floor(random() * 30)
  if (source === 'dispute' && a < 0.05) event['attributes'] = { flags: ['group'] }
  if (source === 'incident' && a < 0.01) event['category'] = 'mass'
  return event
}

// ---- the wall's alerts are worked through by the duty desk, so new ones keep being raised -----
interface AlertRow {
  id: number
  state: string
  version: number
}
async function closeOpenAlerts(server: RunningServer, duty: ApiSession): Promise<number> {
  const { items } = await apiCall<{ items: AlertRow[] }>(server, duty, '/api/v1/alerts?state=open&limit=200')
  let closed = 0
  const deadline = new Date(Date.now() + 86_400_000).toISOString()
  for (const a of items) {
    try {
      let v = a.version
      let state = a.state
      const act = async (action: string, body: object) => {
        const res = await apiCall<{ alert: AlertRow }>(server, duty, `/api/v1/alerts/${a.id}/${action}`, { version: v, ...body })
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
  nodes: number
  listeners: number
  tickerItems: number
  chartInits: string
  connection: string
}

const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')

async function main(): Promise<number> {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-client-if-stale.ts')], { cwd: ROOT, stdio: 'inherit' })
  mkdirSync(ARTIFACTS, { recursive: true })
  console.log(`soak:wall — ${MINUTES} min real, ${RATE} events/s, ${SIM_HOURS_PER_MINUTE} simulated h per real minute (${(SIM_SPAN_MS / 3_600_000).toFixed(1)} h in all)`)
  const [server, browser] = await Promise.all([startServer(), launchBrowser()])
  try {
    const token = await createFeedToken(server, 'soak-wall')
    const duty = await apiSignIn(server, 'duty', 'demo-duty-2026')
    const townships = (await apiCall<Array<{ code: string }>>(server, duty, '/api/v1/townships')).map((t) => t.code)

    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, locale: 'zh-CN' })
    await signInContext(context, server, 'leader', 'demo-leader-2026')
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${server.url}/wall`)
    await page.locator('[data-test="county-map"][data-map-ready="true"]').waitFor({ timeout: 30_000 })
    await page.locator('[data-test="connection-badge"][data-state="online"]').waitFor({ timeout: 30_000 })
    const cdp = await context.newCDPSession(page)

    let posted = 0
    let closed = 0
    let failures = 0
    let lastSimTime = Date.now() - SIM_SPAN_MS
    const started = Date.now()
    const simNow = () => {
      const f = Math.min(1, (Date.now() - started) / DURATION_MS)
      return Date.now() - SIM_SPAN_MS * (1 - f)
    }

    // Measurements are taken with the traffic paused and the page settled, so every sample
    // compares a quiet wall with a quiet wall (not whatever happens to be in flight).
    let paused = false
    async function sample(phase: string): Promise<Sample> {
      paused = true
      await settle()
      try {
        return await measure(phase)
      } finally {
        paused = false
      }
    }
    const settle = () => page.waitForFunction(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => r(true)), 3_000)), null, { timeout: 60_000 })

    async function measure(phase: string): Promise<Sample> {
      // Twice: a first collection can leave garbage that finalisers free for the second.
      await cdp.send('HeapProfiler.collectGarbage')
      await cdp.send('HeapProfiler.collectGarbage')
      const heap = await cdp.send('Runtime.getHeapUsage')
      const dom = await cdp.send('Memory.getDOMCounters')
      const wall = await page.evaluate(() => ({
        chartInits: [...document.querySelectorAll('[data-chart-inits]')].map((el) => el.getAttribute('data-chart-inits')).join(','),
        connection: document.querySelector('[data-test="connection-badge"]')?.getAttribute('data-state') ?? '?',
        tickerItems: document.querySelectorAll('[data-test="ticker-item"]').length,
      }))
      return { phase, atS: Math.round((Date.now() - started) / 1000), simTime: fmt(lastSimTime), posted, closed, heapMB: heap.usedSize / 1048576, nodes: dom.nodes, listeners: dom.jsEventListeners, ...wall }
    }

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
          const to = Math.min(simNow(), Date.now())
          const from = lastSimTime
          const batch = Array.from({ length: n }, (_, i) => simEvent(townships, from + ((to - from) * (i + 1)) / n))
          lastSimTime = to
          try {
            const res = await postEvents(server, token, batch)
            posted += res.accepted
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

    const samples: Sample[] = []
    const log = (s: Sample) => {
      samples.push(s)
      console.log(`  ${s.phase.padEnd(8)} t=${String(s.atS).padStart(4)} s  heap ${s.heapMB.toFixed(2)} MB  nodes ${s.nodes}  listeners ${s.listeners}  posted ${s.posted}  closed ${s.closed}  charts ${s.chartInits}  ${s.connection}`)
    }
    await new Promise((r) => setTimeout(r, WARMUP_MS))
    const first = await sample('start')
    log(first)
    while (Date.now() - started < DURATION_MS - SAMPLE_MS / 2) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, DURATION_MS - (Date.now() - started))))
      if (Date.now() - started < DURATION_MS - 1000) log(await sample('running'))
    }
    running = false
    await Promise.all([drive, desk])
    const last = await sample('end')
    log(last)
    await page.screenshot({ path: join(ARTIFACTS, 'soak-wall-end.png') })

    const growth = (last.heapMB - first.heapMB) / first.heapMB
    const chartsOk = last.chartInits.split(',').every((n) => n === '1')
    const online = samples.every((s) => s.connection === 'online')
    const heapOk = Math.abs(growth) <= TOLERANCE

    console.log('')
    console.log('| measure | start (after warm-up) | end | verdict |')
    console.log('|---|---|---|---|')
    console.log(`| JS heap used after GC | ${first.heapMB.toFixed(2)} MB | ${last.heapMB.toFixed(2)} MB | ${(growth * 100).toFixed(1)} % (limit ±${(TOLERANCE * 100).toFixed(0)} %) ${heapOk ? 'ok' : 'FAIL'} |`)
    console.log(`| DOM nodes | ${first.nodes} | ${last.nodes} | ${last.nodes - first.nodes >= 0 ? '+' : ''}${last.nodes - first.nodes} |`)
    console.log(`| JS event listeners | ${first.listeners} | ${last.listeners} | ${last.listeners - first.listeners >= 0 ? '+' : ''}${last.listeners - first.listeners} |`)
    console.log(`| chart creations (data-chart-inits) | ${first.chartInits} | ${last.chartInits} | ${chartsOk ? 'ok' : 'FAIL: a chart was re-created'} |`)
    console.log(`| connection | ${first.connection} | ${last.connection} | ${online ? 'ok' : 'FAIL: went offline'} |`)
    console.log(`| events posted (accepted) | ${first.posted} | ${last.posted} | ${failures} failed batches |`)
    console.log(`| alerts worked through to closed | ${first.closed} | ${last.closed} | |`)
    console.log(`| simulated time | ${first.simTime} | ${last.simTime} | ${(SIM_SPAN_MS / 3_600_000).toFixed(1)} h over ${MINUTES} min |`)
    if (errors.length) console.log(`page errors: ${errors.slice(0, 5).join(' | ')}`)
    const passed = heapOk && chartsOk && online && errors.length === 0 && last.posted > 0
    console.log(passed ? 'soak:wall: PASS' : 'soak:wall: FAIL')
    await context.close()
    return passed ? 0 : 1
  } finally {
    await browser.close()
    await server.stop()
  }
}

process.exitCode = await main()
