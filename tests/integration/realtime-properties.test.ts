import http from 'node:http'
import fc from 'fast-check'
import { io, type Socket } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { MAX_CLIENT_FRAME_BYTES } from '../../server/plugins/realtime.ts'
import { build } from '../helpers/app.ts'
import { deepArray, HOSTILE_STRINGS, hostileString, hostileValue, junk } from '../helpers/arbitraries.ts'
import { signIn } from '../helpers/auth.ts'
import { baseUrl, closeAllClients, connectLive, decision, type LiveClient, tokenOf, townshipCodes } from '../helpers/live.ts'

/**
 * Bad input on the realtime hub (docs/architecture.md §7, §13). What the server accepts from a client is
 * the handshake (auth.token, auth.offset, the session cookie) and nothing else: every emitted
 * event is unsupported. Properties: any handshake is either accepted with a snapshot or refused
 * with a readable {code, message}; any emitted event, payload, ack or flood gets a clear
 * "unsupported" answer and leaves the connection serving live messages; frames that break the
 * protocol or exceed the size limit close that connection only. The server stays up throughout.
 */

const { app } = await build()
const [T1] = await townshipCodes(app)
const duty = await signIn(app, ['duty'])
const officer = await signIn(app, ['township'], { township: T1 })
let url = ''
let rule = 0

beforeAll(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' })
  url = baseUrl(app)
})
afterEach(() => closeAllClients())
afterAll(() => closeAllClients())

const HANDSHAKE_CODES = ['unauthenticated', 'bad_request', 'forbidden', 'unavailable']

function rawSocket(auth: unknown, headers: Record<string, string> = {}, query: Record<string, string> = {}): Socket {
  return io(`${url}/live`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: auth as Record<string, unknown>, extraHeaders: headers, query, timeout: 5_000 })
}

type Outcome = { kind: 'connected'; snapshot: boolean } | { kind: 'refused'; message: string; data: unknown }

async function handshake(socket: Socket): Promise<Outcome> {
  try {
    return await new Promise<Outcome>((resolve) => {
      socket.once('connect_error', (err: Error & { data?: unknown }) => resolve({ kind: 'refused', message: err.message, data: err.data }))
      socket.once('risk:snapshot', () => resolve({ kind: 'connected', snapshot: true }))
      // The server may close the transport itself (a frame over the limit): refused, without a reason.
      // ("forced close" is the client closing after a connect_error, which then follows.)
      socket.io.on('close', (reason) => {
        if (reason !== 'forced close') resolve({ kind: 'refused', message: reason, data: undefined })
      })
    })
  } finally {
    socket.disconnect()
  }
}

function healthOverHttp(): Promise<number> {
  return new Promise((resolve, reject) => {
    // A connection of its own: a kept-alive one the server has timed out would reset (ECONNRESET).
    http.get(`${url}/api/v1/health`, { agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    }).on('error', reject)
  })
}

/** The server is up and a fresh, valid client gets its snapshot. */
async function stillServing() {
  expect(await healthOverHttp()).toBe(200)
  const fresh = await connectLive(url, { cookie: duty.cookie })
  expect(fresh.of('risk:snapshot')).toHaveLength(1)
}

/** A live alert reaches this client: the connection still serves real messages. */
async function receivesLiveAlert(client: LiveClient) {
  const ruleId = `props-live-${++rule}`
  const [raised] = await app.alerts.applyDecisions([decision(T1, { ruleId, level: 'orange' })])
  const got = await client.waitFor(() => client.alertChanges().find((c) => c.alert.ruleId === ruleId), `alert ${ruleId}`)
  expect(got).toMatchObject({ event: 'alert:new', seq: raised!.seq })
}

