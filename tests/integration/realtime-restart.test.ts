// Seq replay across a server restart (docs/architecture.md §7, §13), with the real server process: a
// client away while alerts were raised and changed — some before a SIGKILL, some after the
// restart — reconnects with the last seq it saw and receives exactly the alert changes it
// missed, each once and in order, from the database (no in-memory recovery survives a kill).
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../e2e/harness.ts'
import { closeAllClients, connectLive } from '../helpers/live.ts'
import { createFeed, signIn, submitEvents } from '../../scripts/lib/api-client.ts'
import { type AlertJson, allAlerts, isLeader, massIncident, townshipScores, until } from '../helpers/server-process.ts'

const servers: RunningServer[] = []
afterAll(async () => {
  closeAllClients()
  for (const s of servers.reverse()) await s.stop()
})

const openMassAlert = (a: AlertJson, township?: string) => a.ruleId === 'mass-incident' && a.state !== 'closed' && (township === undefined || a.township.code === township)

/** The head of the change log: the seq a fresh connection's snapshot covers. */
async function headSeq(server: RunningServer): Promise<number> {
  const probe = await connectLive(server.url, { token: (await signIn(server, 'leader')).token })
  probe.close()
  return probe.of('risk:snapshot')[0].seq as number
}

async function massAlert(server: RunningServer, township: string) {
  return until(async () => (await allAlerts(server)).find((a) => openMassAlert(a, township)), `the mass-incident alert of ${township}`)
}

describe('realtime replay across a server restart', () => {
  it('a client reconnecting with its last seq after a SIGKILL and restart receives exactly the alert changes it missed', { timeout: 180_000 }, async () => {
    const server = await startServer()
    servers.push(server)
    await until(() => isLeader(server), 'the engine to run')
    // Townships whose demo history left no mass-incident alert open: each event below raises a new one.
    const busy = new Set((await allAlerts(server)).filter((a) => openMassAlert(a)).map((a) => a.township.code))
    const [t1, t2, t3, t4] = [...(await townshipScores(server)).keys()].filter((code) => !busy.has(code))
    const token = await createFeed(server, 'replay-feed')
    const leader = await signIn(server, 'leader')

    // Seen live: the first alert. Then the client goes away.
    const client = await connectLive(server.url, { token: leader.token })
    expect((await submitEvents(server, token, massIncident(t1!, 'r-1'))).status).toBe(202)
    await client.waitFor(() => client.alertChanges().find((c) => c.alert.township.code === t1 && c.alert.ruleId === 'mass-incident'), 'the first alert')
    // Let the engine's follow-up changes (a level alert, …) arrive too: everything up to the head of
    // the change log as a fresh connection's snapshot reports it. Then take the last seq seen.
    const head = await headSeq(server)
    await client.waitFor(() => client.alertChanges().some((c) => c.seq >= head), `the changes up to seq ${head}`)
    const lastSeen = Math.max(...client.alertChanges().map((c) => c.seq))
    const seenIds = new Set(client.alertChanges().map((c) => c.alert.id))
    client.close()

    // Missed before the crash: two new alerts and an action on the one it saw.
    expect((await submitEvents(server, token, [massIncident(t2!, 'r-2'), massIncident(t3!, 'r-3')])).status).toBe(202)
    await massAlert(server, t2!)
    await massAlert(server, t3!)
    const first = await massAlert(server, t1!)
    const duty = await signIn(server, 'duty')
    const ack = await duty.post(`/api/v1/alerts/${first.id}/ack`, { version: first.version })
    expect(ack.status).toBe(200)

    await server.kill()
    await server.restart()
    await until(() => isLeader(server), 'the engine to run after the restart')
    // Missed after the restart.
    expect((await submitEvents(server, token, massIncident(t4!, 'r-4'))).status).toBe(202)
    await massAlert(server, t4!)
    const headAfter = await headSeq(server)

    const back = await connectLive(server.url, { token: (await signIn(server, 'leader')).token, offset: lastSeen })
    const want = (await allAlerts(server)).filter((a) => openMassAlert(a) && [t2, t3, t4].includes(a.township.code))
    await back.waitFor(() => want.every((a) => back.alertChanges().some((c) => c.alert.id === a.id)), 'the replay of the missed alerts')
    await back.waitFor(() => back.alertChanges().find((c) => c.event === 'alert:updated' && c.alert.id === first.id && c.alert.state === 'acknowledged'), 'the replay of the acknowledgement')
    await back.waitFor(() => back.alertChanges().some((c) => c.seq >= headAfter), `the replay up to seq ${headAfter}`)

    const replay = back.alertChanges()
    const seqs = replay.map((c) => c.seq)
    expect(seqs.every((s) => s > lastSeen), 'nothing it had seen').toBe(true)
    expect(seqs, 'each once, in order').toEqual([...new Set(seqs)].sort((a, b) => a - b))
    expect(replay.filter((c) => c.event === 'alert:new' && seenIds.has(c.alert.id)), 'no alert it saw raised again').toEqual([])
    // Exactly what is stored since lastSeen: the latest state of every alert it missed.
    const latest = new Map<number, { state: string; version: number }>()
    for (const c of replay) latest.set(c.alert.id, { state: c.alert.state, version: c.alert.version })
    const stored = await allAlerts(server)
    for (const [id, shown] of latest) {
      const now = stored.find((a) => a.id === id)!
      expect(shown, `alert ${id} as replayed`).toEqual({ state: now.state, version: now.version })
    }

    // A second reconnect from the last replayed seq gets nothing more: the first change it receives
    // is the one made after it connected.
    const again = await connectLive(server.url, { token: (await signIn(server, 'leader')).token, offset: Math.max(...seqs) })
    expect((await submitEvents(server, token, massIncident(t1!, 'r-5'))).status).toBe(202)
    const next = await again.waitFor(() => again.alertForEvent('r-5'), 'the change made after the reconnect')
    expect(again.alertChanges()[0], 'nothing replayed before it').toEqual(next)
  })
})
