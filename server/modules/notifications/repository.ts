// Notification tables: channels, routes, the roster and the outbox (docs/architecture.md).

import { sql } from 'kysely'
import type { Db } from '../../../db/connect.ts'
import type { DeliveryOutcome, DutyShiftRow, NotificationChannelRow, NotificationMessage, NotificationOutboxRow, NotificationRouteRow, RouteMatch } from '../../../db/schema.ts'

// --- channels ---

export const listChannels = (db: Db): Promise<NotificationChannelRow[]> => db.selectFrom('notificationChannel').selectAll().orderBy('id').execute()

export const findChannel = (db: Db, id: number): Promise<NotificationChannelRow | undefined> =>
  db.selectFrom('notificationChannel').selectAll().where('id', '=', id).executeTakeFirst()

export const channelsByIds = (db: Db, ids: readonly number[]): Promise<NotificationChannelRow[]> =>
  ids.length ? db.selectFrom('notificationChannel').selectAll().where('id', 'in', [...ids]).execute() : Promise.resolve([])

export interface ChannelValues {
  name: string
  kind: NotificationChannelRow['kind']
  config: Record<string, unknown>
  secret: string | null
  enabled: boolean
  ratePerMinute: number
  maxAttempts: number
}

export const insertChannel = (db: Db, values: ChannelValues, by: string, now: Date): Promise<NotificationChannelRow> =>
  db
    .insertInto('notificationChannel')
    .values({ ...values, config: JSON.stringify(values.config), createdBy: by, createdAt: now, updatedAt: now })
    .returningAll()
    .executeTakeFirstOrThrow()

