import type { FastifyInstance } from 'fastify'
import { io, type Socket } from 'socket.io-client'
import type { AlertDecision } from '../../server/modules/alerts/service.ts'

/** A decision as the engine runner would hand it over. */
export function decision(township: string, overrides: Partial<AlertDecision> = {}): AlertDecision {
  const ruleId = overrides.ruleId === undefined ? 'collective-petition' : overrides.ruleId
  return {
    kind: 'raise',
    key: `${township}|${ruleId ?? 'level'}`,
    township,
    ruleId,
    level: 'orange',
    at: Date.now(),
    eventId: null,
    reason: 'test',
    ...overrides,
  }
}

/** The township codes, in order (the demo county has 12; tests use the first three). */
export async function townshipCodes(app: FastifyInstance): Promise<[string, string, string, ...string[]]> {
  const rows = await app.db.selectFrom('region').select('code').where('level', '=', 'township').orderBy('code').execute()
  const codes = rows.map((r) => r.code)
  if (codes.length < 3) throw new Error('tests need at least three townships (seed the demo county)')
  return codes as [string, string, string, ...string[]]
}

export interface Received {
  event: string
  data: any
}

export class LiveClient {
  readonly socket: Socket
  readonly received: Received[] = []
  constructor(socket: Socket) {
    this.socket = socket
    socket.onAny((event: string, data: unknown) => this.received.push({ event, data }))
  }

  of(event: string): any[] {
    return this.received.filter((r) => r.event === event).map((r) => r.data)
  }

  /** Alert changes received (alert:new and alert:updated), in arrival order. */
  alertChanges(): Array<{ event: string; seq: number; alert: any }> {
    return this.received.filter((r) => r.event === 'alert:new' || r.event === 'alert:updated').map((r) => ({ event: r.event, seq: r.data.seq, alert: r.data.alert }))
  }

  /**
   * The alert change (alert:new, or alert:updated for a repeat of an already open alert) whose
   * last event is this one: what a posted triggering event caused, whatever was open before.
   */
  alertForEvent(externalId: string): { event: string; seq: number; alert: any } | undefined {
    return this.alertChanges().find((c) => c.alert.lastEvent?.externalId === externalId)
  }

  async waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = check()
      if (value) return value
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(this.received.map((r) => r.event))}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  close() {
    this.socket.disconnect()
  }
}

export function baseUrl(app: FastifyInstance): string {
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('app is not listening')
  return `http://127.0.0.1:${address.port}`
}

export interface ConnectOptions {
  /** a session token (auth.token) */
  token?: string
  /** a Cookie header */
  cookie?: string
  offset?: number
}

function socketFor(url: string, options: ConnectOptions): Socket {
  const auth: Record<string, unknown> = {}
  if (options.token) auth['token'] = options.token
  if (options.offset !== undefined) auth['offset'] = options.offset
  return io(`${url}/live`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth,
    ...(options.cookie ? { extraHeaders: { cookie: options.cookie } } : {}),
  })
}

const clients: LiveClient[] = []

/** Connects and resolves once the snapshot has arrived (a replay, if any, follows it). */
export async function connectLive(url: string, options: ConnectOptions): Promise<LiveClient> {
  const client = new LiveClient(socketFor(url, options))
  clients.push(client)
  await new Promise<void>((resolve, reject) => {
    client.socket.once('connect_error', (err) => reject(err))
    client.socket.once('risk:snapshot', () => resolve())
  })
  return client
}

/** Resolves with the error the server refused the handshake with. */
export async function refusedLive(url: string, options: ConnectOptions): Promise<Error & { data?: { code: string; message: string } }> {
  const socket = socketFor(url, options)
  try {
    return await new Promise((resolve, reject) => {
      socket.once('connect_error', (err) => resolve(err as Error & { data?: { code: string; message: string } }))
      socket.once('connect', () => reject(new Error('connected although it should have been refused')))
    })
  } finally {
    socket.disconnect()
  }
}

export function closeAllClients() {
  for (const c of clients.splice(0)) c.close()
}

export const tokenOf = (cookie: string) => cookie.replace(/^sid=/, '')