describe('the handshake under arbitrary input', () => {
  it('accepts a valid session or refuses with a readable {code, message}, whatever else the handshake carries', async () => {
    const token = fc.oneof(
      { weight: 1, arbitrary: fc.constant(tokenOf(duty.cookie)) },
      { weight: 3, arbitrary: hostileValue },
      { weight: 1, arbitrary: fc.constant(undefined) },
    )
    const offset = fc.oneof(fc.constant(undefined), fc.constantFrom<unknown>(0, 1, '5', -3, 1.5, '1e3', 'x', 2 ** 60, Number.MAX_SAFE_INTEGER, null, [], {}), hostileValue)
    const extra = fc.dictionary(hostileString.filter((k) => k !== 'token' && k !== 'offset'), junk, { maxKeys: 3 })
    const cookie = fc.option(fc.oneof(fc.constant(duty.cookie), fc.constantFrom('sid=', 'sid=%', 'sid=%E0%A4%A', `sid=${'a'.repeat(4000)}`, '; ; =', 'sid=x; sid=y')), { nil: undefined })
    const seen = { connected: 0, refused: 0 }
    const query = fc.dictionary(fc.constantFrom('token', 'offset', 'EIO', 'transport', 'x'), fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 100 && s.isWellFormed())), { maxKeys: 2 })
    await fc.assert(
      fc.asyncProperty(token, offset, extra, cookie, query, async (t, o, more, c, q) => {
        const auth: Record<string, unknown> = { ...more }
        if (t !== undefined) auth['token'] = t
        if (o !== undefined) auth['offset'] = o
        const outcome = await handshake(rawSocket(auth, c ? { cookie: c } : {}, q))
        seen[outcome.kind]++
        const validToken = auth['token'] === tokenOf(duty.cookie) || (!(typeof auth['token'] === 'string' && auth['token']) && c === duty.cookie)
        const validOffset = o === undefined || o === null || o === '' || (typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) || (typeof o === 'string' && /^\d+$/.test(o) && Number.isSafeInteger(Number(o)))
        if (outcome.kind === 'connected') {
          expect(validToken && validOffset, `connected with ${JSON.stringify(auth).slice(0, 200)}`).toBe(true)
        } else {
          expect(outcome.data, `refused without a reason: ${outcome.message}`).toEqual({ code: expect.any(String), message: expect.any(String) })
          const data = outcome.data as { code: string; message: string }
          expect(HANDSHAKE_CODES).toContain(data.code)
          expect(data.message.length).toBeGreaterThan(0)
          expect(validToken && validOffset, `refused a valid handshake: ${data.code} ${data.message}`).toBe(false)
        }
      }),
      { numRuns: 40 },
    )
    // Both outcomes were exercised, so the property was not vacuous.
    expect(seen.connected).toBeGreaterThan(0)
    expect(seen.refused).toBeGreaterThan(10)
    await stillServing()
  })

  it('a handshake frame over the size limit closes that connection only', async () => {
    const outcome = await handshake(rawSocket({ token: tokenOf(duty.cookie), pad: 'x'.repeat(MAX_CLIENT_FRAME_BYTES + 10) }))
    expect(outcome.kind).toBe('refused')
    await stillServing()
  })
})

describe('the Socket.IO HTTP endpoint under arbitrary requests', () => {
  it('never answers 5xx to garbage polling requests, protocol versions or transports', async () => {
    const query = fc.record(
      { EIO: fc.constantFrom('4', '3', '5', '', 'x', '-1'), transport: fc.constantFrom('polling', 'websocket', 'webtransport', 'bogus', ''), sid: fc.oneof(fc.constantFrom('', 'nope', 'a'.repeat(500)), hostileString), t: fc.string() },
      { requiredKeys: [] },
    )
    const body = fc.oneof(fc.constant(''), fc.constantFrom('40/live,', '1:4', '\u001e42["x"]', `${'9'.repeat(20)}:x`), fc.string({ unit: 'binary', maxLength: 300 }))
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'OPTIONS'), query, body, async (method, q, b) => {
        const search = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, v.toWellFormed()])).toString()
        const res = await fetch(`${url}/socket.io/?${search}`, { method, ...(method === 'GET' ? {} : { body: b, headers: { 'content-type': 'text/plain;charset=UTF-8' } }) })
        await res.arrayBuffer()
        expect(res.status, `${method} /socket.io/?${search.slice(0, 200)}`).toBeLessThan(500)
      }),
      { numRuns: 40 },
    )
    await stillServing()
  })
})

