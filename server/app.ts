import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { serializerCompiler } from 'fastify-type-provider-zod'
import type { Db, DatabaseHandle } from '../db/connect.ts'
import type { PersonalDataKeys } from './access/personal-data.ts'
import type { Config } from './config.ts'
import codeTables from './modules/code-tables/plugin.ts'
import codeTableRoutes from './modules/code-tables/routes.ts'
import events from './modules/events/plugin.ts'
import eventRoutes from './modules/events/routes.ts'
import importRoutes from './modules/imports/routes.ts'
import zeroReportRoutes from './modules/zero-reports/routes.ts'
import simulatorRoutes from './simulator/routes.ts'
import bus from './plugins/bus.ts'
import alertsPlugin, { type AlertsPluginOptions } from './modules/alerts/plugin.ts'
import alertRoutes from './modules/alerts/routes.ts'
import caseRoutes from './modules/cases/routes.ts'
import geoRoutes from './modules/geo/routes.ts'
import healthRoutes from './modules/health/routes.ts'
import townshipRoutes from './modules/townships/routes.ts'
import regionRoutes from './modules/regions/routes.ts'
import regionImportRoutes from './modules/regions/import-routes.ts'
import auditRoutes from './modules/audit/routes.ts'
import feedRoutes from './modules/feeds/routes.ts'
import kioskRoutes from './modules/kiosks/routes.ts'
import calendarRoutes from './modules/calendar/routes.ts'
import rulesetRoutes from './modules/rulesets/routes.ts'
import sessionRoutes from './modules/session/routes.ts'
import userRoutes from './modules/users/routes.ts'
import silenceRoutes from './modules/silences/routes.ts'
import notificationsPlugin, { type NotificationsPluginOptions } from './modules/notifications/plugin.ts'
import notificationRoutes from './modules/notifications/routes.ts'
import rosterRoutes from './modules/notifications/roster-routes.ts'
import access from './plugins/access.ts'
import engine, { type EnginePluginOptions } from './plugins/engine.ts'
import databaseStatus, { type DatabaseStatusOptions } from './plugins/database-status.ts'
import docs from './plugins/docs.ts'
import errors, { frameworkErrors } from './plugins/errors.ts'
import jsonBody from './plugins/json-body.ts'
import metrics from './plugins/metrics.ts'
import security from './plugins/security.ts'
import realtime, { type RealtimeOptions } from './plugins/realtime.ts'
import staticClient from './plugins/static.ts'
import { validatorCompiler } from './validation.ts'

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
  /** A ready-made pino logger instead (Fastify 5 takes instances only here, not in `logger`). */
  loggerInstance?: FastifyBaseLogger
  /** Keys for parties' personal data; default: from config (SECRET_KEY or DATA_DIR/secret.key). */
  personalData?: PersonalDataKeys
  /** The app's clock (app.now()); tests inject one. Default: the system clock. */
  now?: () => Date
  /** Realtime hub tuning (risk:changed flush interval, event:new sampling rate). */
  realtime?: Omit<RealtimeOptions, 'pool'>
  /** Alerts tuning (auto-escalation interval). */
  alerts?: AlertsPluginOptions
  /** Notification outbox tuning (poll, backoff, timeouts), the external URL in links. */
  notifications?: NotificationsPluginOptions
  /** Risk engine tuning (tick and refresh intervals, leadership retry). */
  engine?: Omit<EnginePluginOptions, 'pool'>
  /** How often the database is probed so live clients learn of an outage. */
  databaseStatus?: DatabaseStatusOptions
  /** Overrides of SERVER_TIMEOUTS (tests shorten them). */
  timeouts?: Partial<ServerTimeouts>
}

export interface ServerTimeouts {
  /** Whole request, headers and body, from its first byte: a body that trickles or stalls is cut off (408, then closed). */
  requestMs: number
  /** Headers alone: a client that sends them slowly (slowloris) is cut off (408, then closed). */
  headersMs: number
  /** A socket with no traffic at all, in either direction, is destroyed. */
  idleMs: number
  /** A keep-alive connection between requests is closed. */
  keepAliveMs: number
  /** How often Node checks the request and headers deadlines: a cut-off lands up to this late. */
  checkIntervalMs: number
}

