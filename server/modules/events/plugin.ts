import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { loadPersonalDataKeys, type PersonalDataKeys } from '../../access/personal-data.ts'
import { RegionCache } from './regions.ts'
import { IngestService } from './service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every region, in memory, for code checks without a query per event; reload() after changes. */
    regions: RegionCache
    /** Keys for parties' personal data (from SECRET_KEY or DATA_DIR/secret.key). */
    personalData: PersonalDataKeys
    /** The one ingest pipeline (API, imports, simulator). */
    ingest: IngestService
  }
}

/** The event store's services: region cache, personal-data keys, the ingest pipeline, its metrics. */
export default fp(
  async function events(app: FastifyInstance, options: { personalData?: PersonalDataKeys }) {
    const regions = new RegionCache(app.db)
    await regions.reload()
    const keys = options.personalData ?? loadPersonalDataKeys(app.config)
    const counter = new Counter({
      name: 'shaowang_events_ingested_total',
      help: 'Events received by source and outcome (accepted, updated, duplicate, rejected)',
      labelNames: ['source', 'outcome'] as const,
      registers: [app.metrics],
    })
    app.decorate('regions', regions)
    // Regions changed on another process: follow, or this one refuses the new township's events.
    app.bus.on('regions:changed', () => void regions.reload().catch((err: unknown) => app.log.warn({ err }, 'region cache: reload failed')))
    app.decorate('personalData', keys)
    app.decorate(
      'ingest',
      new IngestService({
        db: app.db,
        regions,
        codes: () => app.codeTables.book,
        keys,
        bus: app.bus,
        tz: app.config.tzDisplay,
        now: () => app.now(),
        counter,
        // Several processes share one PostgreSQL: the engine plugin decides how its leader hears
        // of new events (server/plugins/engine.ts). PGlite: the bus.
        handoff: () => app.engineHandoff?.(),
      }),
    )
  },
  { name: 'events', dependencies: ['access', 'metrics', 'bus', 'code-tables'] },
)
