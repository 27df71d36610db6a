// Several server processes on one PostgreSQL (docs/architecture.md §2): Socket.IO fans out through
// @socket.io/postgres-adapter (LISTEN/NOTIFY). With DATABASE_URL this file starts two app
// instances on the same database, each with its own pool and HTTP server, as two processes
// would; on embedded PGlite there is one process and the in-memory adapter, which is what the
// file checks there instead. Clients use WebSocket-only transport (no sticky sessions needed).
import type { FastifyInstance } from 'fastify'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { connectDatabase } from '../../db/connect.ts'
import { build } from '../helpers/app.ts'
import { feedToken, signIn } from '../helpers/auth.ts'
import { baseUrl, closeAllClients, connectLive, decision, type LiveClient, townshipCodes } from '../helpers/live.ts'

const { app: a, database } = await build()
const [T1, T2] = await townshipCodes(a)
await a.listen({ port: 0, host: '127.0.0.1' })
const duty = await signIn(a, ['duty'])
const officer = await signIn(a, ['township'], { township: T1 })
afterAll(() => closeAllClients())

if (database.kind === 'postgres') {
  // The second "process": its own pool on the same database, its own app and port.
  const handleB = await connectDatabase({ kind: 'postgres', url: database.url!, poolSize: 4 })
  // After hooks run last-registered first: the clients, then the app, then its pool.
  afterAll(() => handleB.close())
  const { app: b } = await build({ database: handleB, listen: true })
  afterAll(() => closeAllClients())

  /** Waits until process `from` sees the client's socket on the other process through the adapter. */
  async function visibleAcross(from: FastifyInstance, client: LiveClient) {
    await client.waitFor(() => client.socket.id !== undefined, 'socket id')
    const deadline = Date.now() + 20_000
    for (;;) {
      const sockets = await from.realtime.live.fetchSockets()
      if (sockets.some((s) => s.id === client.socket.id)) return
      if (Date.now() > deadline) throw new Error('the other process never became visible through the adapter')
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  describe('two processes on one PostgreSQL', () => {
    it('a township created through A takes events posted to B (B reloads its region cache), and B pushes regions:updated', async () => {
      const admin = await signIn(a, ['admin'])
      const token = await feedToken(a)
      const viewer = await connectLive(baseUrl(b), { token: duty.cookie.slice('sid='.length) })
      await visibleAcross(a, viewer)
      const created = await a.inject({ method: 'POST', url: '/api/v1/regions', headers: admin.headers, payload: { code: '990100020', name: '跨进程镇' } })
      expect(created.statusCode, created.body).toBe(201)
      await viewer.waitFor(() => viewer.of('regions:updated').find((m) => m.codes.includes('990100020')), 'regions:updated on B')
      await vi.waitFor(async () => {
        const posted = await b.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` }, payload: { source: 'dispute', externalId: 'cross-region-1', township: '990100020', category: 'neighbour', occurredAt: new Date().toISOString() } })
        expect(posted.json()).toMatchObject({ accepted: 1 })
      })
      closeAllClients()
    })

    it('both use the PostgreSQL adapter', () => {
      expect(a.realtime.adapter).toBe('postgres')
      expect(b.realtime.adapter).toBe('postgres')
    })

    it('a client on B receives an alert raised through A, and its later updates made on B reach a client on A', async () => {
      const onB = await connectLive(baseUrl(b), { cookie: duty.cookie })
      const onA = await connectLive(baseUrl(a), { cookie: duty.cookie })
      await visibleAcross(a, onB)
      await visibleAcross(b, onA)

      const [raised] = await a.alerts.applyDecisions([decision(T1, { ruleId: 'cluster-1', level: 'red' })])
      const got = await onB.waitFor(() => onB.of('alert:new').find((m) => m.alert.id === raised!.alertId), 'alert:new on B', 20_000)
      expect(got).toEqual({ alert: raised!.alert, seq: raised!.seq })

      const ack = await b.inject({ method: 'POST', url: `/api/v1/alerts/${raised!.alertId}/ack`, headers: duty.headers, payload: { version: 1 } })
      expect(ack.statusCode).toBe(200)
      const updated = await onA.waitFor(() => onA.of('alert:updated').find((m) => m.alert.id === raised!.alertId), 'alert:updated on A', 20_000)
      expect(updated.seq).toBe(ack.json().seq)
      // Each client got each change exactly once.
      await onB.waitFor(() => onB.of('alert:updated').some((m) => m.seq === ack.json().seq), 'alert:updated on B', 20_000)
      for (const client of [onA, onB]) {
        const seqs = client.alertChanges().map((c) => c.seq)
        expect(seqs).toEqual([raised!.seq, ack.json().seq])
      }
    })

    it('a sign-out on A ends the session’s socket on B at once', async () => {
      const leaving = await signIn(a, ['duty'])
      const onB = await connectLive(baseUrl(b), { cookie: leaving.cookie })
      const staying = await connectLive(baseUrl(b), { cookie: duty.cookie })
      await visibleAcross(a, onB)
      const reason = new Promise<string>((resolve) => onB.socket.once('disconnect', (r) => resolve(r)))
      expect((await a.inject({ method: 'DELETE', url: '/api/v1/session', headers: leaving.headers })).statusCode).toBe(204)
      expect(await reason).toBe('io server disconnect')
      expect(onB.of('server:error')).toEqual([{ code: 'session_ended', message: expect.any(String) }])
      expect(staying.socket.connected).toBe(true)
    })

    it('risk changes and events from A reach B, and B keeps a township officer to their township', async () => {
      const county = await connectLive(baseUrl(b), { cookie: duty.cookie })
      const mine = await connectLive(baseUrl(b), { cookie: officer.cookie })
      await visibleAcross(a, county)
      await visibleAcross(a, mine)
      a.realtime.riskChanged([{ township: T2, score: 70, level: 'orange' }, { township: T1, score: 33, level: 'yellow' }])
      a.realtime.flush()
      a.realtime.eventAccepted({ id: 1, source: 'incident', category: 'mass', township: T2, occurredAt: new Date(), parties: [{ name: '张三' }] })
      const [other] = await a.alerts.applyDecisions([decision(T2, { ruleId: 'cluster-2' })])
      const [own] = await a.alerts.applyDecisions([decision(T1, { ruleId: 'cluster-3' })])
      await mine.waitFor(() => mine.of('alert:new').some((m) => m.alert.id === own!.alertId), 'own alert on B', 20_000)
      await county.waitFor(() => county.of('alert:new').some((m) => m.alert.id === own!.alertId), 'county alert on B', 20_000)
      expect(county.of('alert:new').map((m) => m.alert.id)).toEqual([other!.alertId, own!.alertId])
      expect(county.of('risk:changed').flatMap((m) => m.changes)).toEqual([
        { township: T2, score: 70, level: 'orange' },
        { township: T1, score: 33, level: 'yellow' },
      ])
      expect(county.of('event:new').map((m) => m.event)).toEqual([expect.objectContaining({ id: 1, township: T2 })])
      expect(JSON.stringify(county.received)).not.toContain('张三')
      expect(mine.of('risk:changed').flatMap((m) => m.changes)).toEqual([{ township: T1, score: 33, level: 'yellow' }])
      expect(JSON.stringify(mine.received.filter((r) => r.event !== 'risk:snapshot'))).not.toContain(T2)
    })

    it('a client reconnecting to B replays, from the shared database, changes made through A', async () => {
      const first = await connectLive(baseUrl(b), { cookie: duty.cookie })
      const offset = first.of('risk:snapshot')[0].seq as number
      first.close()
      const missed = await a.alerts.applyDecisions([decision(T1, { ruleId: 'cluster-4' }), decision(T2, { ruleId: 'cluster-5' })])
      const back = await connectLive(baseUrl(b), { cookie: duty.cookie, offset })
      await back.waitFor(() => back.alertChanges().length >= 2, 'replay on B', 20_000)
      expect(back.alertChanges().map((c) => c.seq)).toEqual(missed.map((c) => c.seq))
    })
  })
} else {
  describe('one process on embedded PGlite', () => {
    it('uses the in-memory adapter (no LISTEN/NOTIFY, nothing forwarded) and delivers to every client of the process', async () => {
      expect(a.realtime.adapter).toBe('memory')
      expect(a.realtime.live.adapter.constructor.name).toBe('Adapter')
      const one = await connectLive(baseUrl(a), { cookie: duty.cookie })
      const two = await connectLive(baseUrl(a), { cookie: duty.cookie })
      const [raised] = await a.alerts.applyDecisions([decision(T1, { ruleId: 'single-1' })])
      for (const client of [one, two]) {
        const got = await client.waitFor(() => client.of('alert:new').find((m) => m.alert.id === raised!.alertId), 'alert:new')
        expect(got.seq).toBe(raised!.seq)
      }
      // fetchSockets sees exactly this process's clients.
      expect((await a.realtime.live.fetchSockets()).map((s) => s.id).sort()).toEqual([one.socket.id, two.socket.id].sort())
    })
  })
}

describe('shutdown', () => {
  it('closing the app disconnects its clients with a server-side disconnect', async () => {
    const { app: doomed } = await build()
    await doomed.listen({ port: 0, host: '127.0.0.1' })
    const who = await signIn(doomed, ['duty'])
    const client = await connectLive(baseUrl(doomed), { cookie: who.cookie })
    const reason = new Promise<string>((resolve) => client.socket.once('disconnect', (r) => resolve(r)))
    await doomed.close()
    expect(await reason).toBe('io server disconnect')
  })
})
