import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Db, DatabaseHandle } from '../db/connect.ts'
import type { Config } from './config.ts'
import alertsPlugin, { type AlertsPluginOptions } from './modules/alerts/plugin.ts'
import alertRoutes from './modules/alerts/routes.ts'
import geoRoutes from './modules/geo/routes.ts'
import healthRoutes from './modules/health/routes.ts'
import townshipRoutes from './modules/townships/routes.ts'
import sessionRoutes from './modules/session/routes.ts'
import silenceRoutes from './modules/silences/routes.ts'
import access from './plugins/access.ts'
import docs from './plugins/docs.ts'
import errors from './plugins/errors.ts'
import metrics from './plugins/metrics.ts'
import realtime, { type RealtimeOptions } from './plugins/realtime.ts'
import staticClient from './plugins/static.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    db: Db
    databaseKind: DatabaseHandle['kind']
  }
}

export interface AppOptions {
  config: Config
  /** Owned by the caller: the app uses it and never closes it. */
  database: DatabaseHandle
  logger?: FastifyServerOptions['logger']
  /** The app's clock (app.now()); tests inject one. Default: the system clock. */
  now?: () => Date
  /** Realtime hub tuning (risk:changed flush interval, event:new sampling rate). */
  realtime?: Omit<RealtimeOptions, 'pool'>
  /** Alerts tuning (auto-escalation interval). */
  alerts?: AlertsPluginOptions
}

export const BODY_LIMIT_BYTES = 10 * 1024 * 1024

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  const pretty = process.stdout.isTTY && !config.production
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.password', '*.token'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(options.config),
    bodyLimit: BODY_LIMIT_BYTES,
    // Slow or stalled clients must not hold a socket forever.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 5_000,
    forceCloseConnections: 'idle',
    trustProxy: false,
    // One line per request would dominate the log at feed rates; failures are logged by the error handler.
    disableRequestLogging: true,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.decorate('config', options.config)
  app.decorate('db', options.database.db)
  app.decorate('databaseKind', options.database.kind)
  if (options.now) app.decorate('now', options.now)

  await app.register(errors)
  await app.register(metrics)
  await app.register(docs)
  await app.register(access)
  await app.register(realtime, { ...options.realtime, pool: options.database.pool })
  await app.register(alertsPlugin, options.alerts ?? {})

  await app.register(healthRoutes)
  await app.register(sessionRoutes)
  await app.register(townshipRoutes)
  await app.register(geoRoutes)
  await app.register(alertRoutes)
  await app.register(silenceRoutes)

  await app.register(staticClient)
  return app
}
