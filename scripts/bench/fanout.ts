// Fan-out (docs/architecture.md §10): 500 Socket.IO clients on /live each receive an alert; p99 of the time
// from the POST of the event that raises it to each client's receipt. The clients live in this
// process, so the figure includes their own decoding, one after another: an upper bound.
import { signIn } from '../lib/api-client.ts'
import { connectLive, demoCounty, probeEvent, publishProbeRules, sleep, startBenchServer } from './harness.ts'
import { type BenchContext, type BenchRow, fmt, percentile } from './table.ts'

const CLIENTS = 500

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rounds = ctx.quick ? 5 : 20
  const county = await demoCounty()
  const bench = await startBenchServer(ctx, 'fanout', 4)
  try {
    const analyst = await signIn(bench.client, 'analyst', 'demo-analyst-2026')
    const leader = await signIn(bench.client, 'leader', 'demo-leader-2026')
    await publishProbeRules(bench.client, analyst, Math.ceil(rounds / county.townships.length))
    ctx.log(`fan-out: connecting ${CLIENTS} clients`)
    const t0 = performance.now()
    const sockets = await connectLive(bench.server.url, leader.token, CLIENTS)
    const connectMs = performance.now() - t0
    const receipts = new Map<string, number[]>()
    for (const socket of sockets) {
      socket.on('alert:new', (msg: { alert: { lastEvent: { externalId: string | null } | null } }) => {
        const id = msg.alert.lastEvent?.externalId
        if (id) receipts.get(id)?.push(performance.now())
      })
    }
    const samples: number[] = []
    let missing = 0
    const tag = Date.now().toString(36)
    for (let i = 0; i < rounds; i++) {
      const id = `fan-${tag}-${i}`
      const got: number[] = []
      receipts.set(id, got)
      const body = JSON.stringify(probeEvent(id, county.townships[i % county.townships.length]!, Math.floor(i / county.townships.length)))
      const sent = performance.now()
      await bench.client.request('POST', '/api/v1/events', body, bench.feedHeaders)
      const deadline = performance.now() + 5_000
      while (got.length < CLIENTS && performance.now() < deadline) await sleep(5)
      samples.push(...got.map((t) => t - sent))
      missing += CLIENTS - got.length
      await sleep(200)
    }
    const memory = bench.server.rssBytes()
    for (const s of sockets) s.disconnect()
    const p99 = percentile(samples, 99)
    const label = ctx.databaseUrl ? '' : ' (PGlite, not the §10 reference)'
    return [
      {
        section: 'fan-out',
        measure: `${CLIENTS} clients × ${rounds} alerts, POST → receipt p99${label}`,
        value: fmt.ms(p99),
        reference: `p50 ${fmt.ms(percentile(samples, 50))}, max ${fmt.ms(Math.max(...samples))}${missing ? `, ${missing} receipts lost` : ''}`,
        target: '< 250 ms',
        verdict: !ctx.databaseUrl ? 'info' : p99 < 250 && missing === 0 ? 'met' : 'NOT MET',
      },
      { section: 'fan-out', measure: `${CLIENTS} clients connect (snapshot received)`, value: fmt.ms(connectMs), reference: `server RSS ${fmt.mb(memory)}`, target: '', verdict: 'info' },
    ]
  } finally {
    await bench.stop()
  }
}