export const updateChannel = (db: Db, id: number, values: Partial<ChannelValues>, now: Date): Promise<NotificationChannelRow | undefined> =>
  db
    .updateTable('notificationChannel')
    .set({ ...values, ...(values.config ? { config: JSON.stringify(values.config) } : {}), updatedAt: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()

// --- routes ---

export const listRoutes = (db: Db): Promise<NotificationRouteRow[]> => db.selectFrom('notificationRoute').selectAll().orderBy('id').execute()

export const enabledRoutes = (db: Db): Promise<NotificationRouteRow[]> =>
  db.selectFrom('notificationRoute').selectAll().where('enabled', '=', true).orderBy('id').execute()

export const findRoute = (db: Db, id: number): Promise<NotificationRouteRow | undefined> =>
  db.selectFrom('notificationRoute').selectAll().where('id', '=', id).executeTakeFirst()

export interface RouteValues {
  name: string
  match: RouteMatch
  channels: number[]
  enabled: boolean
  audience: NotificationRouteRow['audience']
}

export const insertRoute = (db: Db, values: RouteValues, by: string, now: Date): Promise<NotificationRouteRow> =>
  db
    .insertInto('notificationRoute')
    .values({ ...values, match: JSON.stringify(values.match), channels: JSON.stringify(values.channels), createdBy: by, createdAt: now, updatedAt: now })
    .returningAll()
    .executeTakeFirstOrThrow()

export const updateRoute = (db: Db, id: number, values: RouteValues, now: Date): Promise<NotificationRouteRow | undefined> =>
  db
    .updateTable('notificationRoute')
    .set({ ...values, match: JSON.stringify(values.match), channels: JSON.stringify(values.channels), updatedAt: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()

export const deleteRoute = (db: Db, id: number): Promise<NotificationRouteRow | undefined> =>
  db.deleteFrom('notificationRoute').where('id', '=', id).returningAll().executeTakeFirst()

// --- roster ---

export const shiftsBetween = (db: Db, from: Date, to: Date): Promise<DutyShiftRow[]> =>
  db.selectFrom('dutyShift').selectAll().where('startsAt', '<', to).where('endsAt', '>', from).orderBy('startsAt').limit(500).execute()

export const insertShift = (db: Db, values: { startsAt: Date; endsAt: Date; dutyOfficer: string; shiftLeader: string }, by: string): Promise<DutyShiftRow> =>
  db.insertInto('dutyShift').values({ ...values, createdBy: by }).returningAll().executeTakeFirstOrThrow()

export const deleteShift = (db: Db, id: number): Promise<DutyShiftRow | undefined> => db.deleteFrom('dutyShift').where('id', '=', id).returningAll().executeTakeFirst()

// --- outbox ---

export interface OutboxInsert {
  channelId: number
  idempotencyKey: string
  alertId: number | null
  township: string | null
  message: NotificationMessage
  nextAttemptAt: Date
}

/** Inserts messages; one already there by its idempotency key is left as it is. */
export async function enqueueMessages(db: Db, rows: readonly OutboxInsert[]): Promise<void> {
  if (!rows.length) return
  await db
    .insertInto('notificationOutbox')
    .values(rows.map((r) => ({ ...r, message: JSON.stringify(r.message) })))
    .onConflict((oc) => oc.column('idempotencyKey').doNothing())
    .execute()
}

/** Channels that have messages due now. */
export async function channelsWithDueMessages(db: Db, now: Date): Promise<number[]> {
  const rows = await db.selectFrom('notificationOutbox').select('channelId').distinct().where('state', '=', 'pending').where('nextAttemptAt', '<=', now).execute()
  return rows.map((r) => r.channelId)
}

/** A token bucket of `perMinute` tokens, full at first, refilled continuously (no burst above one minute's worth). */
export function bucketTokens(tokens: number | null, at: Date | null, now: Date, perMinute: number): number {
  if (tokens === null || at === null) return perMinute
  return Math.min(perMinute, tokens + (Math.max(0, now.getTime() - at.getTime()) * perMinute) / 60_000)
}

/**
 * Claims up to `limit` due messages of one channel for this process, within the channel's rate:
 * their next attempt moves `leaseMs` ahead (if the process dies, they are due again then) and
 * their attempts count up. The rate bucket is on the channel row and is taken under its lock, so
 * all processes together keep to the channel's rate; SKIP LOCKED lets them claim messages at once
 * without waiting for or taking each other's.
 */
export async function claimDue(db: Db, channelId: number, now: Date, leaseMs: number, limit: number): Promise<NotificationOutboxRow[]> {
  if (limit <= 0) return []
  return db.transaction().execute(async (trx) => {
    const channel = await trx
      .selectFrom('notificationChannel')
      .select(['ratePerMinute', 'rateTokens', 'rateTokensAt'])
      .where('id', '=', channelId)
      .forUpdate()
      .executeTakeFirst()
    if (!channel) return []
    const tokens = bucketTokens(channel.rateTokens, channel.rateTokensAt, now, channel.ratePerMinute)
    const allowed = Math.min(limit, Math.floor(tokens))
    if (allowed <= 0) return []
    const rows = await trx
      .updateTable('notificationOutbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), nextAttemptAt: new Date(now.getTime() + leaseMs) }))
      .where(
        'id',
        'in',
        trx
          .selectFrom('notificationOutbox')
          .select('id')
          .where('state', '=', 'pending')
          .where('channelId', '=', channelId)
          .where('nextAttemptAt', '<=', now)
          .orderBy('nextAttemptAt')
          .orderBy('id')
          .limit(allowed)
          .forUpdate()
          .skipLocked(),
      )
      .where('state', '=', 'pending')
      .returningAll()
      .execute()
    if (rows.length) await trx.updateTable('notificationChannel').set({ rateTokens: tokens - rows.length, rateTokensAt: now }).where('id', '=', channelId).execute()
    return rows
  })
}

/** Marks a claimed message sent, if this attempt still holds it, and records the delivery. */
export async function markSent(db: Db, row: Pick<NotificationOutboxRow, 'id' | 'attempts' | 'alertId'>, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('notificationOutbox').set({ state: 'sent', sentAt: now, lastError: null }).where('id', '=', row.id).where('attempts', '=', row.attempts).where('state', '=', 'pending').executeTakeFirst()
    if (Number(r.numUpdatedRows) !== 1) return false
    await recordDelivery(trx, row, 'sent', null, now)
    return true
  })
}

/** Records a failed attempt: due again at `retryAt`, or dead when `dead`; and the delivery. */
export async function markFailed(db: Db, row: Pick<NotificationOutboxRow, 'id' | 'attempts' | 'alertId'>, failure: { error: string; retryAt: Date; dead: boolean; now: Date }): Promise<boolean> {
  const error = failure.error.slice(0, 1000)
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('notificationOutbox')
      .set({ state: failure.dead ? 'dead' : 'pending', lastError: error, nextAttemptAt: failure.retryAt })
      .where('id', '=', row.id)
      .where('attempts', '=', row.attempts)
      .where('state', '=', 'pending')
      .executeTakeFirst()
    if (Number(r.numUpdatedRows) !== 1) return false
    await recordDelivery(trx, row, failure.dead ? 'dead' : 'retry', error, failure.now)
    return true
  })
}

function recordDelivery(db: Db, row: Pick<NotificationOutboxRow, 'id' | 'attempts' | 'alertId'>, outcome: DeliveryOutcome, error: string | null, at: Date) {
  return db.insertInto('notificationDelivery').values({ outboxId: row.id, alertId: row.alertId, attempt: row.attempts, outcome, error, at }).execute()
}

/** The deliveries of a case's member alerts, oldest first (the case timeline's 通知 entries). */
export function caseDeliveries(db: Db, caseId: number, limit = 500) {
  return db
    .selectFrom('notificationDelivery as d')
    .innerJoin('alert as a', 'a.id', 'd.alertId')
    .innerJoin('notificationOutbox as o', 'o.id', 'd.outboxId')
    .innerJoin('notificationChannel as c', 'c.id', 'o.channelId')
    .select(['d.id', 'd.alertId', 'd.attempt', 'd.outcome', 'd.error', 'd.at', 'c.name as channelName', 'c.kind as channelKind', 'o.message'])
    .where('a.caseId', '=', caseId)
    .orderBy('d.id')
    .limit(limit)
    .execute()
}

export interface OutboxQuery {
  state?: 'pending' | 'sent' | 'dead'
  alertId?: number
  limit: number
}

export function listOutbox(db: Db, q: OutboxQuery): Promise<Array<NotificationOutboxRow & { channelName: string }>> {
  let query = db
    .selectFrom('notificationOutbox')
    .innerJoin('notificationChannel', 'notificationChannel.id', 'notificationOutbox.channelId')
    .selectAll('notificationOutbox')
    .select('notificationChannel.name as channelName')
    .orderBy('notificationOutbox.id', 'desc')
    .limit(q.limit)
  if (q.state) query = query.where('notificationOutbox.state', '=', q.state)
  if (q.alertId !== undefined) query = query.where('notificationOutbox.alertId', '=', q.alertId)
  return query.execute()
}

export const findOutbox = (db: Db, id: number): Promise<NotificationOutboxRow | undefined> =>
  db.selectFrom('notificationOutbox').selectAll().where('id', '=', id).executeTakeFirst()

/** A dead letter sent again: pending, due now, with a fresh count of attempts. */
export async function requeueDead(db: Db, id: number, now: Date): Promise<NotificationOutboxRow | undefined> {
  return db.updateTable('notificationOutbox').set({ state: 'pending', attempts: 0, nextAttemptAt: now }).where('id', '=', id).where('state', '=', 'dead').returningAll().executeTakeFirst()
}

export async function outboxCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db.selectFrom('notificationOutbox').select(['state', sql<number>`count(*)`.as('n')]).groupBy('state').execute()
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]))
}

/** The soonest due time of a pending message (the worker sleeps until then). */
export async function nextDue(db: Db): Promise<Date | null> {
  const r = await db.selectFrom('notificationOutbox').select((eb) => eb.fn.min('nextAttemptAt').as('at')).where('state', '=', 'pending').executeTakeFirst()
  return r?.at ? new Date(r.at as unknown as string) : null
}
