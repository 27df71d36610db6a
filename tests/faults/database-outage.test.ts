// A database outage (docs/architecture.md §13), on a PostgreSQL cluster this test creates and stops itself —
// never the shared server. While the database is down: ingest answers 503 with Retry-After and
// stores no batch half-way, health says 503, and connected clients are told the data is
// interrupted (system:status) instead of staying silently "live". When it returns, the same
// server process recovers by itself: ingest 202 again, the engine leads again, and a connected
// client receives the next alert.
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { connectDatabase } from '../../db/connect.ts'
import { isDatabaseUnavailable } from '../../server/http-errors.ts'
import { type RunningServer, startServer } from '../e2e/harness.ts'
import { closeAllClients, connectLive } from '../helpers/live.ts'
import { createFeed, signIn, submitEvents } from '../../scripts/lib/api-client.ts'
import { isLeader, massIncident, storedExternalIds, townshipScores, until } from '../helpers/server-process.ts'
import { type Cluster, createCluster } from './pg-cluster.ts'

let cluster: Cluster | null = null
let server: RunningServer | null = null
beforeAll(async () => {
  cluster = await createCluster()
  const admin = new pg.Client({ connectionString: cluster.url() })
  await admin.connect()
  await admin.query('create database shaowang')
  await admin.end()
})
afterAll(async () => {
  closeAllClients()
  await server?.stop()
  await cluster?.destroy()
})

const BATCH = 20

describe('a database outage', () => {
  it('a connection lost in the middle of a transaction fails that transaction (a 503), never the process', async () => {
    const uncaught: unknown[] = []
    const onUncaught = (err: unknown) => void uncaught.push(err)
    process.on('uncaughtException', onUncaught)
    const handle = await connectDatabase({ kind: 'postgres', url: cluster!.url('shaowang'), poolSize: 2 })
    const killer = new pg.Client({ connectionString: cluster!.url() })
    await killer.connect()
    try {
      const failure = await handle.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
          // Between two queries, the server ends this connection (as a restart or an outage does).
          await killer.query('select pg_terminate_backend($1)', [rows[0]!.pid])
          await new Promise((r) => setTimeout(r, 300))
          await sql`select 1`.execute(trx)
        })
        .then(() => null, (err: unknown) => err)
      expect(failure, 'the transaction fails').not.toBeNull()
      expect(isDatabaseUnavailable(failure)).toBe(true)
      expect(uncaught).toEqual([])
      // The pool dropped the broken connection: the next query works.
      expect((await sql<{ one: number }>`select 1 as one`.execute(handle.db)).rows).toEqual([{ one: 1 }])
    } finally {
      process.off('uncaughtException', onUncaught)
      await killer.end()
      await handle.close()
    }
  })

  it('503 + Retry-After and nothing half-way while down, health 503, clients told; recovery without a restart', { timeout: 300_000 }, async () => {
    onTestFailed(() => console.error(`server output:\n${server?.output().slice(-8000)}`))
    const cluster_ = cluster!
    server = await startServer({ DATABASE_URL: cluster_.url('shaowang') })
    const pid = server.pid()
    await until(() => isLeader(server!), 'the engine to run')
    const [first, second] = [...(await townshipScores(server)).keys()]
    const token = await createFeed(server, 'outage-feed')
    const watcher = await connectLive(server.url, { token: (await signIn(server, 'leader')).token })

    expect((await submitEvents(server, token, massIncident(first!, 'before-1'))).status).toBe(202)
    await watcher.waitFor(() => watcher.alertForEvent('before-1'), 'the alert before the outage')

    // A feed keeps posting batches across the outage and the recovery: each is kept whole or not at all.
    const batches: Array<{ ids: string[]; status: number | 'network' }> = []
    let feeding = true
    const feeder = (async () => {
      for (let b = 0; feeding; b++) {
        const ids = Array.from({ length: BATCH }, (_, i) => `batch${b}-${i}`)
        const body = ids.map((externalId, i) => ({ source: 'dispute', externalId, township: i % 2 ? first : second, category: 'land', occurredAt: new Date().toISOString() }))
        const res = await submitEvents(server!, token, body).catch(() => null)
        batches.push({ ids, status: res?.status ?? 'network' })
        await new Promise((r) => setTimeout(r, 50))
      }
    })()
    await new Promise((r) => setTimeout(r, 1_000))

    await cluster_.stop('immediate')

    // Connected clients learn it from the server (their socket itself is fine).
    const down = await watcher.waitFor(() => watcher.of('system:status').find((m) => m.database === 'down'), 'system:status down', 20_000)
    expect(Number.isNaN(Date.parse(down.since))).toBe(false)
    expect(watcher.socket.connected).toBe(true)

    const health = await fetch(`${server.url}/api/v1/health`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'degraded', database: 'down' })
    const single = await submitEvents(server, token, massIncident(second!, 'during-single'))
    expect(single).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) })
    const batch = await submitEvents(server, token, [massIncident(second!, 'during-batch-1'), massIncident(second!, 'during-batch-2')])
    expect(batch).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) })
    expect(await isLeader(server)).toBe(false)

    await new Promise((r) => setTimeout(r, 2_000))
    await cluster_.start()

    // The same process recovers by itself.
    await watcher.waitFor(() => watcher.of('system:status').find((m) => m.database === 'ok'), 'system:status ok', 30_000)
    await until(async () => (await fetch(`${server!.url}/api/v1/health`)).status === 200, 'health to be 200 again')
    await until(async () => (await submitEvents(server!, token, { source: 'dispute', externalId: 'after-probe', township: first, category: 'land', occurredAt: new Date().toISOString() })).status === 202, 'ingest to answer 202 again')
    await until(() => isLeader(server!), 'the engine to lead again')
    feeding = false
    await feeder
    expect((await submitEvents(server, token, massIncident(second!, 'after-1'))).status).toBe(202)
    await watcher.waitFor(() => watcher.alertForEvent('after-1'), 'an alert after the recovery, on the same socket', 30_000)
    expect(server.pid()).toBe(pid)
    expect(watcher.socket.connected).toBe(true)

    // Nothing half-way: every batch is stored whole or not at all, every 202 whole, and what was
    // refused while the database was certainly down is not stored.
    const stored = await storedExternalIds(server, 'outage-feed')
    const refused = batches.filter((b) => b.status !== 202)
    expect(refused.length, 'some batches met the outage').toBeGreaterThan(0)
    expect(batches.filter((b) => b.status === 202).length).toBeGreaterThan(0)
    for (const b of batches) {
      const kept = b.ids.filter((id) => stored.has(id)).length
      if (b.status === 202) expect(kept, `${b.ids[0]}: acknowledged`).toBe(BATCH)
      else expect([0, BATCH], `${b.ids[0]}: ${b.status}`).toContain(kept)
    }
    expect(['during-single', 'during-batch-1', 'during-batch-2'].filter((id) => stored.has(id))).toEqual([])
    expect([...stored.values()].every((n) => n === 1)).toBe(true)
  })
})
