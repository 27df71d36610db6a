import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import type { NotificationChannelRow, NotificationMessage } from '../../../db/schema.ts'
import { OutboxWorker, type OutboxOptions } from './outbox.ts'
import { outboxCounts } from './repository.ts'
import { send } from './senders.ts'
import { enqueueForChanges } from './service.ts'

// Notifications (docs/architecture.md): new and escalated alerts are written to the outbox in
// their own transaction (a hook of the alerts plugin); the worker delivers them afterwards.

export interface NotificationsPluginOptions extends OutboxOptions {
  /** The address people open links at; default http://HOST:PORT. */
  externalUrl?: string
  /** Replaces the real senders (tests). */
  send?: typeof send
}

export interface NotificationsApi {
  /** Sends a test message on a channel now, bypassing the outbox. */
  testSend(channel: NotificationChannelRow): Promise<{ ok: boolean; error: string | null }>
  /** Looks for due messages at once. */
  wake(): void
  /** Resolves once the worker has nothing in hand (tests). */
  idle(): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    notifications: NotificationsApi
  }
}

export default fp<NotificationsPluginOptions>(
  async function notifications(app: FastifyInstance, options: NotificationsPluginOptions) {
    const externalUrl = (options.externalUrl ?? `http://${app.config.host}:${app.config.port}`).replace(/\/+$/, '')
    const timeZone = app.config.tzDisplay
    const deliveries = new Counter({ name: 'shaowang_notifications_total', help: 'Notification attempts by outcome (sent, retry, dead) and channel kind', labelNames: ['outcome', 'kind'] as const, registers: [app.metrics] })
    new Gauge({
      name: 'shaowang_notifications_outbox',
      help: 'Outbox messages by state, read from the database on scrape',
      labelNames: ['state'] as const,
      registers: [app.metrics],
      async collect() {
        try {
          const counts = await outboxCounts(app.db)
          for (const state of ['pending', 'sent', 'dead']) this.set({ state }, counts[state] ?? 0)
        } catch (err) {
          app.log.warn({ err }, 'metrics: cannot count the outbox')
        }
      },
    })

    const worker = new OutboxWorker(
      {
        db: app.db,
        now: () => app.now(),
        sendOptions: () => ({ timeZone, externalUrl }),
        send: options.send,
        onOutcome: (row, channel, outcome, error) => {
          deliveries.inc({ outcome, kind: channel.kind })
          const log = { outbox: row.id, channel: channel.name, alert: row.alertId, attempts: row.attempts, error }
          if (outcome === 'dead') app.log.error(log, 'notification dead after its last attempt')
          else if (outcome === 'retry') app.log.warn(log, 'notification failed, will retry')
        },
        onError: (err) => app.log.error({ err }, 'notification outbox worker failed'),
      },
      options,
    )

    app.alerts.addTransactionHook(async (trx, changes) => {
      await enqueueForChanges(trx, changes, { now: app.now(), timeZone, externalUrl })
    })
    app.alerts.onPublished((changes) => {
      if (changes.some((c) => c.push !== null)) worker.wake()
    })

    const api: NotificationsApi = {
      async testSend(channel) {
        const now = app.now()
        const message: NotificationMessage = { kind: 'test', alertId: null, township: null, level: null, rule: null, count: null, deadline: null, link: `${externalUrl}/duty`, at: now.toISOString() }
        try {
          await (options.send ?? send)(channel, message, `test-${channel.id}-${now.getTime()}`, { timeZone, externalUrl, now, timeoutMs: options.timeoutMs ?? 10_000 })
          return { ok: true, error: null }
        } catch (err) {
          return { ok: false, error: err instanceof Error ? err.message : String(err) }
        }
      },
      wake: () => worker.wake(),
      idle: () => worker.idle(),
    }
    app.decorate('notifications', api)

    app.addHook('onReady', async () => worker.start())
    app.addHook('preClose', async () => worker.stop())
  },
  { name: 'notifications', dependencies: ['access', 'metrics', 'alerts'] },
)
