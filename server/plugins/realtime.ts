// The realtime hub (docs/architecture.md §7): Socket.IO namespace `/live` on the app's own HTTP server.
//
// Delivery model. Every message (alert change, risk change, event) is delivered by each process
// to its own sockets; with PostgreSQL the producing process also forwards it to the other
// processes through the adapter (`serverSideEmit`, i.e. NOTIFY), so an alert raised on process A
// reaches a client connected to process B. Alert changes go socket by socket (they are rare),
// which lets each socket be gated while it replays: a connecting socket joins its room and starts
// buffering live messages before anything is read from the database, then receives the snapshot,
// then the replay of alert changes after its `auth.offset`, then the buffer minus what the
// snapshot or replay already covered. No gap (the buffer starts before the reads), no duplicate
// (live alert changes with a seq the replay covered are dropped for that socket).
//
// Multi-process needs sticky sessions or WebSocket-only transport: the client connects with
// `transports: ['websocket']` (long-polling's several HTTP requests would land on different
// processes). Connection-state recovery is not used (the PostgreSQL adapter lacks it).

import type { IncomingHttpHeaders } from 'node:http'
import { createAdapter } from '@socket.io/postgres-adapter'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import pg from 'pg'
import { Counter, Gauge } from 'prom-client'
import { type Namespace, Server, type Socket } from 'socket.io'
import { type Principal, townshipScope } from '../access/principal.ts'
import { isCollective, type Source } from '#contract/taxonomy.ts'
import { type ClientToServerEvents, LIVE_NAMESPACE, type MaskedEvent, type RiskChange, type ServerToClientEvents } from '#contract/realtime.ts'
import { changesSince, maxSeq, openAlerts } from '../modules/alerts/repository.ts'
import type { Alert } from '../modules/alerts/schema.ts'
import type { CaseJson as Case } from '../modules/cases/schema.ts'
import type { AlertChange } from '../modules/alerts/service.ts'
import { listTownships } from '../modules/townships/repository.ts'
import { SESSION_COOKIE } from './access.ts'

export type { MaskedEvent, RiskChange } from '#contract/realtime.ts'

/** What ingest hands over; only whitelisted fields ever leave the server (no parties, no text). */
export interface RealtimeEventInput {
  id: number
  source: string
  category: string
  township: string
  village?: string | null
  grid?: string | null
  severity?: number
  peopleCount?: number
  status?: string
  sourceSystem?: string
  occurredAt: Date | string
  [other: string]: unknown
}

export interface RealtimeHub {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>
  readonly live: LiveNamespace
  readonly adapter: 'memory' | 'postgres'
  /** Risk changes from the engine: coalesced, flushed at most every `riskFlushMs` (last value per township wins). */
  riskChanged(changes: readonly RiskChange[]): void
  /** An alert change after its commit (the alerts service calls this; suppressed changes are ignored). */
  alertChanged(change: AlertChange): void
  /** An accepted event, for the ticker: masked and sampled to at most `eventsPerSecond`. */
  eventAccepted(event: RealtimeEventInput): void
  /** Sends buffered risk changes now (tests, shutdown). */
  flush(): void
  /** Re-checks every connected socket's session now; disconnects those that ended. Returns how many. */
  checkSessions(): Promise<number>
  /** The highest alert seq this process knows of: risk:changed and event:new carry it. */
  seq(): number
}

export interface RealtimeOptions {
  /** PostgreSQL only: the app's pool, whose settings the Socket.IO adapter's own pool copies. Unset: in-memory adapter. */
  pool?: pg.Pool
  riskFlushMs?: number
  eventsPerSecond?: number
  /** How often connected sockets' sessions are re-checked (logout, revocation, disabled user). Default 60 s; 0: never. */
  sessionCheckMs?: number
  /** Test seam: runs after a connecting socket's snapshot, before its replay query. */
  beforeReplay?: () => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    realtime: RealtimeHub
  }
}

