// A demo feed over HTTP: `npm run simulate -- --url http://127.0.0.1:3000 --token <feed token>`
// streams the demo county's events to any Shaowang server through the public API, exactly as a
// real feed would (POST /api/v1/events with a bearer token, retrying on 429/503).
import { readDemoCounty } from '../db/seed/demo-county.ts'
import { countyFromSeed, type SimEvent } from '../server/simulator/generator.ts'
import { DEFAULT_SEED, DEFAULT_SPEED } from '../server/simulator/index.ts'
import { Simulator } from '../server/simulator/runner.ts'
import { SCENARIO_NAMES } from '../server/simulator/scenarios.ts'

const USAGE = `usage: npm run simulate -- --url http://127.0.0.1:3000 --token <feed token>
         [--rate N]          events per minute (default 30; the daily rhythm shapes it)
         [--scenario NAME]   also play a scenario: ${SCENARIO_NAMES.join(', ')}
         [--speed N]         scenario time compression (default ${DEFAULT_SPEED}: a simulated day in 2 minutes)
         [--seed S]          random seed (default ${DEFAULT_SEED})
         [--duration S]      stop after S seconds (default: run until Ctrl-C)
         [--count N]         stop once N events have been delivered (the batch that reaches N is sent whole)
         [--tz ZONE]         the centre's time zone (default Asia/Shanghai)`

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE)
      process.exit(0)
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`)
    const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined]
    const value = inline ?? argv[++i]
    if (value === undefined) throw new Error(`--${key} needs a value`)
    out[key] = value
  }
  return out
}

const number = (args: Record<string, string>, key: string, fallback: number) => {
  if (args[key] === undefined) return fallback
  const n = Number(args[key])
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} must be a number ≥ 0`)
  return n
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const url = args['url'] ?? process.env['SHAOWANG_URL']
  const token = args['token'] ?? process.env['FEED_TOKEN']
  if (!url || !token) throw new Error(`--url and --token are required\n${USAGE}`)
  if (args['scenario'] && !SCENARIO_NAMES.includes(args['scenario'])) throw new Error(`unknown scenario ${args['scenario']}; one of ${SCENARIO_NAMES.join(', ')}`)
  const endpoint = new URL('/api/v1/events', url).toString()
  const { regions } = await readDemoCounty()
  let totals = { accepted: 0, updated: 0, duplicates: 0, rejected: 0 }
  const count = number(args, 'count', 0)
  let delivered = 0
  let stop: () => Promise<void> = async () => {}

  async function post(events: SimEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(events) })
      if (res.status === 202) {
        const body = (await res.json()) as { accepted: number; updated: number; duplicates: number; rejected: Array<{ index: number; errors: unknown }> }
        totals = { accepted: totals.accepted + body.accepted, updated: totals.updated + body.updated, duplicates: totals.duplicates + body.duplicates, rejected: totals.rejected + body.rejected.length }
        if (body.rejected.length) console.error('rejected:', JSON.stringify(body.rejected.slice(0, 3)))
        delivered += events.length
        // After this batch's tick has returned (stop waits for the tick in flight, which waits for us).
        if (count && delivered >= count) setImmediate(() => void stop())
        return
      }
      const retryable = res.status === 429 || res.status === 503
      if (!retryable || attempt >= 5) throw new Error(`POST ${endpoint}: ${res.status} ${await res.text()}`)
      const wait = Number(res.headers.get('retry-after') ?? 5)
      await new Promise((r) => setTimeout(r, Math.min(60, wait) * 1000))
    }
  }

  const simulator = new Simulator({
    county: countyFromSeed(regions),
    rate: number(args, 'rate', 30),
    seed: args['seed'] ?? DEFAULT_SEED,
    speed: number(args, 'speed', DEFAULT_SPEED) || DEFAULT_SPEED,
    tz: args['tz'] ?? 'Asia/Shanghai',
    sink: post,
    onError: (err) => console.error(`simulate: ${(err as Error).message}`),
  })
  if (args['scenario']) {
    const run = simulator.trigger(args['scenario'])
    console.log(`scenario ${run.name}: ${run.events} scripted events${run.township ? ` in ${run.township}` : ''}, until ${new Date(run.endsAt).toISOString()}`)
  }
  simulator.start()
  const report = setInterval(() => console.log(`sent ${simulator.sent}: accepted ${totals.accepted}, updated ${totals.updated}, duplicates ${totals.duplicates}, rejected ${totals.rejected}`), 10_000)
  let stopping = false
  stop = async () => {
    if (stopping) return
    stopping = true
    clearInterval(report)
    await simulator.stop()
    console.log(`done: sent ${simulator.sent}; accepted ${totals.accepted}, updated ${totals.updated}, duplicates ${totals.duplicates}, rejected ${totals.rejected}`)
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
  const duration = number(args, 'duration', 0)
  if (duration) setTimeout(() => void stop(), duration * 1000)
  // The simulator's timer is unref'd; keep the process alive.
  setInterval(() => {}, 1 << 30)
}

main().catch((err: unknown) => {
  console.error(`simulate: ${(err as Error).message}`)
  process.exit(1)
})
