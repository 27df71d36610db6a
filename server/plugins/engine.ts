import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import type pg from 'pg'
import type { Db } from '../../db/connect.ts'
import type { RiskEvent, ZeroReport } from '../domain/event.ts'
import { decodeIds, encodeIds, EVENTS_CHANNEL, Leadership, notifyEngine, RULES_CHANNEL, ZERO_REPORTS_CHANNEL } from '../engine/leadership.ts'
import { LiveEngine } from '../engine/live-engine.ts'
import { engineStore, eventsByIds } from '../engine/store.ts'
import type { EngineHandoff } from '../modules/events/service.ts'


declare module 'fastify' {
  interface FastifyInstance {
    /** The live risk engine; it runs only in the process that holds the leadership. */
    engine: LiveEngine
    /** PostgreSQL: how a storing transaction hands its events to the engine leader (server/modules/events). */
    engineHandoff?: () => EngineHandoff
    /** Rules or the sensitive-period calendar changed: the engine (wherever it runs) rebuilds. */
    rulesChanged(db?: Db): Promise<void>
  }
}

/** Notified event ids loaded and scored per engine step at most. */
const NOTIFIED_PER_STEP = 5_000

export interface EnginePluginOptions {
  tickMs?: number
  refreshMs?: number
  /** PostgreSQL: how often a standby tries to take over. */
  leadershipRetryMs?: number
  /** PostgreSQL: the URL the leadership connection uses (default: the pool's). */
  databaseUrl?: string
  pool?: pg.Pool
}

