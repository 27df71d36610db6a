// The realtime client (docs/architecture.md §7): Socket.IO namespace `/live`, WebSocket only (the PostgreSQL
// adapter needs either sticky sessions or no polling), authenticated by the session cookie of
// the same origin. `auth` is a function, so every (re)connect sends the last `seq` seen as
// `offset` at that moment and the server replays the alert changes missed in between.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import { type AlertMessage, type CaseMessage, type ClientToServerEvents, type EventMessage, type GeoUpdated, LIVE_NAMESPACE, type LiveAuth, type RegionsUpdated, type RiskChanged, type RiskSnapshot, type ServerToClientEvents, type SystemStatus } from '#contract/realtime.ts'

export type LiveState = 'connecting' | 'online' | 'offline'

export interface LiveHandlers {
  snapshot(message: RiskSnapshot): void
  changed(message: RiskChanged): void
  alertNew(message: AlertMessage): void
  alertUpdated(message: AlertMessage): void
  eventNew(message: EventMessage): void
  /** `case:new` / `case:updated` (docs/architecture.md §6, "Cases"): sent just after the alert change that caused them. */
  caseNew?(message: CaseMessage): void
  caseUpdated?(message: CaseMessage): void
  /** Connection state changes; `reason` is Socket.IO's, for logs and tests. */
  state(state: LiveState, reason?: string): void
  /** The handshake was refused (signed out, session expired or revoked). */
  unauthorized?(): void
  /** The server can or cannot reach its database (while connected: live data is interrupted). */
  systemStatus?(message: SystemStatus): void
  /** The county's boundaries changed: fetch them again. */
  geoUpdated?(message: GeoUpdated): void
  /** Regions were created, renamed, moved or retired: fetch the township list again. */
  regionsUpdated?(message: RegionsUpdated): void
}

/** The `/live` socket, typed by the contract's event map. */
export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export type SocketFactory = (uri: string, options: Partial<ManagerOptions & SocketOptions>) => LiveSocket

export interface LiveOptions {
  /** The last seq seen, read at every (re)connect. */
  getOffset(): number
  factory?: SocketFactory
  /** Manual retry after a refused handshake (Socket.IO does not retry those by itself), in ms. */
  retryAfterRefusal?: number
  /** After the server announced a restart (`server:shutdown`): reconnect within this many ms (random, so walls do not all return at once). */
  retryAfterShutdown?: number
}

export interface LiveConnection {
  readonly socket: LiveSocket
  close(): void
}

const UNAUTHORIZED = /unauthori[sz]ed|forbidden|401|session/i

export function connectLive(handlers: LiveHandlers, options: LiveOptions): LiveConnection {
  const socketOptions: Partial<ManagerOptions & SocketOptions> = {
    transports: ['websocket'],
    withCredentials: true,
    auth: (cb: (data: LiveAuth) => void) => cb({ offset: options.getOffset() }),
    reconnection: true,
    reconnectionDelay: 1_000,
    reconnectionDelayMax: 15_000,
    randomizationFactor: 0.5,
    timeout: 10_000,
  }
  // The client's one connection to `/live` (LIVE_NAMESPACE); tests hand in a fake socket.
  const socket: LiveSocket = options.factory ? options.factory(LIVE_NAMESPACE, socketOptions) : io('/live', socketOptions)
  let retry: ReturnType<typeof setTimeout> | null = null
  let closed = false
  let restarting = false

  handlers.state('connecting')
  socket.on('connect', () => handlers.state('online'))
  socket.on('disconnect', (reason) => {
    handlers.state('offline', reason)
    // A server-side disconnect is not retried by Socket.IO: ask again after a pause, a short
    // one when the server said it is restarting.
    if (reason === 'io server disconnect') scheduleRetry(restarting ? Math.random() * (options.retryAfterShutdown ?? 3_000) : undefined)
    restarting = false
  })
  socket.on('connect_error', (err: Error & { data?: unknown }) => {
    handlers.state('offline', err.message)
    if (!socket.active) {
      // Refused by the server's middleware: no automatic reconnection.
      if (UNAUTHORIZED.test(err.message)) handlers.unauthorized?.()
      scheduleRetry()
    }
  })
  socket.on('risk:snapshot', (m) => handlers.snapshot(m))
  socket.on('risk:changed', (m) => handlers.changed(m))
  socket.on('alert:new', (m) => handlers.alertNew(m))
  socket.on('alert:updated', (m) => handlers.alertUpdated(m))
  socket.on('event:new', (m) => handlers.eventNew(m))
  socket.on('case:new', (m) => handlers.caseNew?.(m))
  socket.on('case:updated', (m) => handlers.caseUpdated?.(m))
  socket.on('system:status', (m) => handlers.systemStatus?.(m))
  socket.on('geo:updated', (m) => handlers.geoUpdated?.(m))
  socket.on('regions:updated', (m) => handlers.regionsUpdated?.(m))
  socket.on('server:shutdown', () => {
    restarting = true
  })
  // Signed out elsewhere, disabled, or a revoked pairing: leave now, not at the next retry.
  socket.on('server:error', (m) => {
    if (m.code === 'session_ended') handlers.unauthorized?.()
  })

  function scheduleRetry(delayMs = options.retryAfterRefusal ?? 15_000): void {
    if (closed || retry) return
    retry = setTimeout(() => {
      retry = null
      if (!closed && !socket.connected) {
        handlers.state('connecting')
        socket.connect()
      }
    }, delayMs)
  }

  return {
    socket,
    close() {
      closed = true
      if (retry) clearTimeout(retry)
      retry = null
      socket.removeAllListeners()
      socket.disconnect()
    },
  }
}
