import type { Db } from '../../../db/connect.ts'
import type { Feed } from '../../../db/schema.ts'
import { newToken, tokenHash } from '../../access/secrets.ts'

export async function findActiveFeedByToken(db: Db, token: string): Promise<Pick<Feed, 'id' | 'name' | 'lastUsedAt'> | undefined> {
  return db
    .selectFrom('feed')
    .where('tokenHash', '=', tokenHash(token))
    .where('revokedAt', 'is', null)
    .select(['id', 'name', 'lastUsedAt'])
    .executeTakeFirst()
}

/** Creates a feed; the token is returned once and only its hash is kept. */
export async function createFeed(db: Db, input: { name: string; description?: string | null; createdBy: string; token?: string }): Promise<{ feed: Feed; token: string }> {
  const token = input.token ?? newToken()
  const feed = await db
    .insertInto('feed')
    .values({ name: input.name, description: input.description ?? null, tokenHash: tokenHash(token), createdBy: input.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow()
  return { feed, token }
}

export async function touchFeed(db: Db, feedId: number, now: Date): Promise<void> {
  await db.updateTable('feed').set({ lastUsedAt: now }).where('id', '=', feedId).execute()
}

export async function countFeeds(db: Db): Promise<number> {
  const row = await db.selectFrom('feed').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return row.n
}
