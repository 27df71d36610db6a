// The realtime hub (docs/architecture.md §7): what producers call (risk changes, alert changes,
// accepted events) and what it does with each connecting socket. It is handed its Socket.IO
// namespace, its reads and the session check; the Fastify plugin (server/plugins/realtime.ts)
// only builds the server and ties the hub to the app's lifecycle.
//
// Delivery model. Every message (alert change, risk change, event) is delivered by each process
// to its own sockets; with PostgreSQL the producing process also forwards it to the other
// processes through the adapter (`serverSideEmit`, i.e. NOTIFY), so an alert raised on process A
// reaches a client connected to process B. Alert changes go socket by socket (they are rare),
// which lets each socket be gated while it catches up (catch-up.ts).
import type { FastifyBaseLogger } from 'fastify'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Server } from 'socket.io'
import type { Db } from '../../db/connect.ts'
import { endedFor, type Principal, type SessionsEnded } from '../access/principal.ts'
import type { ClientToServerEvents, RiskChange, ServerToClientEvents, SystemStatus } from '#contract/realtime.ts'
import { maxSeq } from '../modules/alerts/repository.ts'
import type { AlertChange } from '../modules/alerts/service.ts'
import { catchUp, refuseClientMessages } from './catch-up.ts'
import { type FanOut, fanOut } from './fan-out.ts'
import { authenticate } from './handshake.ts'
import { type HubMessage, type LiveNamespace, maskEvent, type RealtimeEventInput } from './messages.ts'
import { RiskCoalescer, TokenBucket } from './throttle.ts'

const FORWARD_EVENT = 'shaowang:hub'
const SESSIONS_EVENT = 'shaowang:sessions-ended'


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
  /** The county's boundaries changed (docs/architecture.md §3): every wall fetches them again. */
  geoUpdated(version: number): void
  /** Regions changed (docs/architecture.md §3): every screen fetches its township list again; other processes reload their region cache. */
  regionsUpdated(codes: readonly string[], townships: boolean): void
  /** Sends buffered risk changes now (tests, shutdown). */
  flush(): void
  /** Re-checks the connected sockets' sessions now (those `only` picks, else all); disconnects those that ended. Returns how many. */
  checkSessions(only?: (principal: Principal) => boolean): Promise<number>
  /** Sessions ended: every process re-checks its sockets now, not at the next periodic check. */
  sessionsEnded(ended: SessionsEnded): void
  /** The highest alert seq this process knows of: risk:changed and event:new carry it. */
  seq(): number
}

export interface HubTuning {
  riskFlushMs?: number
  eventsPerSecond?: number
  /** How often connected sockets' sessions are re-checked (logout, revocation, disabled user). Default 60 s; 0: never. */
  sessionCheckMs?: number
  /** Test seam: runs after a connecting socket's snapshot, before its replay query. */
  beforeReplay?: () => Promise<void>
}

export interface HubDependencies {
  io: Server<ClientToServerEvents, ServerToClientEvents>
  live: LiveNamespace
  adapter: RealtimeHub['adapter']
  db: Db
  /** The session cookie's name, for browsers' handshakes. */
  sessionCookie: string
  principalFromSessionToken(token: string): Promise<Principal | null>
  metrics: Registry
  log: FastifyBaseLogger
  /** Another process changed regions: this one's region cache must follow. */
  regionsChangedElsewhere?: () => void
}

export class LiveHub implements RealtimeHub {
  readonly io: RealtimeHub['io']
  readonly live: LiveNamespace
  readonly adapter: RealtimeHub['adapter']
  private readonly deps: HubDependencies
  private readonly fanOut: FanOut
  private readonly risk: RiskCoalescer
  private readonly events: TokenBucket
  private readonly sampledOut: Counter
  private readonly sessionCheckMs: number
  private sessionTimer: NodeJS.Timeout | null = null
  private checking = false
  /** Checks asked for while one runs: every socket, or those of these sessions. */
  private checkAll = false
  private readonly checkEnded: SessionsEnded[] = []
  private lastSeq = 0

  constructor(deps: HubDependencies, tuning: HubTuning = {}) {
    this.deps = deps
    this.io = deps.io
    this.live = deps.live
    this.adapter = deps.adapter
    this.sessionCheckMs = tuning.sessionCheckMs ?? 60_000
    const messages = new Counter({
      name: 'shaowang_realtime_messages_total',
      help: 'Messages emitted to Socket.IO clients, by event (one per socket for alert changes and replays, one per room broadcast otherwise)',
      labelNames: ['event'] as const,
      registers: [deps.metrics],
    })
    const live = deps.live
    new Gauge({
      name: 'shaowang_realtime_connected_sockets',
      help: 'Socket.IO clients connected to /live on this process',
      registers: [deps.metrics],
      collect() {
        this.set(live.sockets.size)
      },
    })
    this.sampledOut = new Counter({
      name: 'shaowang_realtime_events_sampled_out_total',
      help: 'Accepted events not sent to the ticker because the rate was above the sampling limit',
      registers: [deps.metrics],
    })
    this.fanOut = fanOut(live, messages)
    this.risk = new RiskCoalescer(tuning.riskFlushMs ?? 100, (changes) => this.publish({ t: 'risk', changes, seq: this.lastSeq }))
    this.events = new TokenBucket(tuning.eventsPerSecond ?? 20)

    live.on(FORWARD_EVENT, (msg: HubMessage) => {
      if (msg.t === 'regions') deps.regionsChangedElsewhere?.()
      this.deliverLocal(msg)
    })
    live.on(SESSIONS_EVENT, (ended: SessionsEnded) => this.requestCheck(ended))
    live.use(authenticate({ cookie: deps.sessionCookie, principalFromSessionToken: deps.principalFromSessionToken, log: deps.log }))
    live.on('connection', (socket) => {
      refuseClientMessages(socket)
      return catchUp(socket, { db: deps.db, fanOut: this.fanOut, log: deps.log, beforeReplay: tuning.beforeReplay })
    })
  }