type HubMessage =
  | { t: 'alert'; change: Pick<AlertChange, 'seq' | 'township' | 'push' | 'alert' | 'case'> }
  | { t: 'risk'; changes: RiskChange[]; seq: number }
  | { t: 'event'; event: MaskedEvent; seq: number }

interface SocketState {
  principal: Principal
  /** The session token it authenticated with, re-checked periodically. */
  token: string
  /** null: county-wide; otherwise the only township this socket may see */
  scope: string | null
  /** Live messages held back while the socket receives its snapshot and replay; null once live. */
  pending: HubMessage[] | null
  /** Alert changes up to this seq were covered by the snapshot or the replay. */
  replayedUpTo: number
}

type LiveNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketState>
type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketState>

const COUNTY_ROOM = 'county'
const townshipRoom = (code: string) => `township:${code}`
const REPLAY_PAGE = 500
const FORWARD_EVENT = 'shaowang:hub'
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024
/** A client that emits is told (once a second at most: a flood must not be echoed back). */
const UNSUPPORTED_NOTICE_MS = 1_000

class HandshakeError extends Error {
  readonly data: { code: string; message: string }
  constructor(code: string, message: string) {
    super(message)
    this.data = { code, message }
  }
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

function parseOffset(raw: unknown): number | null | 'invalid' {
  if (raw === undefined || raw === null || raw === '') return null
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  return Number.isSafeInteger(n) && n >= 0 ? n : 'invalid'
}

export function maskEvent(e: RealtimeEventInput): MaskedEvent {
  const peopleCount = typeof e.peopleCount === 'number' ? e.peopleCount : 1
  return {
    id: e.id,
    source: e.source as Source,
    category: e.category,
    township: e.township,
    village: e.village ?? null,
    severity: typeof e.severity === 'number' ? e.severity : 1,
    peopleCount,
    collective: isCollective(peopleCount),
    status: typeof e.status === 'string' ? e.status : null,
    occurredAt: e.occurredAt instanceof Date ? e.occurredAt.toISOString() : String(e.occurredAt),
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value
  return v?.split(',')[0]?.trim() || undefined
}

/**
 * Whether a handshake's Origin may open the feed. The session cookie goes with any request a
 * browser makes, so without this a page of another origin (even another port of this host) could
 * read the live feed with its visitor's session. No Origin header: not a browser (socket.io-client
 * in Node, curl), which cannot ride a victim's cookie; it authenticates like any other client.
 */
export function originAllowed(
  headers: IncomingHttpHeaders,
  encrypted: boolean,
  trustProxy: boolean | string[],
  allowed: ReadonlySet<string>,
): boolean {
  const origin = firstHeader(headers.origin)
  if (origin === undefined) return true
  let requested: string
  try {
    requested = new URL(origin).origin
  } catch {
    return false
  }
  // An opaque origin ("null": sandboxed frames, file:) is never this server.
  if (requested === 'null') return false
  if (allowed.has(requested)) return true
  const own = (scheme: string, host: string | undefined) => {
    if (!host) return null
    try {
      return new URL(`${scheme}://${host}`).origin
    } catch {
      return null
    }
  }
  if (requested === own(encrypted ? 'https' : 'http', firstHeader(headers.host))) return true
  // Behind a trusted TLS proxy the browser's origin is the proxy's (X-Forwarded-*). A browser
  // cannot set these headers on a cross-site request, so believing them opens nothing to a page.
  if (trustProxy !== false) {
    const proto = firstHeader(headers['x-forwarded-proto'])
    const host = firstHeader(headers['x-forwarded-host']) ?? firstHeader(headers.host)
    if (proto && requested === own(proto, host)) return true
  }
  return false
}

function visibleTo(scope: string | null, township: string): boolean {
  return scope === null || scope === township
}

export default fp<RealtimeOptions>(
  async function realtime(app: FastifyInstance, options: RealtimeOptions) {
  const riskFlushMs = options.riskFlushMs ?? 100
  const eventsPerSecond = options.eventsPerSecond ?? 20
  // The adapter holds one connection for LISTEN for as long as it lives: give it a small pool of
  // its own (same server and credentials as the app's), so the app's pool can always be ended
  // independently, and end it when the app closes.
  const pool = app.databaseKind === 'postgres' && options.pool ? new pg.Pool({ ...options.pool.options, max: 3, min: 0 }) : undefined
  pool?.on('error', (err) => app.log.warn({ err }, 'socket.io adapter pool: idle client error'))
  // The LISTEN client stays checked out, where the pool does not catch its errors: a server
  // restart must not crash the process (the adapter sees the client end and reconnects).
  pool?.on('connect', (client) => client.on('error', (err) => app.log.warn({ err }, 'socket.io adapter: connection lost')))
  const adapterKind: RealtimeHub['adapter'] = pool ? 'postgres' : 'memory'
  const allowedOrigins = new Set(app.config.allowedOrigins)

  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketState>(app.server, {
    serveClient: false,
    // Clients send nothing but the handshake (a session token and an offset): a larger frame is
    // abuse, and the connection is closed instead of buffering it (Socket.IO's default is 1 MB).
    maxHttpBufferSize: MAX_CLIENT_FRAME_BYTES,
    // Same origin only (the client is served by this server, or proxied by Vite in dev).
    cors: undefined,
    allowRequest: (req, callback) => {
      const ok = originAllowed(req.headers, Boolean((req.socket as { encrypted?: boolean }).encrypted), app.config.trustProxy, allowedOrigins)
      if (!ok) app.log.warn({ origin: req.headers.origin }, 'realtime: refused a handshake from a foreign origin')
      callback(ok ? null : 'origin not allowed', ok)
    },
    ...(pool
      ? { adapter: createAdapter(pool, { errorHandler: (err: Error) => app.log.warn({ err }, 'socket.io postgres adapter') }) }
      : {}),
  })
  const live: LiveNamespace = io.of(LIVE_NAMESPACE)
  // The default namespace serves nothing: refuse it so nobody mistakes it for the live feed.
  io.of('/').use((_socket, next) => next(new HandshakeError('wrong_namespace', 'connect to the /live namespace')))

  const messages = new Counter({
    name: 'shaowang_realtime_messages_total',
    help: 'Messages emitted to Socket.IO clients, by event (one per socket for alert changes and replays, one per room broadcast otherwise)',
    labelNames: ['event'] as const,
    registers: [app.metrics],
  })
  new Gauge({
    name: 'shaowang_realtime_connected_sockets',
    help: 'Socket.IO clients connected to /live on this process',
    registers: [app.metrics],
    collect() {
      this.set(live.sockets.size)
    },
  })
  const dropped = new Counter({
    name: 'shaowang_realtime_events_sampled_out_total',
    help: 'Accepted events not sent to the ticker because the rate was above the sampling limit',
    registers: [app.metrics],
  })

  let lastSeq = 0
  app.addHook('onReady', async () => {
    // Only a watermark for risk:changed/event:new; alert changes carry their own seq.
    lastSeq = Math.max(lastSeq, await maxSeq(app.db).catch(() => 0))
  })

  // --- delivery on this process ---

  function emitTo<E extends keyof ServerToClientEvents>(socket: LiveSocket, event: E, ...payload: Parameters<ServerToClientEvents[E]>) {
    socket.emit(event, ...payload)
    messages.inc({ event })
  }

  function deliverAlert(socket: LiveSocket, change: Extract<HubMessage, { t: 'alert' }>['change']) {
    if (!change.push || !visibleTo(socket.data.scope, change.township)) return
    if (socket.data.pending) socket.data.pending.push({ t: 'alert', change })
    else if (change.seq > socket.data.replayedUpTo) {
      emitTo(socket, change.push, { alert: change.alert, seq: change.seq })
      if (change.case) emitTo(socket, change.case.push, { case: change.case.case, seq: change.seq })
    }
  }

  function riskFor(scope: string | null, changes: RiskChange[]): RiskChange[] {
    return scope === null ? changes : changes.filter((c) => c.township === scope)
  }

  function gatedIds(): string[] {
    const ids: string[] = []
    for (const socket of live.sockets.values()) if (socket.data.pending) ids.push(socket.id)
    return ids
  }

  function deliverLocal(msg: HubMessage) {
    if (msg.t === 'alert') {
      const { change } = msg
      if (!change.push) return
      lastSeq = Math.max(lastSeq, change.seq)
      // The rooms are the visibility (county, or the alert's township). Sockets still replaying
      // buffer the change, those whose replay covered it skip it; all others get one broadcast,
      // encoded once rather than once per socket.
      const rooms = [COUNTY_ROOM, townshipRoom(change.township)]
      const seen = new Set<string>()
      const except: string[] = []
      for (const room of rooms) {
        for (const id of live.adapter.rooms.get(room) ?? []) {
          if (seen.has(id)) continue
          seen.add(id)
          const socket = live.sockets.get(id)
          if (!socket) continue
          if (socket.data.pending) socket.data.pending.push({ t: 'alert', change })
          if (socket.data.pending || change.seq <= socket.data.replayedUpTo) except.push(id)
        }
      }
      const recipients = seen.size - except.length
      if (recipients > 0) {
        live.local.to(rooms).except(except).emit(change.push, { alert: change.alert, seq: change.seq })
        messages.inc({ event: change.push }, recipients)
        if (change.case) {
          live.local.to(rooms).except(except).emit(change.case.push, { case: change.case.case, seq: change.seq })
          messages.inc({ event: change.case.push }, recipients)
        }
      }
      return
    }
    const gated = gatedIds()
    for (const socket of live.sockets.values()) if (socket.data.pending) socket.data.pending.push(msg)
    if (msg.t === 'risk') {
      const payload = (changes: RiskChange[]) => ({ changes, seq: msg.seq })
      if (live.adapter.rooms.get(COUNTY_ROOM)?.size) {
        live.local.to(COUNTY_ROOM).except(gated).emit('risk:changed', payload(msg.changes))
        messages.inc({ event: 'risk:changed' })
      }
      const byTownship = new Map<string, RiskChange[]>()
      for (const c of msg.changes) byTownship.set(c.township, [...(byTownship.get(c.township) ?? []), c])
      for (const [township, changes] of byTownship) {
        if (!live.adapter.rooms.get(townshipRoom(township))?.size) continue
        live.local.to(townshipRoom(township)).except(gated).emit('risk:changed', payload(changes))
        messages.inc({ event: 'risk:changed' })
      }
    } else {
      live.local.to([COUNTY_ROOM, townshipRoom(msg.event.township)]).except(gated).emit('event:new', { event: msg.event, seq: msg.seq })
      messages.inc({ event: 'event:new' })
    }
  }

  /** Delivers here and, with PostgreSQL, on every other process. */
  function publish(msg: HubMessage) {
    deliverLocal(msg)
    if (adapterKind === 'postgres') live.serverSideEmit(FORWARD_EVENT, msg)
  }
  live.on(FORWARD_EVENT, (msg: HubMessage) => deliverLocal(msg))

  // --- producers' API ---

  const riskBuffer = new Map<string, RiskChange>()
  let riskTimer: NodeJS.Timeout | null = null
  function flushRisk() {
    if (riskTimer) clearTimeout(riskTimer)
    riskTimer = null
    if (riskBuffer.size === 0) return
    const changes = [...riskBuffer.values()]
    riskBuffer.clear()
    publish({ t: 'risk', changes, seq: lastSeq })
  }

  let tokens = eventsPerSecond
  let refilledAt = Date.now()
  function takeEventToken(): boolean {
    const now = Date.now()
    tokens = Math.min(eventsPerSecond, tokens + ((now - refilledAt) / 1000) * eventsPerSecond)
    refilledAt = now
    if (tokens < 1) return false
    tokens -= 1
    return true
  }

  const hub: RealtimeHub = {
    io,
    live,
    adapter: adapterKind,
    riskChanged(changes) {
      for (const c of changes) riskBuffer.set(c.township, { township: c.township, score: c.score, level: c.level })
      if (riskBuffer.size && !riskTimer) riskTimer = setTimeout(flushRisk, riskFlushMs)
    },
    alertChanged(change) {
      if (!change.push) return
      publish({ t: 'alert', change: { seq: change.seq, township: change.township, push: change.push, alert: change.alert, ...(change.case ? { case: change.case } : {}) } })
    },
    eventAccepted(event) {
      if (!takeEventToken()) {
        dropped.inc()
        return
      }
      publish({ t: 'event', event: maskEvent(event), seq: lastSeq })
    },
    flush: flushRisk,
    seq: () => lastSeq,
    async checkSessions() {
      let ended = 0
      for (const socket of live.sockets.values()) {
        const still = await app.principalFromSessionToken(socket.data.token).catch(() => undefined)
        // undefined: the database did not answer; keep the socket rather than drop everyone.
        if (still === null) {
          ended++
          socket.emit('server:error', { code: 'session_ended', message: 'your session ended (signed out, expired or revoked); sign in again' })
          socket.disconnect(true)
        }
      }
      return ended
    },
  }
  app.decorate('realtime', hub)

  // --- handshake and connection ---

  live.use(async (socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>
    const token = typeof auth['token'] === 'string' && auth['token'] ? auth['token'] : cookieValue(socket.handshake.headers.cookie, SESSION_COOKIE)
    if (!token) return next(new HandshakeError('unauthenticated', 'sign in first: send the session cookie or auth.token'))
    const offset = parseOffset(auth['offset'])
    if (offset === 'invalid') return next(new HandshakeError('bad_request', 'auth.offset must be the last seq you received (a whole number ≥ 0)'))
    let principal: Principal | null
    try {
      principal = await app.principalFromSessionToken(token)
    } catch (err) {
      app.log.error({ err }, 'realtime handshake failed')
      return next(new HandshakeError('unavailable', 'cannot check the session right now; retry'))
    }
    if (!principal || principal.kind !== 'user') return next(new HandshakeError('unauthenticated', 'the session is not valid (signed out, expired or revoked)'))
    const scope = townshipScope(principal)
    if (scope === null && !principal.roles.some((r) => r !== 'township')) {
      return next(new HandshakeError('forbidden', 'a township officer without a township sees nothing'))
    }
    socket.data = { principal, token, scope, pending: [], replayedUpTo: 0 }
    ;(socket.data as SocketState & { offset: number | null }).offset = offset
    next()
  })

  live.on('connection', async (socket) => {
    const state = socket.data as SocketState & { offset: number | null }
    // The protocol is server → client only (docs/architecture.md §7). A client that emits anyway gets a clear
    // answer rather than silence: its ack callback, if it passed one, and a rate-limited server:error.
    let noticedAt = 0
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const name = typeof event === 'string' ? event.slice(0, 64) : typeof event
      const error = { code: 'unsupported', message: `the live feed takes no messages from clients (got "${name}"); it only sends risk:snapshot, risk:changed, alert:new, alert:updated, case:new, case:updated, event:new` }
      const ack = args.at(-1)
      if (typeof ack === 'function') (ack as (reply: unknown) => void)({ error })
      const now = Date.now()
      if (now - noticedAt >= UNSUPPORTED_NOTICE_MS) {
        noticedAt = now
        socket.emit('server:error', error)
      }
    })
    // Join first so nothing published from now on is missed; it is buffered until the replay is done.
    socket.join(state.scope ? townshipRoom(state.scope) : COUNTY_ROOM)
    try {
      const snapshotSeq = await maxSeq(app.db)
      const [townships, alerts] = await Promise.all([listTownships(app.db), openAlerts(app.db, state.scope)])
      const visible = townships.filter((t) => visibleTo(state.scope, t.code))
      emitTo(socket, 'risk:snapshot', {
        townships: visible.map((t) => ({ township: t.code, name: t.name, score: Math.round(t.score * 10) / 10, level: t.level, silent: t.silent, updatedAt: t.updatedAt?.toISOString() ?? null })),
        alerts: alerts satisfies Alert[],
        seq: snapshotSeq,
      })
      let upTo = snapshotSeq
      await options.beforeReplay?.()
      if (state.offset !== null) {
        let after = state.offset
        for (;;) {
          if (!socket.connected) return
          const rows = await changesSince(app.db, after, state.scope, REPLAY_PAGE)
          for (const row of rows) {
            emitTo(socket, row.push!, { alert: row.alert as Alert, seq: row.seq })
            if (row.casePush && row.caseJson) emitTo(socket, row.casePush, { case: row.caseJson as Case, seq: row.seq })
          }
          if (rows.length) after = rows.at(-1)!.seq
          if (rows.length < REPLAY_PAGE) break
        }
        upTo = Math.max(upTo, after)
      }
      state.replayedUpTo = upTo
      const pending = state.pending ?? []
      state.pending = null
      for (const msg of pending) {
        if (msg.t === 'alert') deliverAlert(socket, msg.change)
        else if (msg.t === 'risk') {
          const changes = riskFor(state.scope, msg.changes)
          if (changes.length) emitTo(socket, 'risk:changed', { changes, seq: msg.seq })
        } else if (visibleTo(state.scope, msg.event.township)) emitTo(socket, 'event:new', { event: msg.event, seq: msg.seq })
      }
    } catch (err) {
      app.log.error({ err }, 'realtime: snapshot or replay failed')
      state.pending = null
      socket.emit('server:error', { code: 'unavailable', message: 'could not load the snapshot; reconnecting will retry' })
      socket.disconnect(true)
    }
  })

  const sessionCheckMs = options.sessionCheckMs ?? 60_000
  let sessionTimer: NodeJS.Timeout | null = null
  app.addHook('onReady', async () => {
    if (sessionCheckMs <= 0) return
    let checking = false
    sessionTimer = setInterval(() => {
      if (checking) return
      checking = true
      hub
        .checkSessions()
        .catch((err: unknown) => app.log.warn({ err }, 'realtime: session check failed'))
        .finally(() => {
          checking = false
        })
    }, sessionCheckMs)
    sessionTimer.unref()
  })

  // The database's state reaches every client here (it is per process: each process's own
  // sockets hear from their own probe; the adapter would be as cut off as the data).
  app.bus.on('database:status', (status) => {
    live.local.emit('system:status', status)
    messages.inc({ event: 'system:status' })
  })

  app.addHook('preClose', async () => {
    if (sessionTimer) clearInterval(sessionTimer)
    if (riskTimer) clearTimeout(riskTimer)
    riskTimer = null
    // Say why before the disconnect: a server-side disconnect is not retried by Socket.IO on its
    // own, so the client needs to know this one is a restart to come back at once (with jitter,
    // to another process or this one restarted) and replay from its last seq.
    live.local.emit('server:shutdown', { reconnect: true, message: 'the server is restarting; reconnect and resume from your last seq' })
    messages.inc({ event: 'server:shutdown' })
    io.local.disconnectSockets(true)
    live.local.disconnectSockets(true)
    // Not io.close(): it would also close app.server, which Fastify closes itself.
    await Promise.allSettled([io.of('/').adapter.close(), live.adapter.close()])
    io.engine.close()
    await pool?.end().catch((err: unknown) => app.log.warn({ err }, 'socket.io adapter pool: end failed'))
  })
},
  { name: 'realtime' },
)
