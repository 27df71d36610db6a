// Ingest (docs/architecture.md §10): events/s through POST /api/v1/events — validated, stored and scored — as
// batches and as single-event POSTs, beside the raw rate of a bare multi-row INSERT of the same
// rows into the same database, measured in the same run.
//
// "Scored" is part of the figure: after the last event the bench posts a probe that raises an
// alert and stops the clock when a Socket.IO client receives it. The engine works in order, so by
// then it has scored everything sent before.
import { createHmac, randomBytes } from 'node:crypto'
import pg from 'pg'
import { connectDatabase } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'
import { deriveKeys, encryptJson, partyHashes } from '../../server/access/personal-data.ts'
import type { SimEvent } from '../../server/simulator/generator.ts'
import { signIn } from '../lib/api-client.ts'
import { connectLive, createFeeds, demoCounty, probeEvent, publishProbeRules, startBenchServer, type BenchServer } from './harness.ts'
import { type BenchContext, type BenchRow, fmt } from './table.ts'

const BATCH = 1000
/** Concurrent batch requests, and connections of the bare INSERT reference: the same parallelism. */
const BATCH_CONCURRENCY = 4
const SINGLE_CONNECTIONS = 64
const FEED_REQUESTS_PER_MINUTE = 600

const COLUMNS = [
  'source', 'source_system', 'external_id', 'township', 'village', 'grid', 'category', 'severity', 'people_count',
  'occurred_at', 'reported_at', 'received_at', 'status', 'title', 'summary', 'attributes', 'party_hashes',
  'parties_enc', 'party_count', 'content_hash', 'feed_id', 'submitted_by',
] as const

/** The row ingest would store for an event, computed before the clock starts (the reference does no work). */
function storedRow(e: SimEvent, keys: ReturnType<typeof deriveKeys>, now: Date): unknown[] {
  const parties = e.parties ?? []
  return [
    e.source, e.sourceSystem, e.externalId, e.township, e.village, e.grid ?? null, e.category, e.severity, e.peopleCount,
    e.occurredAt, e.reportedAt, now, e.status, e.title, e.summary ?? null, JSON.stringify(e.attributes), partyHashes(keys, parties),
    parties.length ? encryptJson(keys, parties) : null, parties.length,
    createHmac('sha256', keys.hashing).update(JSON.stringify(e)).digest('base64url'), null, 'bench',
  ]
}

/** Bare multi-row INSERTs of `rows` into a copy of the event table (same columns, defaults and indexes). */
async function rawInsertRate(url: string | undefined, events: SimEvent[]): Promise<{ rate: number; where: string }> {
  const keys = deriveKeys(randomBytes(32))
  const now = new Date()
  const rows = events.map((e) => storedRow(e, keys, now))
  const statements: Array<{ text: string; values: unknown[] }> = []
  for (let start = 0; start < rows.length; start += BATCH) {
    const chunk = rows.slice(start, start + BATCH)
    const values: unknown[] = []
    const tuples = chunk.map((row) => `(${row.map((v) => `$${values.push(v)}`).join(',')})`)
    statements.push({ text: `insert into bench_raw_event (${COLUMNS.join(',')}) values ${tuples.join(',')}`, values })
  }
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: BATCH_CONCURRENCY })
    try {
      await pool.query('create table bench_raw_event (like event including all)')
      const t0 = performance.now()
      let next = 0
      await Promise.all(
        Array.from({ length: BATCH_CONCURRENCY }, async () => {
          while (next < statements.length) await pool.query(statements[next++]!)
        }),
      )
      const rate = rows.length / ((performance.now() - t0) / 1000)
      await pool.query('drop table bench_raw_event')
      return { rate, where: 'bare INSERT' }
    } finally {
      await pool.end()
    }
  }
  // PGlite: the server's embedded database belongs to its process; the same engine in this one
  // (in memory, same schema) is the closest reference.
  const handle = await connectDatabase({ kind: 'pglite' })
  try {
    await migrateToLatest(handle.db)
    const { sql } = await import('kysely')
    await sql`create table bench_raw_event (like event including all)`.execute(handle.db)
    const t0 = performance.now()
    for (const s of statements) await sql.raw(s.text.replace(/\$(\d+)/g, (_, n: string) => literal(s.values[Number(n) - 1]))).execute(handle.db)
    return { rate: rows.length / ((performance.now() - t0) / 1000), where: 'bare INSERT, PGlite in-process' }
  } finally {
    await handle.close()
  }
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'number') return String(v)
  if (v instanceof Date) return `'${v.toISOString()}'`
  if (Array.isArray(v)) return `array[${v.map(literal).join(',')}]::text[]`
  return `'${String(v).replace(/'/g, "''")}'`
}

/** Waits until a socket receives the alert of probe `id`: everything posted before it is scored. */
function probeAlert(socket: import('socket.io-client').Socket, id: string): Promise<number> {
  return new Promise((resolve) => {
    const on = (msg: { alert: { lastEvent: { externalId: string } | null } }) => {
      if (msg.alert.lastEvent?.externalId !== id) return
      socket.off('alert:new', on)
      resolve(performance.now())
    }
    socket.on('alert:new', on)
  })
}

async function batchRun(bench: BenchServer, events: SimEvent[], socket: import('socket.io-client').Socket, township: string): Promise<{ rate: number; storedRate: number; failed: number }> {
  const bodies: string[] = []
  for (let start = 0; start < events.length; start += BATCH) bodies.push(JSON.stringify(events.slice(start, start + BATCH)))
  let next = 0
  let failed = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: BATCH_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const res = await bench.client.request('POST', '/api/v1/events', bodies[next++]!, bench.feedHeaders)
        const body = res.status === 202 ? (JSON.parse(res.body) as { accepted: number }) : null
        if (!body) throw new Error(`batch: HTTP ${res.status} ${res.body.slice(0, 200)}`)
        failed += BATCH - body.accepted
      }
    }),
  )
  const stored = performance.now()
  const id = `ingest-batch-done-${Date.now()}`
  const done = probeAlert(socket, id)
  await bench.client.json('POST', '/api/v1/events', probeEvent(id, township, 0), bench.feedHeaders)
  const t1 = await done
  return { rate: events.length / ((t1 - t0) / 1000), storedRate: events.length / ((stored - t0) / 1000), failed }
}

