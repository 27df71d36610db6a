// SIGTERM (docs/architecture.md §13): the process finishes the requests in flight — a batch whose body is still
// arriving when the signal lands completes with 202 and is stored — tells connected sockets it is
// restarting before it disconnects them, releases the engine's leadership and exits 0. On
// PostgreSQL a second process on the same database takes the engine over and the next event
// raises its alert there; on PGlite (one process) the restarted process does.
import { request } from 'node:http'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../e2e/harness.ts'
import { closeAllClients, connectLive, type LiveClient } from '../helpers/live.ts'
import { createFeed, signIn, submitEvents } from '../../scripts/lib/api-client.ts'
import { isLeader, massIncident, requestsInFlight, storedExternalIds, townshipScores, until } from '../helpers/server-process.ts'

const servers: RunningServer[] = []
afterAll(async () => {
  closeAllClients()
  for (const s of servers.reverse()) await s.stop()
})

/** Starts a POST whose body arrives in two halves; `finish()` sends the second half. */
function slowPost(url: string, token: string, body: string): { response: Promise<{ status: number; body: string }>; headersSent: Promise<void>; finish(): void } {
  const half = Math.floor(body.length / 2)
  const req = request(`${url}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  })
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
  })
  req.flushHeaders()
  const headersSent = new Promise<void>((resolve) => req.write(body.slice(0, half), () => resolve()))
  return { response, headersSent, finish: () => req.end(body.slice(half)) }
}

async function shutDownUnderARequest(server: RunningServer, token: string, watcher: LiveClient, township: string, whileDraining?: () => Promise<void>): Promise<string[]> {
  const ids = Array.from({ length: 200 }, (_, i) => `in-flight-${i}`)
  const slow = slowPost(server.url, token, JSON.stringify(ids.map((externalId) => ({ source: 'dispute', externalId, township, category: 'land', occurredAt: new Date().toISOString() }))))
  await slow.headersSent
  // The signal lands once the server has the request and is reading its body.
  await until(async () => (await requestsInFlight(server, 'POST', '/api/v1/events')) >= 1, 'the server to be reading the batch')
  const exited = server.terminate()
  // The socket hears why before it is disconnected.
  await watcher.waitFor(() => watcher.of('server:shutdown')[0], 'server:shutdown')
  await watcher.waitFor(() => !watcher.socket.connected, 'the socket to be disconnected')
  // The process is still draining (its request is open) when this runs.
  await whileDraining?.()
  slow.finish()
  const res = await slow.response
  expect(res.status).toBe(202)
  expect(JSON.parse(res.body)).toMatchObject({ accepted: ids.length, rejected: [] })
  expect(await exited).toEqual({ code: 0, signal: null })
  expect(server.output()).not.toMatch(/"level":(50|60)/)
  return ids
}

async function twoProcesses(): Promise<void> {
  const a = await startServer()
  servers.push(a)
  const b = await startServer({ DATABASE_URL: a.env['DATABASE_URL']!, LOG_LEVEL: 'warn' })
  servers.push(b)
  await until(async () => (await isLeader(a)) && !(await isLeader(b)), 'A to lead and B to stand by')
  const [first, second] = [...(await townshipScores(a)).keys()]
  const token = await createFeed(a, 'shutdown-feed')
  const watcher = await connectLive(a.url, { token: (await signIn(a, 'leader')).token })

  // A lets the engine go at the start of its shutdown, not when its process ends (as a crash
  // would): B leads while A is still finishing the request in flight.
  const ids = await shutDownUnderARequest(a, token, watcher, first!, () => until(() => isLeader(b), 'B to take over while A drains').then(() => {}))

  // B raises the next alert; the batch finished by A is stored.
  const onB = await connectLive(b.url, { token: (await signIn(b, 'leader')).token })
  expect((await submitEvents(b, token, massIncident(second!, 'after-shutdown'))).status).toBe(202)
  await onB.waitFor(() => onB.alertForEvent('after-shutdown'), 'the alert raised by B')
  const stored = await storedExternalIds(b, 'shutdown-feed')
  expect(ids.filter((id) => stored.get(id) !== 1)).toEqual([])
}

async function oneProcess(): Promise<void> {
  const server = await startServer()
  servers.push(server)
  await until(() => isLeader(server), 'the engine to run')
  const [first, second] = [...(await townshipScores(server)).keys()]
  const token = await createFeed(server, 'shutdown-feed')
  const watcher = await connectLive(server.url, { token: (await signIn(server, 'leader')).token })

  const ids = await shutDownUnderARequest(server, token, watcher, first!)

  await server.restart()
  await until(() => isLeader(server), 'the engine to run after the restart')
  const again = await connectLive(server.url, { token: (await signIn(server, 'leader')).token })
  expect((await submitEvents(server, token, massIncident(second!, 'after-shutdown'))).status).toBe(202)
  await again.waitFor(() => again.alertForEvent('after-shutdown'), 'the alert after the restart')
  const stored = await storedExternalIds(server, 'shutdown-feed')
  expect(ids.filter((id) => stored.get(id) !== 1)).toEqual([])
}

describe('graceful shutdown', () => {
  it(
    process.env['DATABASE_URL']
      ? 'PostgreSQL: SIGTERM finishes the batch in flight, tells sockets, exits 0; the other process takes the engine over'
      : 'PGlite: SIGTERM finishes the batch in flight, tells sockets, exits 0; after the restart the engine raises the next alert',
    { timeout: 180_000 },
    () => (process.env['DATABASE_URL'] ? twoProcesses() : oneProcess()),
  )
})
