import { sql } from 'kysely'
import type { Db } from '../../../db/connect.ts'
import type { CodeEntry, CodeKind } from '../../domain/code-tables.ts'

export interface CodeEntryRow extends CodeEntry {
  updatedAt: Date
  updatedBy: string | null
}

const COLUMNS = ['kind', 'source', 'code', 'labelZh', 'labelEn', 'synonyms', 'sort', 'retiredAt', 'updatedAt', 'updatedBy'] as const

export async function listCodeEntries(db: Db): Promise<CodeEntryRow[]> {
  const rows = await db.selectFrom('codeEntry').select(COLUMNS).orderBy('kind').orderBy('source').orderBy('sort').orderBy('code').execute()
  return rows.map((r) => ({ ...r, kind: r.kind as CodeKind }))
}

/** What changes when any process writes the table: the cache compares it to reload only then. */
export async function codeTableStamp(db: Db): Promise<string> {
  const r = await sql<{ stamp: string }>`select count(*) || ':' || coalesce(max(updated_at)::text, '') as stamp from code_entry`.execute(db)
  return r.rows[0]?.stamp ?? ''
}

/**
 * Serialises writers of the table (all processes): a synonym checked against the table must still
 * be free when it is stored. Readers are not blocked.
 */
export async function lockCodeTable(db: Db): Promise<void> {
  await sql`lock table code_entry in exclusive mode`.execute(db)
}

export async function insertCodeEntry(db: Db, e: CodeEntry, by: string, now: Date): Promise<void> {
  await db
    .insertInto('codeEntry')
    .values({ kind: e.kind, source: e.source, code: e.code, labelZh: e.labelZh, labelEn: e.labelEn, synonyms: e.synonyms, sort: e.sort, retiredAt: e.retiredAt, updatedAt: now, updatedBy: by })
    .execute()
}

export async function updateCodeEntry(db: Db, e: CodeEntry, by: string, now: Date): Promise<void> {
  await db
    .updateTable('codeEntry')
    .set({ labelZh: e.labelZh, labelEn: e.labelEn, synonyms: e.synonyms, sort: e.sort, retiredAt: e.retiredAt, updatedAt: now, updatedBy: by })
    .where('kind', '=', e.kind)
    .where('source', '=', e.source)
    .where('code', '=', e.code)
    .execute()
}
