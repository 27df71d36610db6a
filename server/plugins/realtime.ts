// The realtime plugin: builds the Socket.IO server for namespace `/live` on the app's own HTTP
// server and ties the hub (server/realtime/hub.ts) to the app's lifecycle. What the hub does
// with messages and sockets is there; the origin and session checks are in server/realtime/handshake.ts.
//
// Multi-process needs sticky sessions or WebSocket-only transport: the client connects with
// `transports: ['websocket']` (long-polling's several HTTP requests would land on different
// processes). Connection-state recovery is not used (the PostgreSQL adapter lacks it).

import { createAdapter } from '@socket.io/postgres-adapter'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type pg from 'pg'
import { Server } from 'socket.io'
import { type ClientToServerEvents, LIVE_NAMESPACE, type ServerToClientEvents } from '#contract/realtime.ts'
import { AdapterPool } from '../realtime/adapter-pool.ts'
import { HandshakeError, originAllowed } from '../realtime/handshake.ts'
import { type HubTuning, LiveHub, type RealtimeHub } from '../realtime/hub.ts'
import type { LiveNamespace, SocketState } from '../realtime/messages.ts'
import { SESSION_COOKIE } from './access.ts'

export type { MaskedEvent, RiskChange } from '#contract/realtime.ts'
export { originAllowed } from '../realtime/handshake.ts'
export type { RealtimeHub } from '../realtime/hub.ts'
export { maskEvent, type RealtimeEventInput } from '../realtime/messages.ts'

export interface RealtimeOptions extends HubTuning {
  /** PostgreSQL only: the app's pool, whose settings the Socket.IO adapter's own pool copies. Unset: in-memory adapter. */
  pool?: pg.Pool
}

declare module 'fastify' {
  interface FastifyInstance {
    realtime: RealtimeHub
  }
}

export const MAX_CLIENT_FRAME_BYTES = 64 * 1024

/** How long close waits for the adapter's connections to end (they are ended, not drained). */
const ADAPTER_CLOSE_MS = 1_000

/**
 * The adapter holds one connection for LISTEN for as long as it lives: give it a small pool of
 * its own (same server and credentials as the app's), so the app's pool can always be ended
 * independently, and end it when the app closes — without waiting for a LISTEN still on its way
 * (server/realtime/adapter-pool.ts).
 */
function adapterPool(app: FastifyInstance, appPool: pg.Pool | undefined): AdapterPool | undefined {
  if (app.databaseKind !== 'postgres' || !appPool) return undefined
  const pool = new AdapterPool({ ...appPool.options, max: 3, min: 0 })
  pool.on('error', (err) => app.log.warn({ err }, 'socket.io adapter pool: idle client error'))
  // The LISTEN client stays checked out, where the pool does not catch its errors: a server
  // restart must not crash the process (the adapter sees the client end and reconnects).
  pool.on('connect', (client) => client.on('error', (err) => app.log.warn({ err }, 'socket.io adapter: connection lost')))
  return pool
}

export default fp<RealtimeOptions>(
  async function realtime(app: FastifyInstance, { pool: appPool, ...tuning }: RealtimeOptions) {
    const pool = adapterPool(app, appPool)
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

    const hub = new LiveHub(
      {
        io,
        live,
        adapter: pool ? 'postgres' : 'memory',
        db: app.db,
        sessionCookie: SESSION_COOKIE,
        principalFromSessionToken: (token) => app.principalFromSessionToken(token),
        metrics: app.metrics,
        log: app.log,
        regionsChangedElsewhere: () => app.bus.emit('regions:changed', { elsewhere: true }),
      },
      tuning,
    )
    app.decorate('realtime', hub)

    app.addHook('onReady', () => hub.start())
    // The database's state reaches every client here (it is per process: each process's own
    // sockets hear from their own probe; the adapter would be as cut off as the data).
    app.bus.on('database:status', (status) => hub.databaseStatus(status))
    app.bus.on('sessions:ended', (ended) => hub.sessionsEnded(ended))

    app.addHook('preClose', async () => {
      hub.stop()
      io.local.disconnectSockets(true)
      live.local.disconnectSockets(true)
      // Not io.close(): it would also close app.server, which Fastify closes itself.
      await Promise.allSettled([io.of('/').adapter.close(), live.adapter.close()])
      io.engine.close()
      if (pool && !(await pool.close(ADAPTER_CLOSE_MS))) app.log.warn('socket.io adapter pool: connections still ending at close')
    })
  },
  { name: 'realtime', dependencies: ['access', 'metrics', 'bus'] },
)
