// The notification outbox across a crash (docs/architecture.md §6, notifications), with the real
// server process: 100 messages are enqueued while the receiver hangs (slow, then effectively
// down), the process is SIGKILLed with every one of them still in the outbox and some already
// received but never answered, and restarted with the receiver fast again. Each message is then
// delivered — none lost — and the receiver, de-duplicating by the idempotency key as at-least-once
// delivery asks of it, sees each key exactly once; the raw deliveries include the redeliveries.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../e2e/harness.ts'
import { createFeed, signIn, submitEvents } from '../../scripts/lib/api-client.ts'
import { isLeader, townshipScores, until } from '../helpers/server-process.ts'

/** A webhook receiver that keeps each idempotency key once; while `hanging` it never answers. */
class DedupReceiver {
  raw = 0
  readonly byKey = new Map<string, number>()
  /** Arrival times (ms) per request path, i.e. per channel. */
  readonly arrivals = new Map<string, number[]>()
  hanging: boolean
  constructor(hanging: boolean) {
    this.hanging = hanging
  }
  private readonly held: ServerResponse[] = []
  private readonly server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      this.raw++
      const key = String(req.headers['idempotency-key'] ?? '')
      this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1)
      const path = req.url ?? ''
      this.arrivals.set(path, [...(this.arrivals.get(path) ?? []), Date.now()])
      if (this.hanging) return void this.held.push(res)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  url = ''
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }
  /** Fast again: the requests held so far are dropped (their sender is gone). */
  recover() {
    this.hanging = false
    for (const res of this.held.splice(0)) res.destroy()
  }
  async stop() {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

async function outboxStates(server: { url: string }): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const out: Record<string, number> = {}
  for (const m of text.matchAll(/^shaowang_notifications_outbox\{state="(\w+)"\} (\S+)$/gm)) out[m[1]!] = Number(m[2])
  return out
}

/** Attempts this process made, by outcome (its own counter: each process counts its own sends). */
async function sentBy(server: { url: string }): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  let n = 0
  for (const m of text.matchAll(/^shaowang_notifications_total\{[^}]*outcome="sent"[^}]*\} (\S+)$/gm)) n += Number(m[1])
  return n
}

/**
 * A rule of its own (no demo alert has its key; yellow, so no deadline falls due meanwhile) and
 * `count` webhook channels to the receiver on one route for it: 5 townships × `count` messages.
 */
async function routeTo(server: RunningServer, receiver: DedupReceiver, o: { rule: string; peopleCount: number; count: number; ratePerMinute: number }) {
  const analyst = await signIn(server, 'analyst')
  const admin = await signIn(server, 'admin')
  const live = await analyst.get<{ document: { rules: unknown[] } & Record<string, unknown> }>('/api/v1/rulesets/live')
  const rule = { id: o.rule, name: '投递测试', kind: 'trigger', when: `source == 'incident' && category == 'fire' && peopleCount == ${o.peopleCount}`, points: 1, halfLife: '1h', alert: 'yellow' }
  const draft = await analyst.send<{ id: number }>('/api/v1/rulesets', { ...live.document, rules: [...live.document.rules, rule], comment: 'outbox test' })
  await analyst.send(`/api/v1/rulesets/${draft.id}/publish`, { comment: 'outbox test' })
  const channels: number[] = []
  for (let i = 0; i < o.count; i++) {
    const ch = await admin.send<{ id: number }>('/api/v1/channels', { kind: 'webhook', name: `${o.rule}-${i}`, url: `${receiver.url}/${o.rule}/${i}`, ratePerMinute: o.ratePerMinute, maxAttempts: 20 })
    channels.push(ch.id)
  }
  await admin.send('/api/v1/notification-routes', { name: o.rule, match: { rules: [o.rule] }, channels })
}

async function postFires(server: RunningServer, townships: readonly string[], prefix: string, peopleCount: number) {
  const token = await createFeed(server, `${prefix}-feed`)
  for (const [i, township] of townships.entries()) {
    const posted = await submitEvents(server, token, { source: 'incident', externalId: `${prefix}-${i}`, township, category: 'fire', peopleCount, severity: 2, occurredAt: new Date().toISOString() })
    expect(posted.status).toBe(202)
  }
}

const servers: RunningServer[] = []
const receiver = new DedupReceiver(true)
await receiver.start()
const fastReceiver = new DedupReceiver(false)
await fastReceiver.start()
afterAll(async () => {
  for (const s of servers.reverse()) await s.stop()
  await receiver.stop()
  await fastReceiver.stop()
})

