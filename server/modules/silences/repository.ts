import type { Db } from '../../../db/connect.ts'
import type { SilenceMatchers, SilenceRow } from '../../../db/schema.ts'

/** Silences newest first (at most 500): all, only those in force at `now` (active), or only those no longer in force. */
export async function listSilences(db: Db, filter: { active?: boolean; now: Date }): Promise<SilenceRow[]> {
  const { active, now } = filter
  let q = db.selectFrom('silence').selectAll().orderBy('id', 'desc').limit(500)
  if (active === true) q = q.where('revokedAt', 'is', null).where('expiresAt', '>', now)
  if (active === false) q = q.where((eb) => eb.or([eb('revokedAt', 'is not', null), eb('expiresAt', '<=', now)]))
  return q.execute()
}

export async function insertSilence(db: Db, input: { matchers: SilenceMatchers; reason: string; createdBy: string; createdAt: Date; expiresAt: Date }): Promise<SilenceRow> {
  return db
    .insertInto('silence')
    .values({ ...input, matchers: JSON.stringify(input.matchers) })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A silence, locked for the rest of the transaction. */
export async function findSilenceForUpdate(db: Db, id: number): Promise<SilenceRow | undefined> {
  return db.selectFrom('silence').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
}

export async function revokeSilence(db: Db, id: number, revokedBy: string, now: Date): Promise<SilenceRow> {
  return db.updateTable('silence').set({ revokedAt: now, revokedBy }).where('id', '=', id).returningAll().executeTakeFirstOrThrow()
}