describe('messages from a connected client', () => {
  it('any event, payload and ack gets "unsupported", and the connection keeps serving live alerts', async () => {
    const client = await connectLive(url, { cookie: duty.cookie })
    const reserved = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'])
    const eventName = fc.oneof(fc.constantFrom('risk:snapshot', 'alert:new', 'subscribe', 'join', 'shaowang:hub', 'server:error', '', '__proto__', 'x'.repeat(500)), hostileString).filter((e) => !reserved.has(e))
    const payload = fc.array(fc.oneof(hostileValue, fc.constant(Buffer.from([0xff, 0x00, 0xfe])), fc.constant(JSON.parse(deepArray(500)) as unknown)), { maxLength: 3 })
    let acks = 0
    await fc.assert(
      fc.asyncProperty(eventName, payload, fc.boolean(), async (event, args, withAck) => {
        if (!withAck) {
          client.socket.emit(event, ...args)
          return
        }
        const reply = await client.socket.timeout(5_000).emitWithAck(event, ...args)
        acks++
        expect(reply).toEqual({ error: { code: 'unsupported', message: expect.stringContaining('takes no messages') } })
      }),
      { numRuns: 60 },
    )
    expect(acks).toBeGreaterThan(5)
    expect(client.socket.connected).toBe(true)
    expect(client.of('server:error')[0]).toEqual({ code: 'unsupported', message: expect.any(String) })
    await receivesLiveAlert(client)
  })

  it('a flood of emits is answered at a bounded rate and the connection keeps serving', async () => {
    const client = await connectLive(url, { cookie: officer.cookie })
    for (let i = 0; i < 5_000; i++) client.socket.emit('flood', i, 'x'.repeat(100))
    // Frames are handled in order: once this ack arrives, the server has seen the whole flood.
    expect(await client.socket.timeout(10_000).emitWithAck('after-flood')).toMatchObject({ error: { code: 'unsupported' } })
    await receivesLiveAlert(client)
    // At most one notice a second, never one per message (a flood is not echoed back).
    expect(client.of('server:error').length).toBeGreaterThanOrEqual(1)
    expect(client.of('server:error').length).toBeLessThan(20)
    expect(client.socket.connected).toBe(true)
  })

  it('a message over the size limit closes that connection; the others and new ones are served', async () => {
    const bystander = await connectLive(url, { cookie: duty.cookie })
    const client = await connectLive(url, { cookie: duty.cookie })
    const closed = new Promise<string>((resolve) => client.socket.once('disconnect', (reason) => resolve(reason)))
    client.socket.emit('huge', 'x'.repeat(MAX_CLIENT_FRAME_BYTES * 2))
    expect(await closed).toMatch(/transport close|transport error/)
    await receivesLiveAlert(bystander)
    await stillServing()
  })

  it('frames that break the Socket.IO protocol close that connection only', async () => {
    const bystander = await connectLive(url, { cookie: duty.cookie })
    const frames = fc.oneof(
      fc.constantFrom(
        '4',
        '9',
        '42/live,["x"',
        '42/live,{"a":1}',
        '42/live,[]',
        '42/live,[1,2]',
        `42/live,${deepArray(10_000)}`,
        '43/live,99[]',
        '451-/live,["x",{"_placeholder":true,"num":99}]',
        '40/live,{bad json',
        '41/live,',
        '40/nope,{}',
        '2probe',
        '6',
      ),
      hostileString,
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `42/live,${s}`),
    )
    // Frames the Socket.IO parser cannot decode: the server must close the connection they came on.
    const breaking = ['42/live,["x"', '42/live,{"a":1}', '40/live,{bad json']
    const seen = { closed: 0, answered: 0 }
    await fc.assert(
      fc.asyncProperty(fc.array(frames, { minLength: 1, maxLength: 4 }), fc.constantFrom(...breaking), fc.boolean(), async (sequence, broken, addBroken) => {
        if (addBroken) sequence.push(broken)
        const port = new URL(url).port
        const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`)
        const closed = new Promise<'closed'>((resolve) => ws.addEventListener('close', () => resolve('closed')))
        await new Promise<void>((resolve, reject) => {
          ws.addEventListener('open', () => resolve())
          ws.addEventListener('error', () => reject(new Error('websocket failed to open')))
        })
        const joined = new Promise<void>((resolve) => ws.addEventListener('message', (m) => String(m.data).startsWith('40/live,') && resolve()))
        ws.send(`40/live,${JSON.stringify({ token: tokenOf(duty.cookie) })}`)
        await joined
        for (const frame of sequence) ws.send(frame)
        // Then an event with an ack: a connection the frames did not break answers it ("unsupported").
        const answered = new Promise<'answered'>((resolve) => ws.addEventListener('message', (m) => String(m.data).startsWith('43/live,1') && resolve('answered')))
        ws.send('42/live,1["probe"]')
        const timedOut = new Promise<'neither'>((resolve) => setTimeout(() => resolve('neither'), 5_000))
        const outcome = await Promise.race([closed, answered, timedOut])
        ws.close()
        // Never left half-way: either closed by the server or still answering.
        expect(outcome).not.toBe('neither')
        if (sequence.some((f) => breaking.includes(f))) expect(outcome, `after ${JSON.stringify(sequence)}`).toBe('closed')
        seen[outcome as 'closed' | 'answered'] += 1
      }),
      // Always among the runs: a well-formed (unsupported) event, which leaves the connection answering.
      { numRuns: 30, examples: [[['42/live,["hello"]'], breaking[0]!, false]] },
    )
    // Both outcomes occurred: the property was not vacuous.
    expect(seen.closed).toBeGreaterThan(0)
    expect(seen.answered).toBeGreaterThan(0)
    await receivesLiveAlert(bystander)
    await stillServing()
  })
})
