// The engine host: builds the live engine (server/engine/live-engine.ts) on the app's store,
// sends its output to the alerts service and the realtime hub (server/engine/alert-sink.ts), and
// feeds it — in one process from the in-process bus, with several processes as the leader of
// an engine cluster (server/engine/cluster.ts).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, type Registry } from 'prom-client'
import type pg from 'pg'
import type { Db } from '../../db/connect.ts'
import { stepSink } from '../engine/alert-sink.ts'
import { EngineCluster } from '../engine/cluster.ts'
import { LiveEngine } from '../engine/live-engine.ts'
import { engineStore } from '../engine/store.ts'
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

export interface EnginePluginOptions {
  tickMs?: number
  refreshMs?: number
  /** PostgreSQL: how often a standby tries to take over. */
  leadershipRetryMs?: number
  /** PostgreSQL: the URL the leadership connection uses (default: the pool's). */
  databaseUrl?: string
  pool?: pg.Pool
}

function engineGauges(registry: Registry, live: LiveEngine): void {
  // The evaluation budget's last line of defence (server/domain/rule-language.ts): each skipped
  // evaluation is counted on its compiled condition; the counter adds what is new since the last
  // scrape (a rebuild compiles afresh and starts from zero again).
  const reported = new Map<string, number>()
  new Counter({
    name: 'shaowang_rule_budget_exceeded_total',
    help: 'Rule evaluations skipped because they ran out of the evaluation budget (counted as no match), by rule',
    labelNames: ['rule'] as const,
    registers: [registry],
    collect() {
      for (const [rule, n] of live.ruleBudgetExceeded()) {
        const before = reported.get(rule) ?? 0
        const delta = n >= before ? n - before : n
        if (delta > 0) this.inc({ rule }, delta)
        reported.set(rule, n)
      }
    },
  })
  new Gauge({
    name: 'shaowang_engine_leader',
    help: '1 when this process runs the live risk engine (holds the leadership), else 0',
    registers: [registry],
    collect() {
      this.set(live.running ? 1 : 0)
    },
  })
  // Start-up cost at scale (docs/architecture.md §10: rebuild < 30 s); the bench reads them here.
  new Gauge({
    name: 'shaowang_engine_rebuild_seconds',
    help: 'Wall-clock seconds the last completed engine rebuild took (0 before the first)',
    registers: [registry],
    collect() {
      this.set(live.lastRebuild?.seconds ?? 0)
    },
  })
  new Gauge({
    name: 'shaowang_engine_rebuild_events',
    help: 'Events the last completed engine rebuild replayed',
    registers: [registry],
    collect() {
      this.set(live.lastRebuild?.events ?? 0)
    },
  })
}

export default fp<EnginePluginOptions>(
  async function engine(app: FastifyInstance, options: EnginePluginOptions) {
    const { sink, step } = stepSink({
      db: app.db,
      applyDecisions: (decisions, context) => app.alerts.applyDecisions(decisions, context),
      riskChanged: (changes) => app.realtime.riskChanged(changes),
      eventAccepted: (event) => app.realtime.eventAccepted(event),
    })
    const live = new LiveEngine({
      store: engineStore(app.db),
      sink,
      timeZone: app.config.tzDisplay,
      now: () => app.now().getTime(),
      tickMs: options.tickMs,
      refreshMs: options.refreshMs,
      log: app.log,
    })
    const ingest = (events: Parameters<LiveEngine['ingest']>[0]) => step(events, (inHand) => live.ingest(inHand))
    app.decorate('engine', live)
    engineGauges(app.metrics, live)

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

    const cluster = new EngineCluster({ url, retryMs: options.leadershipRetryMs, db: app.db, live, ingest, log: app.log })
    app.decorate('engineHandoff', () => cluster.handoff())
    app.decorate('rulesChanged', (db?: Db) => cluster.rulesChanged(db))
    app.addHook('onReady', async () => cluster.start())
    app.addHook('preClose', () => cluster.stop())
  },
  { name: 'engine', dependencies: ['access', 'metrics', 'bus', 'realtime', 'alerts'] },
)
