// Which messages an alert change sends (docs/architecture.md): a new alert and an escalation are
// matched against the enabled routes; each matching route's enabled channels get one outbox row,
// written in the alert change's own transaction, keyed so a retry of the change adds nothing.

import type { Db } from '../../../db/connect.ts'
import type { NotificationMessage, NotificationRouteRow } from '../../../db/schema.ts'
import type { AlertChange } from '../alerts/service.ts'
import { channelsByIds, enabledRoutes, enqueueMessages, type OutboxInsert, shiftsBetween } from './repository.ts'

export interface RoutingContext {
  now: Date
  timeZone: string
  externalUrl: string
}

/** Minutes since local midnight in `timeZone`. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at)
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0)
  return get('hour') * 60 + get('minute')
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

export interface RoutedAlert {
  township: string
  level: string
  /** null: a level alert (matched by the rule name `level`). */
  ruleId: string | null
}

/** Does a route take this alert at this time? An absent criterion matches anything. */
export function routeMatches(route: Pick<NotificationRouteRow, 'match'>, alert: RoutedAlert, at: Date, timeZone: string): boolean {
  const m = route.match
  if (m.townships?.length && !m.townships.includes(alert.township)) return false
  if (m.levels?.length && !m.levels.includes(alert.level as never)) return false
  if (m.rules?.length && !m.rules.includes(alert.ruleId ?? 'level')) return false
  if (m.hours) {
    const t = localMinutes(at, timeZone)
    const from = minutesOf(m.hours.from)
    const to = minutesOf(m.hours.to)
    const inside = from <= to ? t >= from && t < to : t >= from || t < to
    if (!inside) return false
  }
  return true
}

function kindOf(change: AlertChange): NotificationMessage['kind'] | null {
  if (change.push === null) return null
  if (change.action === 'raised' || change.action === 'unsuppressed') return 'raised'
  if (change.action === 'escalate') return 'escalated'
  if (change.action === 'escalation_step' && change.step) return 'step'
  return null
}

export function messageOf(change: AlertChange, kind: NotificationMessage['kind'], ctx: RoutingContext): NotificationMessage {
  const a = change.alert
  return {
    kind,
    alertId: a.id,
    township: { code: a.township.code, name: a.township.name },
    level: a.level,
    rule: a.ruleId === null ? '等级预警' : a.ruleId,
    count: a.count,
    deadline: a.deadline,
    link: `${ctx.externalUrl}/duty?alert=${a.id}`,
    at: change.at,
  }
}

/** Writes the outbox rows of these changes in `trx` (the alert change's transaction). Returns how many. */
export async function enqueueForChanges(trx: Db, changes: readonly AlertChange[], ctx: RoutingContext): Promise<number> {
  // A case escalates with all its alerts at once: one message per case, not one per alert.
  const escalatedCases = new Set<number>()
  const wanted = changes.flatMap((c): Array<{ change: AlertChange; kind: NotificationMessage['kind'] }> => {
    const kind = kindOf(c)
    if (kind === 'escalated' && c.caseId !== null) {
      if (escalatedCases.has(c.caseId)) return []
      escalatedCases.add(c.caseId)
    }
    return kind ? [{ change: c, kind }] : []
  })
  if (!wanted.length) return 0
  const routes = await enabledRoutes(trx)
  if (!routes.length) return 0
  const channels = new Map((await channelsByIds(trx, [...new Set(routes.flatMap((r) => r.channels))])).filter((c) => c.enabled).map((c) => [c.id, c]))
  // A step to the 带班领导 names whoever the roster has on shift now (§6, "Escalation policy").
  const shiftLeader = wanted.some((w) => w.change.step?.notify === 'shift_leader') ? ((await shiftsBetween(trx, ctx.now, new Date(ctx.now.getTime() + 1))).at(-1)?.shiftLeader ?? null) : null
  const rows: OutboxInsert[] = []
  for (const { change, kind } of wanted) {
    const target = new Set<number>()
    const alert = { township: change.alert.township.code, level: change.alert.level, ruleId: change.alert.ruleId }
    // New alerts and the deadline's escalation go to the duty routes; a step to its audience's.
    const audience = change.step?.notify ?? 'duty'
    for (const route of routes) {
      if (route.audience !== audience || !routeMatches(route, alert, ctx.now, ctx.timeZone)) continue
      for (const id of route.channels) if (channels.has(id)) target.add(id)
    }
    const base = messageOf(change, kind, ctx)
    const message = change.step ? { ...base, link: `${ctx.externalUrl}/duty?case=${change.caseId}`, step: { index: change.step.index, audience, shiftLeader: audience === 'shift_leader' ? shiftLeader : null } } : base
    // A step's key names the case and step: the claim makes it once, the key keeps a retry from adding it.
    const key = change.step ? `case-${change.caseId}-step-${change.step.index}` : `alert-${change.alertId}-seq-${change.seq}`
    for (const channelId of target) {
      rows.push({ channelId, idempotencyKey: `${key}-ch-${channelId}`, alertId: change.alertId, township: alert.township, message, nextAttemptAt: ctx.now })
    }
  }
  await enqueueMessages(trx, rows)
  return rows.length
}
