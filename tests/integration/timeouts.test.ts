// Slow or stalled clients cannot hold the server's sockets (docs/architecture.md §13): raw TCP clients that send
// headers byte by byte (slowloris), stall in the middle of a body, or connect and say nothing are
// cut off by the server within SERVER_TIMEOUTS with a 408 (shortened here; an app built without
// overrides is checked to run with the production values).
import { connect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { SERVER_TIMEOUTS, type ServerTimeouts } from '../../server/app.ts'
import { build } from '../helpers/app.ts'

const SHORT: ServerTimeouts = { requestMs: 1_500, headersMs: 1_000, idleMs: 2_000, keepAliveMs: 500, checkIntervalMs: 200 }
// Far above every SHORT timeout, far below the test's own: a client still connected then was not cut off.
const GIVE_UP_MS = 12_000

const { app } = await build({ demoCounty: false, timeouts: SHORT, listen: true })
const port = (app.server.address() as { port: number }).port

interface Outcome {
  /** The server closed the connection (not the client). */
  closedByServer: boolean
  /** What the server said before closing, if anything. */
  response: string
}

/** Opens a raw connection, runs `behave` (which may keep sending), and reports how it ended. */
function rawClient(behave: (socket: Socket, closed: () => boolean) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let response = ''
    let closed = false
    const giveUp = setTimeout(() => {
      closed = true
      socket.destroy()
      resolve({ closedByServer: false, response })
    }, GIVE_UP_MS)
    socket.on('data', (d) => (response += d))
    socket.on('error', () => {})
    socket.on('close', () => {
      if (closed) return
      closed = true
      clearTimeout(giveUp)
      resolve({ closedByServer: true, response })
    })
    socket.on('connect', () => behave(socket, () => closed))
  })
}

/** Writes `text` one byte per `everyMs` until done or closed. */
function trickle(socket: Socket, text: string, everyMs: number, closed: () => boolean): void {
  let i = 0
  const timer = setInterval(() => {
    if (closed() || i >= text.length) return clearInterval(timer)
    socket.write(text[i++]!)
  }, everyMs)
}

describe('server timeouts cut off slow and stalled clients', () => {
  it('headers sent slowly (slowloris) are cut off with 408', async () => {
    const outcome = await rawClient((socket, closed) => {
      socket.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n')
      // A header line that never ends in time: a byte every 100 ms keeps the socket busy, not idle.
      trickle(socket, `X-Slow: ${'a'.repeat(500)}\r\n\r\n`, 100, closed)
    })
    expect(outcome.closedByServer).toBe(true)
    expect(outcome.response).toMatch(/^HTTP\/1\.1 408/)
  })

  it('a body that stalls half-way is cut off with 408', async () => {
    const outcome = await rawClient((socket) => {
      // The sign-in route is public: the server reads this body (a feed route would answer 401 first).
      socket.write('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"username":')
    })
    expect(outcome.closedByServer).toBe(true)
    expect(outcome.response).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('a body that trickles byte by byte is cut off at the request deadline', async () => {
    const outcome = await rawClient((socket, closed) => {
      socket.write('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n')
      trickle(socket, ' '.repeat(5000), 50, closed)
    })
    expect(outcome.closedByServer).toBe(true)
    expect(outcome.response).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('a connection that sends nothing is closed', async () => {
    const outcome = await rawClient(() => {})
    expect(outcome.closedByServer).toBe(true)
    expect(outcome.response).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('an idle keep-alive connection is closed after its request', async () => {
    const outcome = await rawClient((socket) => socket.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'))
    expect(outcome.closedByServer).toBe(true)
    expect(outcome.response).toMatch(/^HTTP\/1\.1 200/)
  })

  it('an app built without overrides runs with the production SERVER_TIMEOUTS', async () => {
    const production = await build({ demoCounty: false, closedBy: 'caller' })
    try {
      expect({
        requestMs: production.app.server.requestTimeout,
        headersMs: production.app.server.headersTimeout,
        idleMs: production.app.server.timeout,
        keepAliveMs: production.app.server.keepAliveTimeout,
      }).toEqual({ requestMs: SERVER_TIMEOUTS.requestMs, headersMs: SERVER_TIMEOUTS.headersMs, idleMs: SERVER_TIMEOUTS.idleMs, keepAliveMs: SERVER_TIMEOUTS.keepAliveMs })
    } finally {
      await production.close()
    }
  })

  it('the server runs with the timeouts it is given (SERVER_TIMEOUTS unless overridden), each one finite', () => {
    expect({
      requestMs: app.server.requestTimeout,
      headersMs: app.server.headersTimeout,
      idleMs: app.server.timeout,
      keepAliveMs: app.server.keepAliveTimeout,
    }).toEqual({ requestMs: SHORT.requestMs, headersMs: SHORT.headersMs, idleMs: SHORT.idleMs, keepAliveMs: SHORT.keepAliveMs })
    for (const value of Object.values(SERVER_TIMEOUTS)) expect(value).toBeGreaterThan(0)
    expect(SERVER_TIMEOUTS.headersMs).toBeLessThanOrEqual(SERVER_TIMEOUTS.requestMs)
  })
})
