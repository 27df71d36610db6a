import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import type { LastEventSnapshot } from '../../../db/schema.ts'
import { countOpenByLevel } from './repository.ts'
import { escalateAckOverdue } from '../cases/service.ts'
import { fireEscalationSteps } from '../cases/escalation-steps.ts'
import { type AlertChange, type AlertDecision, applyDecisions, type ChangesHook, escalateOverdue } from './service.ts'

/** What the engine runner (and anyone else producing alert changes) calls. */
export interface AlertsApi {
  /** Applies decisions in one transaction, then counts and pushes the changes. `now` defaults to app.now(). */
  applyDecisions(decisions: readonly AlertDecision[], context?: { now?: Date; events?: Map<number, LastEventSnapshot> }): Promise<AlertChange[]>
  /** One run of the auto-escalation job (the timer calls this; tests call it with their own clock). */
  escalateOverdue(now?: Date): Promise<AlertChange[]>
  /** One run of the acknowledgement-deadline job: cases past it, unsigned, escalate (once). */
  escalateUnacknowledged(now?: Date): Promise<AlertChange[]>
  /** One run of the escalation policy: the steps now due for cases still unsigned (each once). */
  escalationSteps(now?: Date): Promise<AlertChange[]>
  /** For callers that applied changes inside their own transaction: call after commit. */
  publish(changes: readonly AlertChange[]): void
  /** Adds work to every alert change's transaction (after its rows); e.g. the notification outbox. */
  addTransactionHook(hook: ChangesHook): void
  /** Runs the added hooks (for callers of the service functions that take a hook). */
  inTransaction: ChangesHook
  /** Called with changes after they are committed and pushed. */
  onPublished(listener: (changes: readonly AlertChange[]) => void): void
}

export interface AlertsPluginOptions {
  /** How often overdue alerts and unacknowledged cases are escalated; 0 turns the timer off. Default 30 s. */
  escalationIntervalMs?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    alerts: AlertsApi
  }
}

const KIND: Record<string, string> = { raised: 'raised', updated: 'updated', repeated: 'updated', unsuppressed: 'updated', recovered: 'recovered' }

export default fp<AlertsPluginOptions>(
  async function alerts(app: FastifyInstance, options: AlertsPluginOptions) {
    const changesTotal = new Counter({
      name: 'shaowang_alerts_total',
      help: 'Alert changes made by the engine: raised, updated (a repeat or a raise of an open alert), recovered, suppressed (raised under a silence)',
      labelNames: ['kind', 'level'] as const,
      registers: [app.metrics],
    })
    const actionsTotal = new Counter({
      name: 'shaowang_alert_actions_total',
      help: 'Actions on alerts by people and by the escalation job',
      labelNames: ['action'] as const,
      registers: [app.metrics],
    })
    new Gauge({
      name: 'shaowang_alerts_open',
      help: 'Open (not closed, not suppressed) alerts by level, read from the database on scrape',
      labelNames: ['level'] as const,
      registers: [app.metrics],
      async collect() {
        try {
          const rows = await countOpenByLevel(app.db)
          this.reset()
          for (const level of ['yellow', 'orange', 'red'] as const) this.set({ level }, rows.find((r) => r.level === level)?.n ?? 0)
        } catch (err) {
          app.log.warn({ err }, 'metrics: cannot count open alerts')
        }
      },
    })

    function publish(changes: readonly AlertChange[]) {
      for (const c of changes) {
        const kind = c.action === 'raised' && c.push === null ? 'suppressed' : KIND[c.action]
        if (kind) changesTotal.inc({ kind, level: c.alert.level })
        else actionsTotal.inc({ action: c.actor === 'system' ? `auto_${c.action}` : c.action })
        if (c.push) app.realtime.alertChanged(c)
      }
      for (const listener of published) listener(changes)
    }
    const published: Array<(changes: readonly AlertChange[]) => void> = []

    const hooks: ChangesHook[] = []
    const inTransaction: ChangesHook = async (trx, changes) => {
      for (const hook of hooks) await hook(trx, changes)
    }
    const api: AlertsApi = {
      applyDecisions: (decisions, context = {}) =>
        applyDecisions(app.db, decisions, { now: context.now ?? app.now(), events: context.events, publish, townshipName: (code) => app.regions.get(code)?.name, inTransaction }),
      escalateOverdue: (now) => escalateOverdue(app.db, now ?? app.now(), publish, 500, inTransaction),
      escalateUnacknowledged: (now) => escalateAckOverdue(app.db, now ?? app.now(), publish, 200, inTransaction),
      escalationSteps: (now) => fireEscalationSteps(app.db, now ?? app.now(), publish, 200, inTransaction),
      publish,
      addTransactionHook: (hook) => void hooks.push(hook),
      inTransaction,
      onPublished: (listener) => void published.push(listener),
    }
    app.decorate('alerts', api)

    const interval = options.escalationIntervalMs ?? 30_000
    let timer: NodeJS.Timeout | null = null
    let running = false
    app.addHook('onReady', async () => {
      if (interval <= 0) return
      timer = setInterval(() => {
        if (running) return
        running = true
        // Both deadlines live in the database, so every process may scan: the claims let one win.
        api
          .escalateUnacknowledged()
          .then((changes) => changes.length && app.log.info({ count: changes.length }, 'escalated unacknowledged cases'))
          .catch((err: unknown) => app.log.error({ err }, 'acknowledgement-deadline escalation failed'))
          .then(() => api.escalationSteps())
          .then((changes) => changes && changes.length && app.log.info({ count: changes.length }, 'fired escalation policy steps'))
          .catch((err: unknown) => app.log.error({ err }, 'escalation policy steps failed'))
          .then(() => api.escalateOverdue())
          .then((changes) => changes && changes.length && app.log.info({ count: changes.length }, 'escalated overdue alerts'))
          .catch((err: unknown) => app.log.error({ err }, 'auto-escalation failed'))
          .finally(() => {
            running = false
          })
      }, interval)
      timer.unref()
    })
    app.addHook('preClose', async () => {
      if (timer) clearInterval(timer)
      timer = null
    })
  },
  { name: 'alerts', dependencies: ['access', 'metrics', 'events', 'realtime'] },
)