/**
 * Every server-side timeout in one place (docs/architecture.md §13): a slow or stalled client holds a socket
 * for at most these, however it misbehaves. A 10 MB batch (BODY_LIMIT_BYTES) needs > 2.8 Mbit/s
 * to arrive within requestMs; feeds on slower links send smaller batches. Long-lived Socket.IO
 * connections are upgraded WebSockets and are outside these (engine.io pings them instead).
 */
export const SERVER_TIMEOUTS: ServerTimeouts = {
  requestMs: 30_000,
  headersMs: 10_000,
  idleMs: 60_000,
  keepAliveMs: 5_000,
  checkIntervalMs: 1_000,
}

export const BODY_LIMIT_BYTES = 10 * 1024 * 1024

// Query parameters that carry credentials (the wall's pairing link /wall?pair=…).
const SECRET_QUERY_PARAMS = new Set(['pair', 'token', 'access_token'])

/** A URL as logged: credentials in the query string replaced by [redacted]. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const params = url
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const raw = part.split('=')[0]!
      let key = raw
      try {
        key = decodeURIComponent(raw)
      } catch {
        // a malformed escape: judge the raw name
      }
      return SECRET_QUERY_PARAMS.has(key.toLowerCase()) ? `${raw}=[redacted]` : part
    })
  return `${url.slice(0, q)}?${params.join('&')}`
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  const pretty = process.stdout.isTTY && !config.production
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.password', '*.token'], censor: '[redacted]' },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const timeouts = { ...SERVER_TIMEOUTS, ...options.timeouts }
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? loggerOptions(options.config) }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Slow or stalled clients must not hold a socket forever (SERVER_TIMEOUTS).
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    forceCloseConnections: 'idle',
    // TRUST_PROXY: believe X-Forwarded-* only from the configured proxy (off by default).
    trustProxy: options.config.trustProxy,
    // A malformed %-escape or an overlong path parameter fails before routing: answer it in the API's error shape.
    frameworkErrors,
    // One line per request would dominate the log at feed rates; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.decorate('config', options.config)
  app.decorate('db', options.database.db)
  app.decorate('databaseKind', options.database.kind)
  if (options.now) app.decorate('now', options.now)

  await app.register(errors)
  await app.register(jsonBody)
  await app.register(security)
  // Before any plugin that adds routes, so every route (/metrics too) passes its policy check.
  await app.register(access)
  await app.register(metrics)
  await app.register(docs)
  await app.register(bus)
  await app.register(databaseStatus, options.databaseStatus ?? {})
  await app.register(codeTables)
  await app.register(events, { personalData: options.personalData })
  await app.register(realtime, { ...options.realtime, pool: options.database.pool })
  await app.register(alertsPlugin, options.alerts ?? { escalationIntervalMs: options.config.escalationScanMs })
  await app.register(notificationsPlugin, options.notifications ?? {})
  await app.register(engine, { ...options.engine, pool: options.database.pool })

  await app.register(healthRoutes)
  await app.register(sessionRoutes)
  await app.register(userRoutes)
  await app.register(feedRoutes)
  await app.register(kioskRoutes)
  await app.register(auditRoutes)
  await app.register(townshipRoutes)
  await app.register(geoRoutes)
  await app.register(regionRoutes)
  await app.register(regionImportRoutes)
  await app.register(codeTableRoutes)
  await app.register(rulesetRoutes)
  await app.register(calendarRoutes)
  await app.register(eventRoutes)
  await app.register(zeroReportRoutes)
  await app.register(importRoutes)
  await app.register(simulatorRoutes)
  await app.register(alertRoutes)
  await app.register(caseRoutes)
  await app.register(silenceRoutes)
  await app.register(notificationRoutes)
  await app.register(rosterRoutes)

  await app.register(staticClient)
  return app
}
