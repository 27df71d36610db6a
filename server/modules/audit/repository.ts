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
  await db
    .insertInto('audit')
    .values({
      actor: entry.actor,
      actorKind: entry.actorKind,
      action: entry.action,
      target: entry.target ?? null,
      fromValue: entry.from === undefined ? null : JSON.stringify(entry.from),
      toValue: entry.to === undefined ? null : JSON.stringify(entry.to),
      note: entry.note ?? null,
      ip: entry.ip ?? null,
    })
    .execute()
}