describe('100 messages in the outbox and a SIGKILL', () => {
  it('each is delivered after the restart, none lost, each key once at the receiver', { timeout: 300_000 }, async () => {
    const server = await startServer({ ESCALATION_SCAN_MS: '1000' })
    servers.push(server)
    await until(() => isLeader(server), 'the engine to run')
    const townships = [...(await townshipScores(server)).keys()].slice(0, 5)
    expect(townships).toHaveLength(5)
    // 20 channels on one route × 5 alerts = 100 messages.
    await routeTo(server, receiver, { rule: 'outbox-test', peopleCount: 996, count: 20, ratePerMinute: 6000 })
    await postFires(server, townships, 'outbox', 996)
    // All 100 in the outbox, none sent: the receiver holds every request it got.
    await until(async () => (await outboxStates(server))['pending'] === 100, '100 pending messages', 60_000)
    await until(async () => receiver.raw >= 20, 'the first (hanging) deliveries', 30_000)
    expect((await outboxStates(server))['sent'] ?? 0).toBe(0)

    await server.kill()
    const beforeRestart = receiver.raw
    const heldKeys = [...receiver.byKey.keys()]
    receiver.recover()
    await server.restart()

    // The claims of the killed process lapse with their lease; then every message goes out.
    await until(async () => (await outboxStates(server))['sent'] === 100, 'all 100 sent', 200_000)
    await new Promise((r) => setTimeout(r, 2_000))
    const states = await outboxStates(server)
    expect(states['sent']).toBe(100)
    expect(states['pending'] ?? 0).toBe(0)
    expect(states['dead'] ?? 0).toBe(0)
    const keys = [...receiver.byKey.keys()]
    expect(keys).toHaveLength(100)
    expect(new Set(keys).size).toBe(100)
    expect(keys.every((k) => /^alert-\d+-seq-\d+-ch-\d+$/.test(k))).toBe(true)
    // At least once: every request held when the process died came again; de-duplicated by its
    // key, it is still one message.
    expect(beforeRestart).toBeGreaterThanOrEqual(20)
    expect(heldKeys.every((k) => (receiver.byKey.get(k) ?? 0) >= 2)).toBe(true)
    expect(receiver.raw).toBeGreaterThanOrEqual(100 + heldKeys.length)
    console.info(`outbox SIGKILL: ${receiver.raw} raw deliveries (${beforeRestart} before the kill) for 100 distinct keys`)
  })
})

// With several processes each message is sent by one of them, and a channel's rate limit holds for
// all of them together (docs/architecture.md §6): 20 channels of 3 a minute, 5 messages each. A
// bucket per process would let two processes send all 5 at once; the shared one sends 3, then one
// every 20 s. On PGlite (one process by nature) the same run checks the rate and the keys.
async function rateKeptAndEachSentOnce(): Promise<void> {
  const a = await startServer({ ESCALATION_SCAN_MS: '1000' })
  servers.push(a)
  await until(() => isLeader(a), 'the engine to run')
  const processes = [a]
  if (process.env['DATABASE_URL']) {
    const b = await startServer({ DATABASE_URL: a.env['DATABASE_URL']!, ESCALATION_SCAN_MS: '1000' })
    servers.push(b)
    processes.push(b)
  }
  const townships = [...(await townshipScores(a)).keys()].slice(0, 5)
  await routeTo(a, fastReceiver, { rule: 'outbox-pair', peopleCount: 995, count: 20, ratePerMinute: 3 })
  await postFires(a, townships, 'pair', 995)

  const sentTotal = async () => (await Promise.all(processes.map(sentBy))).reduce((x, y) => x + y, 0)
  await until(async () => (await sentTotal()) === 100, 'all 100 sent', 150_000)
  await new Promise((r) => setTimeout(r, 2_000))
  const perProcess = await Promise.all(processes.map(sentBy))
  expect(perProcess.reduce((x, y) => x + y, 0)).toBe(100)
  if (processes.length === 2) expect(perProcess.every((n) => n > 0)).toBe(true)
  // Each message once: 100 requests in all, 100 distinct keys.
  expect(fastReceiver.raw).toBe(100)
  expect(fastReceiver.byKey.size).toBe(100)
  expect([...fastReceiver.byKey.values()].every((n) => n === 1)).toBe(true)
  // The rate, per channel: 3 at once, then the bucket refills one every 20 s.
  const paths = [...fastReceiver.arrivals.keys()].filter((p) => p.startsWith('/outbox-pair/'))
  expect(paths).toHaveLength(20)
  for (const path of paths) {
    const times = fastReceiver.arrivals.get(path)!
    expect(times).toHaveLength(5)
    expect(times[3]! - times[0]!).toBeGreaterThanOrEqual(19_000)
    expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(39_000)
  }
  console.info(`outbox, ${processes.length} process(es): ${perProcess.join(' + ')} sent, 100 keys once each`)
}

describe('the channel rate and each message once', () => {
  it(
    process.env['DATABASE_URL']
      ? 'PostgreSQL: two processes on one database send each message once, both taking part, and keep the channel rate together'
      : 'PGlite: one process keeps the channel rate and sends each message once',
    { timeout: 300_000 },
    rateKeptAndEachSentOnce,
  )
})
