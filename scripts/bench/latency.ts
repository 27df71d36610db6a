// Latency (docs/architecture.md §10): event POST → `alert:new` at a Socket.IO client, p50/p99, while 1,000
// events/s of realistic background flow in through the batch endpoint (scored by the default
// rules, which raise and repeat alerts of their own). Each probe is a single-event POST that only
// its own probe rule matches, in a (township, rule) pair not used before, so it raises exactly
// one new alert; the clock runs from just before the request to the client's receipt. The same
// probes also time the notification their alert sends to a local webhook (the outbox's path).
import type { Socket } from 'socket.io-client'
import { signIn } from '../lib/api-client.ts'
import { backgroundFlow, connectLive, createFeeds, demoCounty, probeEvent, publishProbeRules, sleep, startBenchServer } from './harness.ts'
import { type NotificationProbe, notificationProbe } from './notification-probe.ts'
import { type BenchContext, type BenchRow, fmt, percentile } from './table.ts'

const BACKGROUND_PER_SECOND = 1000
const PROBE_EVERY_MS = 97 // not a multiple of the background's 50 ms beat

/** Probe event id → when its `alert:new` arrived; `alertIds` (if given) collects probe event id → alert id. */
export function probeReceipts(socket: Socket, alertIds?: Map<string, number>): Map<string, number> {
  const received = new Map<string, number>()
  socket.on('alert:new', (msg: { alert: { id: number; lastEvent: { externalId: string | null } | null } }) => {
    const id = msg.alert.lastEvent?.externalId
    if (id && !received.has(id)) received.set(id, performance.now())
    if (id && alertIds && !alertIds.has(id)) alertIds.set(id, msg.alert.id)
  })
  return received
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const probes = ctx.quick ? 120 : 600
  const warmupMs = ctx.quick ? 2_000 : 5_000
  const county = await demoCounty()
  const townships = county.townships
  const rules = Math.ceil(probes / townships.length)
  const bench = await startBenchServer(ctx, 'latency', 16)
  let notified: NotificationProbe | null = null
  try {
    const admin = await signIn(bench.client, 'admin', 'demo-admin-2026')
    const analyst = await signIn(bench.client, 'analyst', 'demo-analyst-2026')
    const duty = await signIn(bench.client, 'duty', 'demo-duty-2026')
    await publishProbeRules(bench.client, analyst, rules)
    notified = await notificationProbe(admin, Array.from({ length: rules }, (_, k) => `bench-probe-${k}`))
    // 20 requests/s of 50 events: four feeds keep each under its 600 requests a minute.
    const feeds = (await createFeeds(admin, 4, 'bench-background')).map((t) => ({ authorization: `Bearer ${t}` }))
    const [socket] = await connectLive(bench.server.url, duty.token, 1)
    const alertIds = new Map<string, number>()
    const received = probeReceipts(socket!, alertIds)

    let made = 0
    const pool = county.events(BACKGROUND_PER_SECOND * ((probes * PROBE_EVERY_MS + warmupMs) / 1000 + 10), `bench-bg-${Date.now().toString(36)}`)
    const flow = backgroundFlow(bench.client, feeds, (n) => pool.slice(made, (made += n)), BACKGROUND_PER_SECOND)
    ctx.log(`latency: ${BACKGROUND_PER_SECOND} events/s background, ${fmt.int(warmupMs / 1000)} s warm-up, then ${probes} probes`)
    await sleep(warmupMs)

    const sentAt = new Map<string, number>()
    const posts: Array<Promise<unknown>> = []
    const tag = Date.now().toString(36)
    for (let i = 0; i < probes; i++) {
      const id = `lat-${tag}-${i}`
      const event = probeEvent(id, townships[i % townships.length]!, Math.floor(i / townships.length))
      const body = JSON.stringify(event)
      sentAt.set(id, performance.now())
      posts.push(bench.client.request('POST', '/api/v1/events', body, bench.feedHeaders))
      await sleep(PROBE_EVERY_MS)
    }
    await Promise.all(posts)
    const deadline = performance.now() + 10_000
    // `received` also holds the background's own alerts: wait for the probes themselves.
    const pending = () => [...sentAt.keys()].some((id) => !received.has(id))
    while (pending() && performance.now() < deadline) await sleep(50)
    const unnotified = () => [...sentAt.keys()].some((id) => !notified!.receivedAt.has(alertIds.get(id) ?? -1))
    while (unnotified() && performance.now() < deadline + 10_000) await sleep(50)
    const background = await flow.stop()
    socket!.disconnect()

    const samples = [...sentAt].flatMap(([id, t0]) => {
      const t1 = received.get(id)
      return t1 === undefined ? [] : [t1 - t0]
    })
    const missing = probes - samples.length
    const notifySamples = [...sentAt].flatMap(([id, t0]) => {
      const t1 = notified!.receivedAt.get(alertIds.get(id) ?? -1)
      return t1 === undefined ? [] : [t1 - t0]
    })
    const notifyMissing = probes - notifySamples.length
    const notifyP99 = percentile(notifySamples, 99)
    const p50 = percentile(samples, 50)
    const p99 = percentile(samples, 99)
    const label = ctx.databaseUrl ? '' : ' (PGlite, not the §10 reference)'
    const seconds = (probes * PROBE_EVERY_MS + warmupMs) / 1000
    const reference = `background ${fmt.int(background.sent / seconds)} events/s${background.failed ? `, ${fmt.int(background.failed)} failed` : ''}${missing ? `, ${missing} probes lost` : ''}`
    return [
      { section: 'latency', measure: `POST → alert:new p50 (${samples.length} probes)${label}`, value: fmt.ms(p50), reference, target: '', verdict: 'info' },
      {
        section: 'latency',
        measure: `POST → alert:new p99${label}`,
        value: fmt.ms(p99),
        reference: `max ${fmt.ms(Math.max(...samples))}`,
        target: '< 50 ms',
        verdict: !ctx.databaseUrl ? 'info' : p99 < 50 && missing === 0 ? 'met' : 'NOT MET',
      },
      {
        section: 'latency',
        measure: `POST → webhook notification p99 (${notifySamples.length} probes)${label}`,
        value: fmt.ms(notifyP99),
        reference: `p50 ${fmt.ms(percentile(notifySamples, 50))}; alert:new p99 ${fmt.ms(p99)}${notifyMissing ? `; ${notifyMissing} not notified` : ''}`,
        target: '< 250 ms',
        verdict: !ctx.databaseUrl ? 'info' : notifyP99 < 250 && notifyMissing === 0 ? 'met' : 'NOT MET',
      },
    ]
  } finally {
    await notified?.stop()
    await bench.stop()
  }
}