export default fp<EnginePluginOptions>(
  async function engine(app: FastifyInstance, options: EnginePluginOptions) {
    /** The events of the engine step under way, by id. */
    const inHand = new Map<number, RiskEvent>()
    const ingest = async (events: RiskEvent[]) => {
      for (const e of events) inHand.set(e.id, e)
      try {
        await live.ingest(events)
      } finally {
        inHand.clear()
      }
    }
    const live = new LiveEngine({
      store: engineStore(app.db),
      sink: {
        applyAlerts: async (decisions, now) => {
          const ids = [...new Set(decisions.flatMap((d) => (d.eventId === null ? [] : [d.eventId])))]
          // The step's own events are in hand; only older ones (a rebuild's) are read back.
          const missing = ids.filter((id) => !inHand.has(id))
          const events = new Map(
            [...ids.flatMap((id) => (inHand.has(id) ? [inHand.get(id)!] : [])), ...(await eventsByIds(app.db, missing))].map((e) => [
              e.id,
              { id: e.id, source: e.source, sourceSystem: e.sourceSystem, externalId: e.externalId, occurredAt: new Date(e.occurredAt).toISOString() },
            ]),
          )
          await app.alerts.applyDecisions(decisions, { now, events })
        },
        riskChanged: (changes) => app.realtime.riskChanged(changes as Parameters<typeof app.realtime.riskChanged>[0]),
        eventAccepted: (event) => app.realtime.eventAccepted({ ...event, occurredAt: new Date(event.occurredAt) }),
      },
      timeZone: app.config.tzDisplay,
      now: () => app.now().getTime(),
      tickMs: options.tickMs,
      refreshMs: options.refreshMs,
      log: app.log,
    })
    app.decorate('engine', live)
    new Gauge({
      name: 'shaowang_engine_leader',
      help: '1 when this process runs the live risk engine (holds the leadership), else 0',
      registers: [app.metrics],
      collect() {
        this.set(live.running ? 1 : 0)
      },
    })
    // Start-up cost at scale (docs/architecture.md §10: rebuild < 30 s); the bench reads them here.
    new Gauge({
      name: 'shaowang_engine_rebuild_seconds',
      help: 'Wall-clock seconds the last completed engine rebuild took (0 before the first)',
      registers: [app.metrics],
      collect() {
        this.set(live.lastRebuild?.seconds ?? 0)
      },
    })
    new Gauge({
      name: 'shaowang_engine_rebuild_events',
      help: 'Events the last completed engine rebuild replayed',
      registers: [app.metrics],
      collect() {
        this.set(live.lastRebuild?.events ?? 0)
      },
    })

    const url = options.databaseUrl ?? (options.pool?.options as { connectionString?: string } | undefined)?.connectionString
    if (app.databaseKind === 'pglite' || !url) {
      // One process: the in-process bus is the only way in.
      app.bus.on('events:accepted', (events) => void ingest(events).catch(() => {}))
      app.bus.on('zero-report:accepted', (report) => void live.zeroReport(report).catch(() => {}))
      app.decorate('rulesChanged', () => live.rebuild())
      app.addHook('onReady', () => live.start())
      app.addHook('preClose', () => live.stop())
      return
    }

    // Several processes: whichever holds the lock runs the engine and hears every process's
    // writes through NOTIFY, sent inside their transactions — except its own: while this process
    // leads, its storing transactions hand their events straight to the engine after the commit
    // (no NOTIFY, whose queue lock serialises commits, and no reading back of what is in hand).
    // A transaction that began under this process's leadership and commits after it was lost
    // (stop, lost connection) sends its NOTIFY after the commit instead: the new leader listens
    // before its rebuild reads, so it either reads those events or hears of them.
    //
    // Events are scored in arrival order, all that arrived during the previous step in one
    // engine step (up to NOTIFIED_PER_STEP): per-event steps (a load, a risk save, an alert
    // transaction each) capped scoring at a few hundred events/s, and concurrent loads could
    // hand the engine events out of order.
    const inbox: Array<{ ids: number[] } | { events: RiskEvent[] }> = []
    let loading = false
    let term = 0
    async function loadInbox(): Promise<void> {
      if (loading) return
      loading = true
      try {
        while (inbox.length) {
          const step: typeof inbox = []
          for (let n = 0; inbox.length && (step.length === 0 || n + size(inbox[0]!) <= NOTIFIED_PER_STEP); ) {
            n += size(inbox[0]!)
            step.push(inbox.shift()!)
          }
          try {
            const ids = step.flatMap((c) => ('ids' in c ? c.ids : []))
            const loaded = new Map((await eventsByIds(app.db, ids)).map((e) => [e.id, e]))
            await ingest(step.flatMap((c) => ('events' in c ? c.events : c.ids.flatMap((id) => (loaded.has(id) ? [loaded.get(id)!] : [])))))
          } catch (err) {
            app.log.error({ err }, 'engine: could not load or score notified events')
          }
        }
      } finally {
        loading = false
      }
    }
    const size = (c: (typeof inbox)[number]) => ('ids' in c ? c.ids.length : c.events.length)
    const enqueue = (chunk: (typeof inbox)[number]) => {
      inbox.push(chunk)
      void loadInbox()
    }
    app.decorate('engineHandoff', (): EngineHandoff => {
      if (!leadership.isLeader) return { inTransaction: (trx, ids) => notifyEngine(trx, EVENTS_CHANNEL, encodeIds(ids)) }
      const during = term
      return {
        afterCommit: (events) => {
          if (leadership.isLeader && term === during) enqueue({ events })
          else {
            void notifyEngine(app.db, EVENTS_CHANNEL, encodeIds(events.map((e) => e.id))).catch((err: unknown) =>
              app.log.error({ err }, 'engine: could not notify the new leader of events stored meanwhile'),
            )
          }
        },
      }
    })
    const leadership = new Leadership({
      url,
      retryMs: options.leadershipRetryMs,
      log: app.log,
      onAcquire: async (client) => {
        term++
        // The rebuild below reads everything stored; events left over from an earlier term are in it.
        inbox.length = 0
        client.on('notification', (message) => {
          if (message.channel === EVENTS_CHANNEL && message.payload) {
            enqueue({ ids: decodeIds(message.payload) })
          } else if (message.channel === ZERO_REPORTS_CHANNEL && message.payload) {
            void live.zeroReport(JSON.parse(message.payload) as ZeroReport).catch(() => {})
          } else if (message.channel === RULES_CHANNEL) {
            void live.rebuild().catch(() => {})
          }
        })
        await client.query(`listen ${EVENTS_CHANNEL}; listen ${ZERO_REPORTS_CHANNEL}; listen ${RULES_CHANNEL}`)
        await live.start()
      },
      onLose: () => {
        term++
        return live.stop()
      },
    })
    app.decorate('rulesChanged', (db = app.db) => notifyEngine(db, RULES_CHANNEL, 'changed'))
    app.addHook('onReady', async () => leadership.start())
    app.addHook('preClose', () => leadership.stop())
  },
  { name: 'engine', dependencies: ['bus'] },
)
