import type { Db } from '../../../db/connect.ts'
import type { Feed } from '../../../db/schema.ts'
import { newToken, tokenHash } from '../../access/secrets.ts'

/**
 * Several tokens in one query (concurrent requests' look-ups, grouped): per token, its active
 * feed or undefined, in order.
 */
export async function findActiveFeedsByTokens(db: Db, tokens: readonly string[]): Promise<Array<Pick<Feed, 'id' | 'name' | 'lastUsedAt'> | undefined>> {
  const hashes = tokens.map(tokenHash)
  const rows = await db
    .selectFrom('feed')
    .where('tokenHash', 'in', [...new Set(hashes)])
    .where('revokedAt', 'is', null)
    .select(['tokenHash', 'id', 'name', 'lastUsedAt'])
    .execute()
  const byHash = new Map(rows.map(({ tokenHash: hash, ...feed }) => [hash, feed]))
  return hashes.map((h) => byHash.get(h))
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

export type FeedView = Omit<Feed, 'tokenHash'>

const VIEW_COLUMNS = ['id', 'name', 'description', 'createdBy', 'createdAt', 'lastUsedAt', 'revokedAt'] as const

export async function listFeeds(db: Db): Promise<FeedView[]> {
  return db.selectFrom('feed').select(VIEW_COLUMNS).orderBy('id').execute()
}

export async function findFeedById(db: Db, id: number): Promise<FeedView | undefined> {
  return db.selectFrom('feed').select(VIEW_COLUMNS).where('id', '=', id).executeTakeFirst()
}

export async function findFeedByName(db: Db, name: string): Promise<FeedView | undefined> {
  return db.selectFrom('feed').select(VIEW_COLUMNS).where('name', '=', name).executeTakeFirst()
}

/**
 * Revokes a feed's token. Feed look-ups are never cached (each request reads the row), so the
 * very next request with the token is refused. Returns false when it was already revoked.
 */
export async function revokeFeed(db: Db, id: number, now: Date): Promise<boolean> {
  const result = await db.updateTable('feed').set({ revokedAt: now }).where('id', '=', id).where('revokedAt', 'is', null).executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
