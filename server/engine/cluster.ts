// The engine across several processes (PostgreSQL; docs/architecture.md §7): whichever holds the
// lock runs the engine and hears every process's writes through NOTIFY, sent inside their
// transactions — except its own: while this process leads, its storing transactions hand their
// events straight to the engine after the commit (no NOTIFY, whose queue lock serialises commits,
// and no reading back of what is in hand). A transaction that began under this process's
// leadership and commits after it was lost (stop, lost connection) sends its NOTIFY after the
// commit instead: the new leader listens before its rebuild reads, so it either reads those
// events or hears of them.
//
// Events are scored in arrival order, all that arrived during the previous step in one engine
// step (up to NOTIFIED_PER_STEP): per-event steps (a load, a risk save, an alert transaction
// each) capped scoring at a few hundred events/s, and concurrent loads could hand the engine
// events out of order.
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../../db/connect.ts'
import type { RiskEvent, ZeroReport } from '../domain/event.ts'
import type { EngineHandoff } from '../modules/events/service.ts'
import { decodeIds, encodeIds, EVENTS_CHANNEL, Leadership, RULES_CHANNEL, ZERO_REPORTS_CHANNEL } from './leadership.ts'
import { listenTo, notifyEngine } from './leadership-repository.ts'
import type { LiveEngine } from './live-engine.ts'
import { eventsByIds } from './store-repository.ts'

/** Notified event ids loaded and scored per engine step at most. */
const NOTIFIED_PER_STEP = 5_000

type InboxChunk = { ids: number[] } | { events: RiskEvent[] }
const sizeOf = (c: InboxChunk) => ('ids' in c ? c.ids.length : c.events.length)

export interface EngineClusterOptions {
  /** The URL the leadership connection uses. */
  url: string
  /** How often a standby tries to take over. */
  retryMs?: number
  db: Db
  live: Pick<LiveEngine, 'start' | 'stop' | 'rebuild' | 'zeroReport'>
  /** Scores events in one engine step (the plugin keeps them in hand for the alert sink). */
  ingest(events: RiskEvent[]): Promise<void>
  log: FastifyBaseLogger
}

/** The leader's inbox: what arrives (ids by NOTIFY, events from this process's commits), scored in order. */
class Inbox {
  readonly #chunks: InboxChunk[] = []
  #loading = false
  readonly #options: EngineClusterOptions

  constructor(options: EngineClusterOptions) {
    this.#options = options
  }

  push(chunk: InboxChunk): void {
    this.#chunks.push(chunk)
    void this.#drain()
  }

  /** A new term: the rebuild reads everything stored, so events left over from an earlier term are in it. */
  clear(): void {
    this.#chunks.length = 0
  }

  #nextStep(): InboxChunk[] {
    const step: InboxChunk[] = []
    for (let n = 0; this.#chunks.length && (step.length === 0 || n + sizeOf(this.#chunks[0]!) <= NOTIFIED_PER_STEP); ) {
      n += sizeOf(this.#chunks[0]!)
      step.push(this.#chunks.shift()!)
    }
    return step
  }

  async #drain(): Promise<void> {
    if (this.#loading) return
    this.#loading = true
    try {
      while (this.#chunks.length) {
        const step = this.#nextStep()
        try {
          const ids = step.flatMap((c) => ('ids' in c ? c.ids : []))
          const loaded = new Map((await eventsByIds(this.#options.db, ids)).map((e) => [e.id, e]))
          await this.#options.ingest(step.flatMap((c) => ('events' in c ? c.events : c.ids.flatMap((id) => (loaded.has(id) ? [loaded.get(id)!] : [])))))
        } catch (err) {
          this.#options.log.error({ err }, 'engine: could not load or score notified events')
        }
      }
    } finally {
      this.#loading = false
    }
  }
}

export class EngineCluster {
  readonly #options: EngineClusterOptions
  readonly #inbox: Inbox
  readonly #leadership: Leadership
  /** Counts leadership changes: a hand-off taken in one term is not delivered in another. */
  #term = 0

  constructor(options: EngineClusterOptions) {
    this.#options = options
    this.#inbox = new Inbox(options)
    const { live } = options
    this.#leadership = new Leadership({
      url: options.url,
      retryMs: options.retryMs,
      log: options.log,
      onAcquire: async (client) => {
        this.#term++
        this.#inbox.clear()
        client.on('notification', (message) => {
          if (message.channel === EVENTS_CHANNEL && message.payload) {
            this.#inbox.push({ ids: decodeIds(message.payload) })
          } else if (message.channel === ZERO_REPORTS_CHANNEL && message.payload) {
            void live.zeroReport(JSON.parse(message.payload) as ZeroReport).catch(() => {})
          } else if (message.channel === RULES_CHANNEL) {
            void live.rebuild().catch(() => {})
          }
        })
        await listenTo(client, [EVENTS_CHANNEL, ZERO_REPORTS_CHANNEL, RULES_CHANNEL])
        await live.start()
      },
      onLose: () => {
        this.#term++
        return live.stop()
      },
    })
  }

  /** How one storing transaction hands its events to the leader (asked once per transaction). */
  handoff(): EngineHandoff {
    const { db, log } = this.#options
    if (!this.#leadership.isLeader) return { inTransaction: (trx, ids) => notifyEngine(trx, EVENTS_CHANNEL, encodeIds(ids)) }
    const during = this.#term
    return {
      afterCommit: (events) => {
        if (this.#leadership.isLeader && this.#term === during) this.#inbox.push({ events })
        else {
          void notifyEngine(db, EVENTS_CHANNEL, encodeIds(events.map((e) => e.id))).catch((err: unknown) =>
            log.error({ err }, 'engine: could not notify the new leader of events stored meanwhile'),
          )
        }
      },
    }
  }

  /** Rules or the calendar changed: the leader (wherever it runs) rebuilds. */
  rulesChanged(db: Db = this.#options.db): Promise<void> {
    return notifyEngine(db, RULES_CHANNEL, 'changed')
  }

  start(): void {
    this.#leadership.start()
  }

  stop(): Promise<void> {
    return this.#leadership.stop()
  }
}
