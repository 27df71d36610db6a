import type { Db } from '../../../db/connect.ts'
import type { AuditTable } from '../../../db/schema.ts'

export interface AuditEntry {
  actor: string
  actorKind: AuditTable['actorKind']
  action: string
  target?: string | null
  from?: unknown
  to?: unknown
  note?: string | null
  ip?: string | null
}

/** Every write leaves a row: who, when, what, from where. Runs in the caller's transaction. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await recordAudits(db, [entry])
}

/** Several audit rows in one statement per thousand (the engine records an alert change per decision). */
export async function recordAudits(db: Db, entries: readonly AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    await db
      .insertInto('audit')
      .values(
        entries.slice(i, i + 1000).map((entry) => ({
          actor: entry.actor,
          actorKind: entry.actorKind,
          action: entry.action,
          target: entry.target ?? null,
          fromValue: entry.from === undefined ? null : JSON.stringify(entry.from),
          toValue: entry.to === undefined ? null : JSON.stringify(entry.to),
          note: entry.note ?? null,
          ip: entry.ip ?? null,
        })),
      )
      .execute()
  }
}

export interface AuditQuery {
  actor?: string
  /** Exact action, or a prefix when it ends with `*` (`user.*`). */
  action?: string
  target?: string
  from?: Date
  to?: Date
  /** Rows older than this id (the previous page's last). */
  beforeId?: number
  limit: number
}

export interface AuditItem {
  id: number
  at: Date
  actor: string
  actorKind: AuditTable['actorKind']
  action: string
  target: string | null
  from: unknown
  to: unknown
  note: string | null
  ip: string | null
}

/** Newest first (by id: the order rows were written), one page plus whether more follow. */
export async function listAudit(db: Db, q: AuditQuery): Promise<{ items: AuditItem[]; more: boolean }> {
  let query = db.selectFrom('audit').selectAll()
  if (q.actor !== undefined) query = query.where('actor', '=', q.actor)
  if (q.action !== undefined) {
    query = q.action.endsWith('*')
      ? query.where('action', 'like', `${q.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      : query.where('action', '=', q.action)
  }
  if (q.target !== undefined) query = query.where('target', '=', q.target)
  if (q.from !== undefined) query = query.where('at', '>=', q.from)
  if (q.to !== undefined) query = query.where('at', '<', q.to)
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId)
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute()
  const items = rows.slice(0, q.limit).map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    actorKind: r.actorKind,
    action: r.action,
    target: r.target,
    from: r.fromValue,
    to: r.toValue,
    note: r.note,
    ip: r.ip,
  }))
  return { items, more: rows.length > q.limit }
}