async function singleRun(bench: BenchServer, events: SimEvent[], feeds: string[], durationMs: number, socket: import('socket.io-client').Socket, township: string): Promise<{ rate: number; storedRate: number; sent: number; limited: number; capped: boolean }> {
  const bodies = events.map((e) => JSON.stringify(e))
  const headers = feeds.map((token) => ({ authorization: `Bearer ${token}` }))
  const capacity = Math.min(bodies.length, feeds.length * FEED_REQUESTS_PER_MINUTE)
  let next = 0
  let sent = 0
  let limited = 0
  const t0 = performance.now()
  const until = t0 + durationMs
  await Promise.all(
    Array.from({ length: SINGLE_CONNECTIONS }, async () => {
      while (next < capacity && performance.now() < until) {
        const i = next++
        const res = await bench.client.request('POST', '/api/v1/events', bodies[i]!, headers[i % headers.length]!)
        if (res.status === 202) sent++
        else if (res.status === 429) limited++
        else throw new Error(`single: HTTP ${res.status} ${res.body.slice(0, 200)}`)
      }
    }),
  )
  const stored = performance.now()
  const id = `ingest-single-done-${Date.now()}`
  const done = probeAlert(socket, id)
  await bench.client.json('POST', '/api/v1/events', probeEvent(id, township, 1), bench.feedHeaders)
  const t1 = await done
  return { rate: sent / ((t1 - t0) / 1000), storedRate: sent / ((stored - t0) / 1000), sent, limited, capped: next >= capacity }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const pgRef = Boolean(ctx.databaseUrl)
  const batchCount = ctx.quick ? 20_000 : 100_000
  const singleMs = ctx.quick ? 5_000 : 15_000
  // Enough feeds that the per-feed request limit never binds at the target rate and beyond.
  const feedCount = Math.ceil(((ctx.quick ? 6_000 : 8_000) * singleMs) / 1000 / FEED_REQUESTS_PER_MINUTE)
  const county = await demoCounty()
  const batchEvents = county.events(batchCount, `bench-batch-${randomBytes(3).toString('hex')}`)
  const singleEvents = county.events(feedCount * FEED_REQUESTS_PER_MINUTE, `bench-single-${randomBytes(3).toString('hex')}`)

  const bench = await startBenchServer(ctx, 'ingest', SINGLE_CONNECTIONS)
  const rows: BenchRow[] = []
  try {
    const admin = await signIn(bench.client, 'admin', 'demo-admin-2026')
    const analyst = await signIn(bench.client, 'analyst', 'demo-analyst-2026')
    const duty = await signIn(bench.client, 'duty', 'demo-duty-2026')
    await publishProbeRules(bench.client, analyst, 2)
    const feeds = await createFeeds(admin, feedCount, 'bench-single')
    const [socket] = await connectLive(bench.server.url, duty.token, 1)
    const township = county.townships[0]!

    ctx.log(`ingest: ${fmt.int(batchCount)} events in batches of ${BATCH}, ${BATCH_CONCURRENCY} at a time`)
    const batch = await batchRun(bench, batchEvents, socket!, township)
    ctx.log(`ingest: bare INSERT of the same ${fmt.int(batchCount)} rows`)
    const raw = await rawInsertRate(bench.databaseUrl, batchEvents)
    ctx.log(`ingest: single-event POSTs for ${singleMs / 1000} s over ${SINGLE_CONNECTIONS} connections, ${feedCount} feeds`)
    const single = await singleRun(bench, singleEvents, feeds, singleMs, socket!, township)
    socket!.disconnect()

    ctx.log(`ingest: batch ${fmt.int(batch.storedRate)}/s answered (stored), ${fmt.int(batch.rate)}/s scored; single ${fmt.int(single.storedRate)}/s answered, ${fmt.int(single.rate)}/s scored`)
    const ratio = batch.rate / raw.rate
    const label = pgRef ? '' : ' (PGlite, not the §10 reference)'
    rows.push({
      section: 'ingest',
      measure: `batch endpoint (${BATCH}/request), events/s stored+scored${label}`,
      value: fmt.int(batch.rate),
      reference: `${raw.where} ${fmt.int(raw.rate)}/s → ${fmt.pct(ratio)}`,
      target: '≥ 30 % of bare INSERT',
      verdict: !pgRef ? 'info' : ratio >= 0.3 && batch.failed === 0 ? 'met' : 'NOT MET',
    })
    rows.push({
      section: 'ingest',
      measure: `single-event POSTs (${SINGLE_CONNECTIONS} keep-alive conns), events/s${label}`,
      value: fmt.int(single.rate),
      reference: `${fmt.int(single.sent)} sent${single.limited ? `, ${fmt.int(single.limited)} rate-limited` : ''}${single.capped ? ', feed limit reached' : ''}`,
      target: '≥ 3,000 events/s',
      verdict: !pgRef ? 'info' : single.rate >= 3000 && single.limited === 0 ? 'met' : 'NOT MET',
    })
    rows.push({ section: 'ingest', measure: 'server peak memory (RSS)', value: fmt.mb(bench.server.peakRssBytes()), reference: '', target: '', verdict: 'info' })
  } finally {
    await bench.stop()
  }
  return rows
}
