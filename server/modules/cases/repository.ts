// Case tables (docs/architecture.md §6, "Cases"): alert_case and its members in alert. Every
// write here runs inside an alert transaction (the alerts service holds the alert write lock).

import { type Insertable, sql } from 'kysely'
import type { Db } from '../../../db/connect.ts'
import type { AlertCaseRow, AlertCaseTable, AlertLevel, AlertRow, AlertStateName, CaseEventSnapshot } from '../../../db/schema.ts'
import { HANDLING_STATES } from '#contract/alerts.ts'
import type { CaseJson } from './schema.ts'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export function toCaseJson(row: AlertCaseRow, townshipName: string, alertIds: readonly number[]): CaseJson {
  return {
    id: row.id,
    township: { code: row.township, name: townshipName },
    level: row.level,
    status: row.status,
    escalated: row.escalated,
    ackEscalatedAt: iso(row.ackEscalatedAt),
    openedAt: row.openedAt.toISOString(),
    lastAlertAt: row.lastAlertAt.toISOString(),
    ackDeadline: iso(row.ackDeadline),
    deadline: iso(row.deadline),
    department: row.department,
    leadOfficial: row.leadOfficial,
    acknowledgedAt: iso(row.acknowledgedAt),
    resolvedAt: iso(row.resolvedAt),
    closedAt: iso(row.closedAt),
    alertCount: row.alertCount,
    alertIds: [...alertIds],
    event: row.event,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
  }
}

/** Cases still taking members (being handled) in these townships. */
export async function openCasesIn(db: Db, townships: readonly string[]): Promise<AlertCaseRow[]> {
  if (!townships.length) return []
  return db
    .selectFrom('alertCase')
    .selectAll()
    .where('township', 'in', [...townships])
    .where('status', 'in', [...HANDLING_STATES])
    .orderBy('openedAt', 'desc')
    .execute()
}

export type NewCase = Omit<Insertable<AlertCaseTable>, 'eventIds' | 'event'> & { eventIds: number[]; event: CaseEventSnapshot | null }

