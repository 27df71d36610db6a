// What the ingest, latency and fan-out sections share: a fresh database beside DATABASE_URL,
// the real server as its own process on it, and clients that talk to it as real ones do
// (keep-alive HTTP with a feed token or a session, Socket.IO on /live).
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { io, type Socket } from 'socket.io-client'
import { readDemoCounty } from '../../db/seed/demo-county.ts'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { countyFromSeed, EventFactory, type SimEvent } from '../../server/simulator/generator.ts'
import { Rng } from '../../server/simulator/random.ts'
import { type ApiSession, createFeed, HttpClient } from '../lib/api-client.ts'
import { startServerProcess, type ServerProcess } from './server-process.ts'
import type { BenchContext } from './table.ts'

export const TZ = 'Asia/Shanghai'
export const FEED_TOKEN = `bench-feed-${randomBytes(16).toString('hex')}`
const SECRET_KEY = randomBytes(32).toString('hex')

export const withDatabase = (url: string, database: string) => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** A fresh, empty database beside DATABASE_URL (the server migrates it); drop() removes it. */
export async function freshDatabase(baseUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `shaowang_bench_${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const admin = new pg.Client({ connectionString: baseUrl })
  await admin.connect()
  try {
    await admin.query(`create database "${name}"`)
  } finally {
    await admin.end()
  }
  return {
    url: withDatabase(baseUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl })
      await c.connect()
      try {
        await c.query(`drop database if exists "${name}" with (force)`)
      } finally {
        await c.end()
      }
    },
  }
}

/**
 * Feed tokens: one feed may make 600 requests a minute (each up to 5,000 events), so a load of
 * single-event POSTs comes from many feeds, as it would from many reporting systems.
 */
export async function createFeeds(admin: ApiSession, count: number, prefix: string): Promise<string[]> {
  const tokens: string[] = []
  for (let i = 0; i < count; i++) tokens.push(await createFeed(admin, `${prefix}-${i}`, 'benchmark load'))
  return tokens
}

/** Probe rule k fires on an incident titled `bench-probe-k`; alerts are keyed (township, rule). */
export const probeTitle = (k: number) => `bench-probe-${k}`

/**
 * Publishes the demo county's default rules plus `probes` trigger rules that each raise an alert,
 * so every probe event (a fresh (township, rule) key) yields exactly one `alert:new`. The default
 * rules stay in: background events are scored as in production.
 */
export async function publishProbeRules(client: HttpClient, analyst: ApiSession, probes: number): Promise<void> {
  const document = {
    ...DEFAULT_RULE_SET,
    name: 'bench',
    rules: [
      ...DEFAULT_RULE_SET.rules,
      ...Array.from({ length: probes }, (_, k) => ({
        id: `bench-probe-${k}`,
        name: `bench probe ${k}`,
        kind: 'trigger' as const,
        when: `source == 'incident' && title == '${probeTitle(k)}'`,
        points: 0,
        halfLife: '1h',
        alert: 'yellow' as const,
      })),
    ],
  }
  const created = await client.json<{ id: number }>('POST', '/api/v1/rulesets', { ...document, comment: 'benchmark probes' }, analyst.headers)
  await client.json('POST', `/api/v1/rulesets/${created.id}/publish`, { comment: 'benchmark probes' }, analyst.headers)
}

export interface DemoCounty {
  townships: string[]
  /** Realistic events (the simulator's generator) with unique externalIds under `prefix`. */
  events(count: number, prefix: string, at?: number): SimEvent[]
}

export async function demoCounty(): Promise<DemoCounty> {
  const county = countyFromSeed((await readDemoCounty()).regions)
  return {
    townships: county.townships.map((t) => t.code),
    events(count, prefix, at = Date.now() - 60_000) {
      const factory = new EventFactory(county, new Rng(prefix), { tz: TZ, idPrefix: prefix })
      const out: SimEvent[] = []
      while (out.length < count) {
        const e = factory.make(factory.pickSource(), at)
        if (e) out.push(e)
      }
      return out
    },
  }
}

/** A probe: an incident that only probe rule k matches, in `township`. */
export function probeEvent(id: string, township: string, k: number): Record<string, unknown> {
  return {
    source: 'incident',
    sourceSystem: 'bench-probe',
    externalId: id,
    township,
    category: 'other',
    occurredAt: new Date(Date.now() - 1000).toISOString(),
    title: probeTitle(k),
  }
}

export interface BenchServer {
  server: ServerProcess
  client: HttpClient
  databaseUrl: string | undefined
  feedHeaders: Record<string, string>
  stop(): Promise<void>
}

/**
 * The server as its own process, with the demo county and users (no simulator), a feed token, on a
 * fresh PostgreSQL database beside DATABASE_URL — or on its own embedded PGlite without one.
 */
export async function startBenchServer(ctx: BenchContext, name: string, connections: number, env: Record<string, string> = {}): Promise<BenchServer> {
  const db = ctx.databaseUrl ? await freshDatabase(ctx.databaseUrl, name) : undefined
  let server: ServerProcess
  try {
    server = await startServerProcess({
      DEMO: '1',
      SIMULATOR_RATE: '0',
      FEED_TOKEN,
      SECRET_KEY,
      NODE_ENV: 'development',
      ...(db ? { DATABASE_URL: db.url } : {}),
      ...(process.env['BENCH_SERVER_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_SERVER_NODE_OPTIONS'] } : {}),
      ...env,
    })
  } catch (err) {
    await db?.drop()
    throw err
  }
  const client = new HttpClient(server.url, connections)
  return {
    server,
    client,
    databaseUrl: db?.url,
    feedHeaders: { authorization: `Bearer ${FEED_TOKEN}` },
    async stop() {
      client.close()
      await server.stop()
      await db?.drop()
    },
  }
}

/** Socket.IO clients on /live as the wall and the duty console connect (WebSocket, session token). */
export async function connectLive(url: string, token: string, count: number, batch = 50): Promise<Socket[]> {
  const sockets: Socket[] = []
  for (let i = 0; i < count; i += batch) {
    const group = Array.from({ length: Math.min(batch, count - i) }, () => {
      const socket = io(`${url}/live`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true })
      sockets.push(socket)
      return new Promise<void>((resolve, reject) => {
        // Connected and the snapshot received: from here on the socket is live.
        socket.once('risk:snapshot', () => resolve())
        socket.once('connect_error', (err) => reject(err))
      })
    })
    await Promise.all(group)
  }
  return sockets
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Posts batches of `size` events every `everyMs` until stopped: a steady background flow. */
export function backgroundFlow(client: HttpClient, headers: Array<Record<string, string>>, make: (n: number) => SimEvent[], ratePerSecond: number): { stop(): Promise<{ sent: number; failed: number }> } {
  const everyMs = 50
  const size = Math.max(1, Math.round((ratePerSecond * everyMs) / 1000))
  let sent = 0
  let failed = 0
  let i = 0
  const inFlight = new Set<Promise<void>>()
  const started = performance.now()
  // Paced against the clock, not the previous response: a slow server falls behind, and then
  // the backlog shows as latency rather than as a quietly lower rate.
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - started) / everyMs) + 1
    while (i < due) {
      const events = make(size)
      const p = client
        .request('POST', '/api/v1/events', JSON.stringify(events), headers[i % headers.length]!)
        .then((res) => {
          if (res.status === 202) sent += events.length
          else failed += events.length
        })
        .catch(() => {
          failed += events.length
        })
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
      i++
    }
  }, everyMs / 2)
  return {
    async stop() {
      clearInterval(timer)
      await Promise.all(inFlight)
      return { sent, failed }
    },
  }
}
