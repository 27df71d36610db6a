// The engine across process deaths, with real server processes (server/main.ts): on PostgreSQL
// two processes share one database and the engine moves to the survivor; on PGlite (one process
// by design) the process is killed and restarted. Either way the next triggering event raises
// exactly one alert, and no alert is raised twice.
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../e2e/harness.ts'
import { closeAllClients, connectLive } from '../helpers/live.ts'
import { createFeed, signIn, submitEvents } from '../../scripts/lib/api-client.ts'
import { type AlertJson, allAlerts, isLeader, massIncident, until } from '../helpers/server-process.ts'

const servers: RunningServer[] = []
afterAll(async () => {
  closeAllClients()
  for (const s of servers.reverse()) await s.stop()
})

async function postMass(server: RunningServer, token: string, township: string, externalId: string): Promise<void> {
  expect((await submitEvents(server, token, massIncident(township, externalId))).body).toMatchObject({ accepted: 1 })
}

async function alertsFor(server: RunningServer, township: string): Promise<AlertJson[]> {
  return (await allAlerts(server)).filter((a) => a.township.code === township && a.ruleId === 'mass-incident')
}

async function twoProcessesOnePostgres(): Promise<void> {
  {
    // A client on B sees an alert raised through A; when A dies, B takes the engine and the next event raises exactly one alert.
    const a = await startServer()
    servers.push(a)
    const b = await startServer({ DATABASE_URL: a.env['DATABASE_URL']! })
    servers.push(b)
    await until(async () => (await isLeader(a)) && !(await isLeader(b)), 'A to lead and B to stand by')

    const token = await createFeed(a)
    const watcher = await connectLive(b.url, { token: (await signIn(b, 'leader')).token })
    await postMass(a, token, '990100007', 'failover-1')
    await watcher.waitFor(() => watcher.of('alert:new').find((m) => m.alert.township.code === '990100007'), 'alert:new on B for an event posted to A')

    await a.kill()
    await until(() => isLeader(b), 'B to take over the engine')
    await postMass(b, token, '990100009', 'failover-2')
    await until(async () => (await alertsFor(b, '990100009')).length === 1, 'one alert for the event after the failover')
    // B's rebuild reconciled with the stored alerts: nothing was raised twice.
    expect(await alertsFor(b, '990100007')).toEqual([expect.objectContaining({ state: 'new', count: 1 })])
    expect(await alertsFor(b, '990100009')).toEqual([expect.objectContaining({ state: 'new', count: 1 })])
  }
}

async function oneProcessOnPglite(): Promise<void> {
  {
    // After a SIGKILL and restart the engine raises nothing twice, and the next event still raises its alert.
    const server = await startServer()
    servers.push(server)
    await until(() => isLeader(server), 'the engine to run')
    const token = await createFeed(server)
    await postMass(server, token, '990100007', 'crash-1')
    await until(async () => (await alertsFor(server, '990100007')).length === 1, 'the first alert')

    await server.kill()
    await server.restart()
    await until(() => isLeader(server), 'the engine to run again')
    expect(await alertsFor(server, '990100007')).toEqual([expect.objectContaining({ count: 1 })])
    await postMass(server, token, '990100009', 'crash-2')
    await until(async () => (await alertsFor(server, '990100009')).length === 1, 'the alert for the event after the restart')
    expect(await alertsFor(server, '990100007')).toEqual([expect.objectContaining({ count: 1 })])
  }
}

describe('the engine outlives a process death', () => {
  it(
    process.env['DATABASE_URL']
      ? 'PostgreSQL: the engine moves to the surviving process; alerts cross processes; nothing is raised twice'
      : 'PGlite: after SIGKILL and restart nothing is raised twice and the next event raises its alert',
    { timeout: 180_000 },
    () => (process.env['DATABASE_URL'] ? twoProcessesOnePostgres() : oneProcessOnPglite()),
  )
})