export async function insertCase(db: Db, values: NewCase): Promise<AlertCaseRow> {
  return db
    .insertInto('alertCase')
    .values({ ...values, eventIds: JSON.stringify(values.eventIds), event: JSON.stringify(values.event) })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function setAlertCase(db: Db, alertId: number, caseId: number, ackDeadline: Date | null): Promise<void> {
  await db.updateTable('alert').set({ caseId, ackDeadline }).where('id', '=', alertId).execute()
}

export async function findCase(db: Db, id: number): Promise<AlertCaseRow | undefined> {
  return db.selectFrom('alertCase').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function casesByIds(db: Db, ids: readonly number[]): Promise<AlertCaseRow[]> {
  if (!ids.length) return []
  return db.selectFrom('alertCase').selectAll().where('id', 'in', [...ids]).execute()
}

/** The member alerts of these cases, oldest first. */
export async function membersOf(db: Db, caseIds: readonly number[]): Promise<Map<number, AlertRow[]>> {
  const out = new Map<number, AlertRow[]>()
  if (!caseIds.length) return out
  const rows = await db.selectFrom('alert').selectAll().where('caseId', 'in', [...caseIds]).orderBy('id').execute()
  for (const r of rows) {
    const list = out.get(r.caseId!)
    if (list) list.push(r)
    else out.set(r.caseId!, [r])
  }
  return out
}

export type CaseSummaryFields = Pick<
  AlertCaseRow,
  'level' | 'status' | 'escalated' | 'lastAlertAt' | 'ackDeadline' | 'deadline' | 'department' | 'leadOfficial' | 'acknowledgedAt' | 'resolvedAt' | 'closedAt' | 'alertCount'
> & { eventIds: number[] }

export async function saveCaseSummary(db: Db, id: number, fields: CaseSummaryFields, now: Date): Promise<AlertCaseRow> {
  return db
    .updateTable('alertCase')
    .set((eb) => ({ ...fields, eventIds: JSON.stringify(fields.eventIds), version: eb('version', '+', 1), updatedAt: now }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** The masked snapshots of these events (what happened; never parties, title or summary). */
export async function maskedEvents(db: Db, ids: readonly number[]): Promise<Map<number, CaseEventSnapshot>> {
  const out = new Map<number, CaseEventSnapshot>()
  if (!ids.length) return out
  const rows = await db
    .selectFrom('event')
    .select(['id', 'source', 'category', 'peopleCount', 'severity', 'village', 'occurredAt'])
    .where('id', 'in', [...ids])
    .execute()
  for (const r of rows) out.set(Number(r.id), { id: Number(r.id), source: r.source, category: r.category, peopleCount: r.peopleCount, severity: r.severity, village: r.village, occurredAt: r.occurredAt.toISOString() })
  return out
}

/** Cases past their acknowledgement deadline, not signed for and not escalated, earliest first. */
export async function ackOverdueCases(db: Db, now: Date, limit: number): Promise<AlertCaseRow[]> {
  return db
    .selectFrom('alertCase')
    .selectAll()
    .where('status', '=', 'new')
    .where('escalated', '=', false)
    .where('ackDeadline', '<=', now)
    .orderBy('ackDeadline')
    .limit(limit)
    .execute()
}

/**
 * Claims a case's deadline escalation: true for exactly one caller, whichever process and
 * however often the scan runs, since the row only matches once (unsigned, unescalated, unclaimed).
 * The members' escalation then makes the case escalated (summarised from them).
 */
export async function claimAckEscalation(db: Db, id: number, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('alertCase')
    .set({ ackEscalatedAt: now })
    .where('id', '=', id)
    .where('status', '=', 'new')
    .where('escalated', '=', false)
    .where('ackEscalatedAt', 'is', null)
    .where('ackDeadline', '<=', now)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

/** Unsigned cases whose deadline escalation fired and which have steps left, earliest deadline first. */
export async function stepCandidates(db: Db, now: Date, steps: number, firstAfterMs: number, limit: number): Promise<AlertCaseRow[]> {
  return db
    .selectFrom('alertCase')
    .selectAll()
    .where('status', '=', 'new')
    .where('ackEscalatedAt', 'is not', null)
    .where('escalationStep', '<', steps)
    .where('ackDeadline', '<=', new Date(now.getTime() - firstAfterMs))
    .orderBy('ackDeadline')
    .limit(limit)
    .execute()
}

/**
 * Claims escalation step `step` of a case: true for exactly one caller, since the row matches
 * only while the step before it is the last one fired and the case is still unsigned.
 */
export async function claimEscalationStep(db: Db, id: number, step: number, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('alertCase')
    .set({ escalationStep: step, escalationStepAt: now })
    .where('id', '=', id)
    .where('status', '=', 'new')
    .where('ackEscalatedAt', 'is not', null)
    .where('escalationStep', '=', step - 1)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export interface CaseFilter {
  statuses?: Array<AlertStateName | 'open'>
  levels?: AlertLevel[]
  township?: string
  escalated?: boolean
  overdue?: boolean
  now: Date
  cursor?: { rank: number; id: number }
  limit: number
}

export async function listCases(db: Db, filter: CaseFilter): Promise<{ rows: Array<AlertCaseRow & { townshipName: string }>; next: { rank: number; id: number } | null }> {
  let q = db.selectFrom('alertCase as c').innerJoin('region as r', 'r.code', 'c.township').selectAll('c').select('r.name as townshipName')
  if (filter.statuses?.length) {
    const statuses = filter.statuses
    q = q.where((eb) => {
      const named = statuses.filter((s): s is AlertStateName => s !== 'open')
      const ors = []
      if (statuses.includes('open')) ors.push(eb('c.status', '<>', 'closed'))
      if (named.length) ors.push(eb('c.status', 'in', named))
      return eb.or(ors)
    })
  }
  if (filter.levels?.length) q = q.where('c.level', 'in', filter.levels)
  if (filter.township) q = q.where('c.township', '=', filter.township)
  if (filter.escalated !== undefined) q = q.where('c.escalated', '=', filter.escalated)
  if (filter.overdue) {
    const now = filter.now
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('c.status', '=', 'new'), eb('c.ackDeadline', '<=', now)]),
        eb.and([eb('c.status', 'in', [...HANDLING_STATES]), eb('c.deadline', '<=', now)]),
      ]),
    )
  }
  if (filter.cursor) {
    const { rank, id } = filter.cursor
    q = q.where((eb) => eb.or([eb('c.levelRank', '<', rank), eb.and([eb('c.levelRank', '=', rank), eb('c.id', '<', id)])]))
  }
  const rows = await q.orderBy('c.levelRank', 'desc').orderBy('c.id', 'desc').limit(filter.limit + 1).execute()
  const page = rows.slice(0, filter.limit)
  const last = page.at(-1)
  return { rows: page, next: rows.length > filter.limit && last ? { rank: last.levelRank, id: last.id } : null }
}

/** The alert ids of each case, oldest first. */
export async function memberIds(db: Db, caseIds: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>()
  if (!caseIds.length) return out
  const rows = await db.selectFrom('alert').select(['id', 'caseId']).where('caseId', 'in', [...caseIds]).orderBy('id').execute()
  for (const r of rows) {
    const list = out.get(r.caseId!)
    if (list) list.push(r.id)
    else out.set(r.caseId!, [r.id])
  }
  return out
}

/** Every change of the case's member alerts, in seq order (the case's timeline). */
export async function caseTimeline(db: Db, caseId: number, limit = 1000) {
  return db
    .selectFrom('alertChange as ch')
    .innerJoin('alert as a', 'a.id', 'ch.alertId')
    .select(['ch.seq', 'ch.alertId', 'ch.at', 'ch.actor', 'ch.action', 'ch.fromState', 'ch.toState', 'ch.note', 'ch.payload'])
    .where('a.caseId', '=', caseId)
    .orderBy('ch.seq')
    .limit(limit)
    .execute()
}

/** The live rule set's document (for the grouping settings and rule names when an alert is raised). */
export async function liveRuleSetDocument(db: Db): Promise<unknown> {
  const row = await db.selectFrom('rulesetVersion').select('document').where('live', '=', true).executeTakeFirst()
  return row?.document ?? null
}

/** Open case counts per level (metrics). */
export async function countOpenCasesByLevel(db: Db): Promise<Array<{ level: AlertLevel; n: number }>> {
  const rows = await db.selectFrom('alertCase').select(['level', sql<number>`count(*)`.as('n')]).where('status', '<>', 'closed').groupBy('level').execute()
  return rows.map((r) => ({ level: r.level, n: Number(r.n) }))
}
