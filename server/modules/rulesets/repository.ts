import type { Db } from '../../../db/connect.ts'
import type { RulesetVersion } from '../../../db/schema.ts'

export type RulesetStatus = 'draft' | 'published' | 'retired'

export function statusOf(v: Pick<RulesetVersion, 'live' | 'publishedAt'>): RulesetStatus {
  if (v.live) return 'published'
  return v.publishedAt ? 'retired' : 'draft'
}

const SUMMARY = ['id', 'comment', 'basedOn', 'createdBy', 'createdAt', 'live', 'publishedAt', 'publishedBy', 'publishComment'] as const

export async function listVersions(db: Db) {
  return db.selectFrom('rulesetVersion').select(SUMMARY).orderBy('id', 'desc').execute()
}

export async function findVersion(db: Db, id: number): Promise<RulesetVersion | undefined> {
  return db.selectFrom('rulesetVersion').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findLiveVersion(db: Db): Promise<RulesetVersion | undefined> {
  return db.selectFrom('rulesetVersion').selectAll().where('live', '=', true).executeTakeFirst()
}

export async function insertVersion(db: Db, input: { document: unknown; comment: string | null; basedOn: number | null; createdBy: string }): Promise<RulesetVersion> {
  return db
    .insertInto('rulesetVersion')
    .values({ document: JSON.stringify(input.document), comment: input.comment, basedOn: input.basedOn, createdBy: input.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Makes `id` the live version. Call inside a transaction: the old live one retires in the same step. */
export async function markLive(db: Db, id: number, by: string, comment: string | null, now: Date): Promise<void> {
  await db.updateTable('rulesetVersion').set({ live: false }).where('live', '=', true).execute()
  await db.updateTable('rulesetVersion').set({ live: true, publishedAt: now, publishedBy: by, publishComment: comment }).where('id', '=', id).execute()
}
