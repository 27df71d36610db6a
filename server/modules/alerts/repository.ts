import { type Insertable, sql } from 'kysely'
import type { Db } from '../../../db/connect.ts'
import type {
  AlertChangeRow,
  AlertChangeTable,
  AlertLevel,
  AlertRow,
  AlertStateName,
  AlertTable,
  LastEventSnapshot,
  SilenceMatchers,
  SilenceRow,
} from '../../../db/schema.ts'
import type { Alert } from './schema.ts'

/**
 * Every transaction that changes alerts takes this lock first (transaction-scoped, so it is
 * released by commit or rollback). It makes `alert_change.seq` allocation follow commit order:
 * a client that has seen seq N can never later find an N-1 that committed after it, which is
 * what makes "replay everything after my offset" gap-free. Alerts are rare; serialising their
 * writes costs nothing measurable.
 */
const ALERT_WRITE_LOCK = 0x5357_4131 // 'SWA1'

export async function lockAlertWrites(trx: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(${ALERT_WRITE_LOCK})`.execute(trx)
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** Names of townships, looked up once per operation (`known`: names in memory, tried first). */
export function townshipNames(db: Db, known?: (code: string) => string | undefined): (code: string) => Promise<string> {
  const cache = new Map<string, string>()
  return async (code) => {
    let name = cache.get(code) ?? known?.(code)
    if (name === undefined) {
      const row = await db.selectFrom('region').select('name').where('code', '=', code).executeTakeFirst()
      name = row?.name ?? code
      cache.set(code, name)
    }
    return name
  }
}

export function toAlertJson(row: AlertRow, townshipName: string): Alert {
  return {
    id: row.id,
    key: row.key,
    township: { code: row.township, name: townshipName },
    ruleId: row.ruleId,
    level: row.level,
    state: row.state,
    escalated: row.escalated,
    recovered: row.recovered,
    recoveredAt: iso(row.recoveredAt),
    count: row.count,
    reason: row.reason,
    raisedAt: row.raisedAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    deadline: iso(row.deadline),
    department: row.department,
    leadOfficial: row.leadOfficial,
    resolution: row.resolution,
    followUp: row.followUp,
    satisfaction: row.satisfaction,
    resolvedAt: iso(row.resolvedAt),
    closedAt: iso(row.closedAt),
    lastEvent: row.lastEvent,
    suppressed: row.suppressed,
    silenceId: row.silenceId,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
    caseId: row.caseId,
    ackDeadline: iso(row.ackDeadline),
    ruleName: row.ruleName,
  }
}

export async function findAlert(db: Db, id: number): Promise<AlertRow | undefined> {
  return db.selectFrom('alert').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The open (not closed) alert of each of these keys that has one. */
export async function openAlertsByKeys(db: Db, keys: readonly string[]): Promise<Map<string, AlertRow>> {
  const out = new Map<string, AlertRow>()
  for (let i = 0; i < keys.length; i += 1000) {
    const rows = await db.selectFrom('alert').selectAll().where('key', 'in', keys.slice(i, i + 1000)).where('state', '<>', 'closed').execute()
    for (const row of rows) out.set(row.key, row)
  }
  return out
}

export async function lastChangeOf(db: Db, alertId: number): Promise<Pick<AlertChangeRow, 'actor' | 'at' | 'action'> | undefined> {
  return db
    .selectFrom('alertChange')
    .select(['actor', 'at', 'action'])
    .where('alertId', '=', alertId)
    .where('action', '<>', 'comment')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export async function timelineOf(db: Db, alertId: number): Promise<AlertChangeRow[]> {
  return db.selectFrom('alertChange').selectAll().where('alertId', '=', alertId).orderBy('seq').execute()
}

export async function maxSeq(db: Db): Promise<number> {
  const row = await db.selectFrom('alertChange').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst()
  return Number(row?.seq ?? 0)
}

/** Pushed alert changes after `offset`, in seq order, only those of `township` when scoped. */
export async function changesSince(db: Db, offset: number, scope: string | null, limit: number): Promise<Array<Pick<AlertChangeRow, 'seq' | 'push' | 'alert' | 'township' | 'casePush' | 'caseJson'>>> {
  let q = db
    .selectFrom('alertChange')
    .select(['seq', 'push', 'alert', 'township', 'casePush', 'caseJson'])
    .where('seq', '>', offset)
    .where('push', 'is not', null)
  if (scope) q = q.where('township', '=', scope)
  return q.orderBy('seq').limit(limit).execute()
}

/** Open, not suppressed alerts (for the snapshot), most urgent first. */
export async function openAlerts(db: Db, scope: string | null): Promise<Alert[]> {
  let q = db
    .selectFrom('alert as a')
    .innerJoin('region as r', 'r.code', 'a.township')
    .selectAll('a')
    .select('r.name as townshipName')
    .where('a.state', '<>', 'closed')
    .where('a.suppressed', '=', false)
  if (scope) q = q.where('a.township', '=', scope)
  const rows = await q.orderBy('a.levelRank', 'desc').orderBy('a.id', 'desc').execute()
  return rows.map((r) => toAlertJson(r, r.townshipName))
}

export interface AlertFilter {
  states?: Array<AlertStateName | 'open'>
  levels?: AlertLevel[]
  township?: string
  suppressed?: 'true' | 'false' | 'only'
  cursor?: { rank: number; id: number }
  limit: number
}

export async function listAlerts(db: Db, filter: AlertFilter): Promise<{ items: Alert[]; next: { rank: number; id: number } | null }> {
  let q = db.selectFrom('alert as a').innerJoin('region as r', 'r.code', 'a.township').selectAll('a').select('r.name as townshipName')
  if (filter.states?.length) {
    const states = filter.states
    q = q.where((eb) => {
      const named = states.filter((s): s is AlertStateName => s !== 'open')
      const ors = []
      if (states.includes('open')) ors.push(eb('a.state', '<>', 'closed'))
      if (named.length) ors.push(eb('a.state', 'in', named))
      return eb.or(ors)
    })
  }
  if (filter.levels?.length) q = q.where('a.level', 'in', filter.levels)
  if (filter.township) q = q.where('a.township', '=', filter.township)
  if (filter.suppressed === 'only') q = q.where('a.suppressed', '=', true)
  else if (filter.suppressed !== 'true') q = q.where('a.suppressed', '=', false)
  if (filter.cursor) {
    const { rank, id } = filter.cursor
    q = q.where((eb) => eb.or([eb('a.levelRank', '<', rank), eb.and([eb('a.levelRank', '=', rank), eb('a.id', '<', id)])]))
  }
  const rows = await q
    .orderBy('a.levelRank', 'desc')
    .orderBy('a.id', 'desc')
    .limit(filter.limit + 1)
    .execute()
  const page = rows.slice(0, filter.limit)
  const last = page.at(-1)
  return {
    items: page.map((r) => toAlertJson(r, r.townshipName)),
    next: rows.length > filter.limit && last ? { rank: last.levelRank, id: last.id } : null,
  }
}

// --- writes ---

/** A new alert; `lastEvent` is stored as JSON (null as the JSON null). */
export type NewAlert = Omit<Insertable<AlertTable>, 'lastEvent'> & { lastEvent: LastEventSnapshot | null }

export async function insertAlert(db: Db, values: NewAlert): Promise<AlertRow> {
  return db
    .insertInto('alert')
    .values({ ...values, lastEvent: JSON.stringify(values.lastEvent) })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Writes what the engine's decisions change on an open alert (count, level, recovery, last event, suppression). */
export async function saveEngineFields(db: Db, row: AlertRow): Promise<void> {
  await db
    .updateTable('alert')
    .set({
      count: row.count,
      lastSeenAt: row.lastSeenAt,
      level: row.level,
      recovered: row.recovered,
      recoveredAt: row.recoveredAt,
      lastEventId: row.lastEventId,
      lastEvent: JSON.stringify(row.lastEvent),
      suppressed: row.suppressed,
      version: row.version,
      updatedAt: row.updatedAt,
    })
    .where('id', '=', row.id)
    .execute()
}

/** The fields a person's action changes (the lifecycle of alert-lifecycle.ts), as columns. */
export type LifecycleFields = Pick<AlertRow, 'state' | 'escalated' | 'deadline' | 'department' | 'leadOfficial' | 'resolution' | 'followUp' | 'satisfaction' | 'resolvedAt' | 'closedAt'>

/**
 * Writes a person's action if the alert is still at `version` (optimistic concurrency: of two
 * officers who saw the same version, exactly one matches); undefined when it is not.
 */
export async function updateLifecycle(db: Db, id: number, version: number, fields: LifecycleFields, now: Date): Promise<AlertRow | undefined> {
  return db
    .updateTable('alert')
    .set((eb) => ({ ...fields, version: eb('version', '+', 1), updatedAt: now }))
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst()
}

/** Open, not yet escalated alerts whose deadline is at or before `now`, earliest deadline first. */
export async function overdueAlerts(db: Db, now: Date, limit: number): Promise<AlertRow[]> {
  return db
    .selectFrom('alert')
    .selectAll()
    .where('state', 'in', ['new', 'acknowledged', 'dispatched'])
    .where('escalated', '=', false)
    .where('deadline', '<=', now)
    .orderBy('deadline')
    .limit(limit)
    .execute()
}

/** Marks the alert escalated if it is still at `version`; undefined when it is not. */
export async function markEscalated(db: Db, id: number, version: number, now: Date): Promise<AlertRow | undefined> {
  return db
    .updateTable('alert')
    .set((eb) => ({ escalated: true, version: eb('version', '+', 1), updatedAt: now }))
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst()
}

/** A new alert_change row; `payload` and `alert` are stored as JSON. */
export type NewAlertChange = Omit<Insertable<AlertChangeTable>, 'seq' | 'payload' | 'alert' | 'caseJson'> & { payload: unknown; alert: Alert; caseJson?: unknown }

/** Inserts alert_change rows in one statement and returns their seqs in the rows' order. */
export async function insertAlertChanges(db: Db, rows: readonly NewAlertChange[]): Promise<number[]> {
  const inserted = await db
    .insertInto('alertChange')
    .values(
      rows.map((r) => ({
        ...r,
        payload: r.payload === undefined || r.payload === null ? null : JSON.stringify(r.payload),
        alert: JSON.stringify(r.alert),
        caseJson: r.caseJson === undefined || r.caseJson === null ? null : JSON.stringify(r.caseJson),
      })),
    )
    .returning('seq')
    .execute()
  // The identity is drawn row by row in VALUES order, so ascending seqs are the rows in order.
  return inserted.map((r) => Number(r.seq)).sort((a, b) => a - b)
}

/** Open (not closed), not suppressed alerts per level (levels without any are absent). */
export async function countOpenByLevel(db: Db): Promise<Array<{ level: AlertLevel; n: number }>> {
  const rows = await db
    .selectFrom('alert')
    .select(['level', (eb) => eb.fn.countAll<number>().as('n')])
    .where('state', '<>', 'closed')
    .where('suppressed', '=', false)
    .groupBy('level')
    .execute()
  return rows.map((r) => ({ level: r.level, n: Number(r.n) }))
}

// --- silences ---

export function silenceActive(s: Pick<SilenceRow, 'revokedAt' | 'expiresAt'>, now: Date): boolean {
  return s.revokedAt === null && s.expiresAt.getTime() > now.getTime()
}

export async function activeSilences(db: Db, now: Date): Promise<SilenceRow[]> {
  return db.selectFrom('silence').selectAll().where('revokedAt', 'is', null).where('expiresAt', '>', now).orderBy('id').execute()
}

export function silenceMatches(m: SilenceMatchers, alert: { township: string; ruleId: string | null; level: string }): boolean {
  if (m.township !== undefined && m.township !== alert.township) return false
  if (m.ruleId !== undefined && m.ruleId !== (alert.ruleId ?? 'level')) return false
  if (m.level !== undefined && m.level !== alert.level) return false
  return true
}
