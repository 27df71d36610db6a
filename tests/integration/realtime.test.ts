import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../helpers/app.ts'
import { pairKiosk, signIn } from '../helpers/auth.ts'
import { closeAllClients, connectLive, decision, refusedLive, tokenOf, townshipCodes, baseUrl } from '../helpers/live.ts'

const { app } = await build()
const [T1, T2] = await townshipCodes(app)
const duty = await signIn(app, ['duty'])
const officer1 = await signIn(app, ['township'], { township: T1 })
const admin = await signIn(app, ['admin'])
let url = ''
let rule = 0
const freshRule = () => `live-${++rule}`

beforeAll(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' })
  url = baseUrl(app)
})
afterEach(() => closeAllClients())
afterAll(() => closeAllClients())

/** Every pushed alert change in the database after `offset` that a scope may see, in seq order. */
async function expectedSince(offset: number, scope: string | null): Promise<number[]> {
  let q = app.db.selectFrom('alertChange').select('seq').where('seq', '>', offset).where('push', 'is not', null)
  if (scope) q = q.where('township', '=', scope)
  return (await q.orderBy('seq').execute()).map((r) => r.seq)
}

describe('handshake', () => {
  it('refuses a client without credentials, with an error it can read', async () => {
    const err = await refusedLive(url, {})
    expect(err.message).toMatch(/sign in first/)
    expect(err.data).toMatchObject({ code: 'unauthenticated' })
  })

  it('refuses an unknown or revoked session token', async () => {
    expect((await refusedLive(url, { token: 'not-a-session' })).data?.code).toBe('unauthenticated')
    const gone = await signIn(app, ['duty'])
    await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: gone.headers })
    expect((await refusedLive(url, { cookie: gone.cookie })).data?.code).toBe('unauthenticated')
  })

  // The periodic check runs once a minute; these end the socket at once, without it.
  it('disconnects a connected client as soon as it signs out', async () => {
    const leaving = await signIn(app, ['duty'])
    const staying = await connectLive(url, { cookie: duty.cookie })
    const client = await connectLive(url, { cookie: leaving.cookie })
    const reason = new Promise<string>((resolve) => client.socket.once('disconnect', (r) => resolve(r)))
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: leaving.headers })).statusCode).toBe(204)
    expect(await reason).toBe('io server disconnect')
    expect(client.of('server:error')).toEqual([{ code: 'session_ended', message: expect.any(String) }])
    expect(staying.socket.connected).toBe(true)
  })

  it('disconnects a disabled user’s sockets and a revoked wall’s at once', async () => {
    const worker = await signIn(app, ['duty'])
    const wall = await pairKiosk(app)
    const staying = await connectLive(url, { cookie: duty.cookie })
    const clients = [await connectLive(url, { cookie: worker.cookie }), await connectLive(url, { cookie: wall.cookie })]
    const reasons = clients.map((c) => new Promise<string>((resolve) => c.socket.once('disconnect', (r) => resolve(r))))
    const user = await app.db.selectFrom('appUser').select('id').where('username', '=', worker.username).executeTakeFirstOrThrow()
    expect((await app.inject({ method: 'PATCH', url: `/api/v1/users/${user.id}`, headers: admin.headers, payload: { disabled: true } })).statusCode).toBe(200)
    expect(await reasons[0]).toBe('io server disconnect')
    expect(clients[1]!.socket.connected).toBe(true)
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/kiosks/${wall.kioskId}`, headers: admin.headers })).statusCode).toBe(204)
    expect(await reasons[1]).toBe('io server disconnect')
    for (const c of clients) expect(c.of('server:error')).toEqual([{ code: 'session_ended', message: expect.any(String) }])
    expect(staying.socket.connected).toBe(true)
    // The periodic check still finds nothing left to end.
    expect(await app.realtime.checkSessions()).toBe(0)
  })

  it('disconnects a demoted user’s sockets and those of a user given a new password at once', async () => {
    const demoted = await signIn(app, ['duty'])
    const rekeyed = await signIn(app, ['duty'])
    const clients = [await connectLive(url, { cookie: demoted.cookie }), await connectLive(url, { cookie: rekeyed.cookie })]
    const reasons = clients.map((c) => new Promise<string>((resolve) => c.socket.once('disconnect', (r) => resolve(r))))
    const idOf = async (username: string) => (await app.db.selectFrom('appUser').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id
    const patch = async (username: string, payload: Record<string, unknown>) =>
      (await app.inject({ method: 'PATCH', url: `/api/v1/users/${await idOf(username)}`, headers: admin.headers, payload })).statusCode
    expect(await patch(demoted.username, { roles: ['leader'] })).toBe(200)
    expect(await reasons[0]).toBe('io server disconnect')
    expect(clients[1]!.socket.connected).toBe(true)
    expect(await patch(rekeyed.username, { password: 'a-new-password-2026' })).toBe(200)
    expect(await reasons[1]).toBe('io server disconnect')
  })

  it('refuses a malformed offset', async () => {
    expect((await refusedLive(url, { token: tokenOf(duty.cookie), offset: -3 })).data?.code).toBe('bad_request')
  })

  it('accepts the session cookie or auth.token, and sends a snapshot of townships and open alerts', async () => {
    const [raised] = await app.alerts.applyDecisions([decision(T1, { ruleId: freshRule(), level: 'red' })])
    const byCookie = await connectLive(url, { cookie: duty.cookie })
    const byToken = await connectLive(url, { token: tokenOf(duty.cookie) })
    for (const client of [byCookie, byToken]) {
      const [snapshot] = client.of('risk:snapshot')
      expect(snapshot.townships).toHaveLength(12)
      expect(snapshot.townships[0]).toEqual({ township: expect.any(String), name: expect.any(String), score: 0, level: 'blue', silent: false, updatedAt: null })
      expect(snapshot.alerts.map((a: { id: number }) => a.id)).toContain(raised!.alertId)
      expect(snapshot.seq).toBeGreaterThanOrEqual(raised!.seq)
    }
  })

  it('a paired-wall style token is just a session token: it works the same', async () => {
    const leader = await signIn(app, ['leader'])
    const wall = await connectLive(url, { token: tokenOf(leader.cookie) })
    expect(wall.of('risk:snapshot')).toHaveLength(1)
  })
})

describe('alert changes', () => {
  it('a decision applied through the service reaches a connected client as alert:new, an action as alert:updated', async () => {
    const client = await connectLive(url, { cookie: duty.cookie })
    const [c] = await app.alerts.applyDecisions([decision(T1, { ruleId: freshRule(), level: 'orange' })])
    const got = await client.waitFor(() => client.of('alert:new').find((m) => m.alert.id === c!.alertId), 'alert:new')
    expect(got).toEqual({ alert: c!.alert, seq: c!.seq })
    expect(Object.keys(got.alert)).toEqual(
      expect.arrayContaining(['id', 'township', 'ruleId', 'level', 'state', 'escalated', 'recovered', 'count', 'raisedAt', 'lastSeenAt', 'deadline', 'department', 'leadOfficial', 'lastEvent', 'version']),
    )
    const res = await app.inject({ method: 'POST', url: `/api/v1/alerts/${c!.alertId}/ack`, headers: duty.headers, payload: { version: 1 } })
    expect(res.statusCode).toBe(200)
    const updated = await client.waitFor(() => client.of('alert:updated').find((m) => m.alert.id === c!.alertId), 'alert:updated')
    expect(updated).toEqual({ alert: res.json().alert, seq: res.json().seq })
    expect(updated.seq).toBeGreaterThan(got.seq)
  })

  it('a township officer never receives another township’s alerts, risk or events', async () => {
    const county = await connectLive(url, { cookie: duty.cookie })
    const officer = await connectLive(url, { cookie: officer1.cookie })
    const [snapshot] = officer.of('risk:snapshot')
    expect(snapshot.townships.map((t: { township: string }) => t.township)).toEqual([T1])
    expect(snapshot.alerts.every((a: { township: { code: string } }) => a.township.code === T1)).toBe(true)

    app.realtime.riskChanged([{ township: T2, score: 40, level: 'yellow' }])
    app.realtime.eventAccepted({ id: 9001, source: 'dispute', category: 'wages', township: T2, occurredAt: new Date() })
    const [other] = await app.alerts.applyDecisions([decision(T2, { ruleId: freshRule() })])
    await app.alerts.applyDecisions([decision(T2, { ruleId: other!.alert.ruleId, kind: 'recover' })])
    // Then something for T1: once the officer has it, anything for T2 sent before it would have arrived.
    app.realtime.riskChanged([{ township: T1, score: 31, level: 'yellow' }])
    app.realtime.flush()
    const [mine] = await app.alerts.applyDecisions([decision(T1, { ruleId: freshRule() })])
    await officer.waitFor(() => officer.of('alert:new').some((m) => m.alert.id === mine!.alertId), 'own alert')
    await county.waitFor(() => county.of('alert:new').some((m) => m.alert.id === mine!.alertId), 'county sees T1')

    const foreign = officer.received.filter((r) => JSON.stringify(r.data).includes(T2))
    expect(foreign).toEqual([])
    expect(county.of('alert:new').some((m) => m.alert.id === other!.alertId)).toBe(true)
    expect(county.of('event:new').some((m) => m.event.township === T2)).toBe(true)
    expect(officer.of('risk:changed').flatMap((m) => m.changes)).toEqual([{ township: T1, score: 31, level: 'yellow' }])
  })
})

describe('replay by seq', () => {
  it('a client reconnecting with the last seq it saw receives exactly the changes it missed, in order', async () => {
    const first = await connectLive(url, { cookie: duty.cookie })
    const officerFirst = await connectLive(url, { cookie: officer1.cookie })
    const [seen] = await app.alerts.applyDecisions([decision(T1, { ruleId: freshRule() })])
    await first.waitFor(() => first.of('alert:new').some((m) => m.seq === seen!.seq), 'the change before going offline')
    await officerFirst.waitFor(() => officerFirst.of('alert:new').some((m) => m.seq === seen!.seq), 'officer: the change before going offline')
    const offset = Math.max(...first.alertChanges().map((c) => c.seq))
    const officerOffset = Math.max(...officerFirst.alertChanges().map((c) => c.seq))
    first.close()
    officerFirst.close()

    // While offline: new alerts in two townships, updates, an action, and a suppressed raise.
    const r1 = freshRule()
    const missed = await app.alerts.applyDecisions([
      decision(T1, { ruleId: r1, level: 'yellow' }),
      decision(T2, { ruleId: freshRule(), level: 'red' }),
      decision(T1, { ruleId: r1, level: 'orange' }),
    ])
    const ack = await app.inject({ method: 'POST', url: `/api/v1/alerts/${missed[0]!.alertId}/ack`, headers: duty.headers, payload: { version: 2 } })
    expect(ack.statusCode).toBe(200)
    const silenced = freshRule()
    await app.inject({ method: 'POST', url: '/api/v1/silences', headers: admin.headers, payload: { matchers: { ruleId: silenced }, reason: 'test', expiresAt: new Date(Date.now() + 3600_000).toISOString() } })
    const [suppressed] = await app.alerts.applyDecisions([decision(T1, { ruleId: silenced })])
    expect(suppressed!.push).toBeNull()

    const expected = await expectedSince(offset, null)
    expect(expected.length).toBeGreaterThanOrEqual(4)
    const back = await connectLive(url, { cookie: duty.cookie, offset })
    await back.waitFor(() => back.alertChanges().length >= expected.length, 'the replay')
    const replayed = back.alertChanges()
    expect(replayed.map((c) => c.seq)).toEqual(expected)
    expect(replayed.map((c) => c.event)).toEqual(['alert:new', 'alert:new', 'alert:updated', 'alert:updated'])
    expect(replayed.some((c) => c.alert.id === suppressed!.alertId)).toBe(false)
    // The snapshot comes first, then the replay.
    expect(back.received[0]!.event).toBe('risk:snapshot')

    const officerExpected = await expectedSince(officerOffset, T1)
    const officerBack = await connectLive(url, { cookie: officer1.cookie, offset: officerOffset })
    await officerBack.waitFor(() => officerBack.alertChanges().length >= officerExpected.length, 'the officer replay')
    expect(officerBack.alertChanges().map((c) => c.seq)).toEqual(officerExpected)
    expect(officerBack.alertChanges().every((c) => c.alert.township.code === T1)).toBe(true)

    // And then live again, without duplicates.
    const [after] = await app.alerts.applyDecisions([decision(T1, { ruleId: freshRule() })])
    await back.waitFor(() => back.alertChanges().some((c) => c.seq === after!.seq), 'live after replay')
    const seqs = back.alertChanges().map((c) => c.seq)
    expect(new Set(seqs).size).toBe(seqs.length)
  })

  it('changes committed while a client connects and replays are delivered once each, with no gap', async () => {
    for (let round = 0; round < 2; round++) {
      const offset = (await expectedSince(0, null)).at(-1) ?? 0
      // The writer keeps committing through the whole handshake, snapshot and replay, and a bit after.
      let connected = false
      let after = 0
      const writer = (async () => {
        for (let i = 0; (!connected || after++ < 5) && i < 300; i++) {
          await app.alerts.applyDecisions([decision(i % 2 ? T1 : T2, { ruleId: `race-${round}-${i % 4}` })])
          // Pace it a little so the single-connection PGlite also serves the handshake's queries.
          await new Promise((r) => setTimeout(r, 2))
        }
      })()
      const client = await connectLive(url, { cookie: duty.cookie, offset })
      connected = true
      await writer
      const expected = await expectedSince(offset, null)
      await client.waitFor(() => client.alertChanges().length >= expected.length, 'all changes')
      // Give a duplicate the chance to show up: one more change, and wait for it.
      const [sentinel] = await app.alerts.applyDecisions([decision(T1, { ruleId: freshRule() })])
      await client.waitFor(() => client.alertChanges().some((c) => c.seq === sentinel!.seq), 'sentinel')
      expect(client.alertChanges().map((c) => c.seq)).toEqual([...expected, sentinel!.seq])
      client.close()
    }
  })

  it('changes committed after the snapshot and before the replay query are sent once, in seq order', async () => {
    // A second app whose hub lets the test commit changes exactly inside that window, on every connect.
    // The work to do inside the window on the next connect, and its result once done.
    let during: (() => Promise<number[]>) | null = null
    let done: Promise<number[]> = Promise.resolve([])
    const beforeReplay = async () => {
      const work = during
      during = null
      if (work) await (done = work())
    }
    const { app: seam, close } = await build({ realtime: { beforeReplay }, listen: true, closedBy: 'caller' })
    try {
      const [a, b] = await townshipCodes(seam)
      const who = await signIn(seam, ['duty'])
      const raise = async (...ds: ReturnType<typeof decision>[]) => (await seam.alerts.applyDecisions(ds)).map((c) => c.seq)
      const before = await raise(decision(a, { ruleId: 'w1' }), decision(b, { ruleId: 'w2' }))
      during = () => raise(decision(a, { ruleId: 'w1' }), decision(b, { ruleId: 'w3' }))
      const client = await connectLive(baseUrl(seam), { cookie: who.cookie, offset: before[0]! })
      const inWindow = await done
      expect(inWindow).toHaveLength(2)
      const [sentinel] = await raise(decision(b, { ruleId: 'w4' }))
      await client.waitFor(() => client.alertChanges().some((c) => c.seq === sentinel), 'sentinel')
      expect(client.alertChanges().map((c) => c.seq)).toEqual([before[1], ...inWindow, sentinel])

      // Without an offset: nothing is replayed; the window's changes come from the buffer, after the snapshot.
      during = () => raise(decision(a, { ruleId: 'w5' }))
      const fresh = await connectLive(baseUrl(seam), { cookie: who.cookie })
      const inWindow2 = await done
      expect(inWindow2).toHaveLength(1)
      const [s2] = await raise(decision(b, { ruleId: 'w6' }))
      await fresh.waitFor(() => fresh.alertChanges().some((c) => c.seq === s2), 'sentinel 2')
      expect(fresh.alertChanges().map((c) => c.seq)).toEqual([...inWindow2, s2])
    } finally {
      closeAllClients()
      await close()
    }
  })

  it('a client without an offset gets the snapshot and then only live changes', async () => {
    const client = await connectLive(url, { cookie: duty.cookie })
    const [c] = await app.alerts.applyDecisions([decision(T2, { ruleId: freshRule() })])
    await client.waitFor(() => client.alertChanges().length > 0, 'live change')
    expect(client.alertChanges().map((x) => x.seq)).toEqual([c!.seq])
  })
})

describe('risk and events', () => {
  it('coalesces risk changes: one message per flush, the last value per township wins', async () => {
    const client = await connectLive(url, { cookie: duty.cookie })
    app.realtime.riskChanged([{ township: T1, score: 10, level: 'blue' }])
    app.realtime.riskChanged([{ township: T1, score: 20, level: 'blue' }, { township: T2, score: 60, level: 'orange' }])
    app.realtime.riskChanged([{ township: T1, score: 35, level: 'yellow' }])
    const [msg] = await client.waitFor(() => client.of('risk:changed').length > 0 && client.of('risk:changed'), 'risk:changed')
    expect(msg.changes).toEqual([
      { township: T1, score: 35, level: 'yellow' },
      { township: T2, score: 60, level: 'orange' },
    ])
    expect(msg.seq).toBe(app.realtime.seq())
    expect(client.of('risk:changed')).toHaveLength(1)
  })

  it('event:new is masked (no parties, no free text) and sampled when the rate is high', async () => {
    const client = await connectLive(url, { cookie: duty.cookie })
    const secret = { id: 5000, source: 'petition', category: 'labour', township: T1, severity: 3, peopleCount: 7, occurredAt: '2026-11-23T01:02:03.000Z', title: '张三讨薪', summary: '身份证 110101199001011234', parties: [{ name: '张三', idNumber: '110101199001011234', phone: '13800000000' }] }
    app.realtime.eventAccepted(secret)
    const [first] = await client.waitFor(() => client.of('event:new').length > 0 && client.of('event:new'), 'event:new')
    expect(first.event).toEqual({ id: 5000, source: 'petition', category: 'labour', township: T1, village: null, severity: 3, peopleCount: 7, collective: true, status: null, occurredAt: '2026-11-23T01:02:03.000Z' })
    expect(JSON.stringify(first)).not.toMatch(/张三|1101011990|13800000000/)

    for (let i = 0; i < 200; i++) app.realtime.eventAccepted({ ...secret, id: 6000 + i })
    const [sentinel] = await app.alerts.applyDecisions([decision(T1, { ruleId: freshRule() })])
    await client.waitFor(() => client.alertChanges().some((c) => c.seq === sentinel!.seq), 'sentinel')
    const burst = client.of('event:new').filter((m) => m.event.id >= 6000)
    expect(burst.length).toBeGreaterThan(0)
    expect(burst.length).toBeLessThanOrEqual(25)
    expect((await app.inject('/metrics')).body).toMatch(/shaowang_realtime_events_sampled_out_total [1-9]/)
  })

  it('counts connected sockets and emitted messages', async () => {
    await connectLive(url, { cookie: duty.cookie })
    await connectLive(url, { cookie: duty.cookie })
    const text = (await app.inject('/metrics')).body
    const sockets = Number(/shaowang_realtime_connected_sockets (\d+)/.exec(text)?.[1])
    expect(sockets).toBeGreaterThanOrEqual(2)
    expect(text).toMatch(/shaowang_realtime_messages_total\{event="risk:snapshot"\} [1-9]/)
    expect(text).toMatch(/shaowang_realtime_messages_total\{event="alert:new"\} [1-9]/)
  })
})