  // The producers' API is bound (arrow fields): callers hand these methods around on their own.
  riskChanged = (changes: readonly RiskChange[]): void => {
    this.risk.add(changes)
  }

  alertChanged = (change: AlertChange): void => {
    if (!change.push) return
    this.publish({ t: 'alert', change: { seq: change.seq, township: change.township, push: change.push, alert: change.alert, ...(change.case ? { case: change.case } : {}) } })
  }

  eventAccepted = (event: RealtimeEventInput): void => {
    if (!this.events.take()) {
      this.sampledOut.inc()
      return
    }
    this.publish({ t: 'event', event: maskEvent(event), seq: this.lastSeq })
  }

  geoUpdated = (version: number): void => {
    this.publish({ t: 'geo', version })
  }

  regionsUpdated = (codes: readonly string[], townships: boolean): void => {
    this.publish({ t: 'regions', message: { codes: codes.slice(0, 200), townships } })
  }

  flush = (): void => {
    this.risk.flush()
  }

  seq = (): number => this.lastSeq

  checkSessions = async (only?: (principal: Principal) => boolean): Promise<number> => {
    let ended = 0
    for (const socket of this.live.sockets.values()) {
      if (only && !only(socket.data.principal)) continue
      const still = await this.deps.principalFromSessionToken(socket.data.token).catch(() => undefined)
      // undefined: the database did not answer; keep the socket rather than drop everyone.
      if (still === null) {
        ended++
        socket.emit('server:error', { code: 'session_ended', message: 'your session ended (signed out, expired or revoked); sign in again' })
        socket.disconnect(true)
      }
    }
    return ended
  }

  sessionsEnded = (ended: SessionsEnded): void => {
    this.requestCheck(ended)
    if (this.adapter === 'postgres') this.live.serverSideEmit(SESSIONS_EVENT, ended)
  }

  /** Asks for a check of every socket ('all') or of one ended session's, user's or wall's. */
  private requestCheck(ended: SessionsEnded | 'all'): void {
    if (ended === 'all') this.checkAll = true
    else this.checkEnded.push(ended)
    this.runChecks()
  }

  /** One check at a time; what was asked for meanwhile runs after it (it may have missed the change). */
  private runChecks(): void {
    if (this.checking || (!this.checkAll && this.checkEnded.length === 0)) return
    const which = this.checkEnded.splice(0)
    const all = this.checkAll
    this.checkAll = false
    this.checking = true
    // The database decides (principalFromSessionToken); only whose sockets to ask about is narrowed.
    this.checkSessions(all ? undefined : (p) => which.some((w) => endedFor(w, p)))
      .catch((err: unknown) => this.deps.log.warn({ err }, 'realtime: session check failed'))
      .finally(() => {
        this.checking = false
        this.runChecks()
      })
  }

  /** The database's state, from this process's own probe, to this process's own sockets. */
  databaseStatus(status: SystemStatus): void {
    this.live.local.emit('system:status', status)
    this.fanOut.count('system:status')
  }

  /** Once the app is ready: the seq watermark from the database, and the periodic session check. */
  async start(): Promise<void> {
    // Only a watermark for risk:changed/event:new; alert changes carry their own seq.
    this.lastSeq = Math.max(this.lastSeq, await maxSeq(this.deps.db).catch(() => 0))
    if (this.sessionCheckMs <= 0) return
    // The periodic check catches what no route announces: sessions that expired.
    this.sessionTimer = setInterval(() => {
      this.requestCheck('all')
    }, this.sessionCheckMs)
    this.sessionTimer.unref()
  }

  /**
   * Before the server closes: timers stopped, and every socket told why before the disconnect.
   * A server-side disconnect is not retried by Socket.IO on its own, so the client needs to know
   * this one is a restart to come back at once (with jitter, to another process or this one
   * restarted) and replay from its last seq.
   */
  stop(): void {
    if (this.sessionTimer) clearInterval(this.sessionTimer)
    this.sessionTimer = null
    this.risk.cancel()
    this.live.local.emit('server:shutdown', { reconnect: true, message: 'the server is restarting; reconnect and resume from your last seq' })
    this.fanOut.count('server:shutdown')
  }

  private deliverLocal(msg: HubMessage): void {
    if (msg.t === 'alert' && msg.change.push) this.lastSeq = Math.max(this.lastSeq, msg.change.seq)
    this.fanOut.deliverLocal(msg)
  }

  /** Delivers here and, with PostgreSQL, on every other process. */
  private publish(msg: HubMessage): void {
    this.deliverLocal(msg)
    if (this.adapter === 'postgres') this.live.serverSideEmit(FORWARD_EVENT, msg)
  }
}
