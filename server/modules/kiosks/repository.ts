import type { Db } from '../../../db/connect.ts'
import type { Kiosk } from '../../../db/schema.ts'
import { newToken, tokenHash } from '../../access/secrets.ts'
import type { SessionPolicy } from '../session/repository.ts'

/**
 * A paired wall display: read-only, long-lived, revocable. Idle for 30 days or 365 days after
 * pairing, its session ends; the wall then needs a new pairing link.
 */
export const KIOSK_SESSION: SessionPolicy = { idleMs: 30 * 24 * 3600_000, absoluteMs: 365 * 24 * 3600_000 }

/** Not a password hash: argon2 rejects it, so nobody can sign in as a kiosk with a password. */
export const NO_PASSWORD = '!kiosk'

export type KioskView = Omit<Kiosk, 'tokenHash' | 'userId'>

const VIEW_COLUMNS = ['id', 'name', 'createdBy', 'createdAt', 'lastUsedAt', 'revokedAt'] as const

export const kioskUsername = (kioskId: number) => `kiosk:${kioskId}`

/**
 * Creates a kiosk and its own system user (roles: leader, no usable password). Run it in a
 * transaction. The token is returned once; only its hash is kept.
 */
export async function createKiosk(db: Db, input: { name: string; createdBy: string }): Promise<{ kiosk: KioskView; token: string }> {
  const token = newToken()
  const user = await db
    .insertInto('appUser')
    .values({ username: `kiosk:pending:${newToken()}`, displayName: input.name, passwordHash: NO_PASSWORD, roles: ['leader'] })
    .returning('id')
    .executeTakeFirstOrThrow()
  const kiosk = await db
    .insertInto('kiosk')
    .values({ name: input.name, tokenHash: tokenHash(token), userId: user.id, createdBy: input.createdBy })
    .returning(VIEW_COLUMNS)
    .executeTakeFirstOrThrow()
  await db.updateTable('appUser').set({ username: kioskUsername(kiosk.id) }).where('id', '=', user.id).execute()
  return { kiosk, token }
}

export async function listKiosks(db: Db): Promise<KioskView[]> {
  return db.selectFrom('kiosk').select(VIEW_COLUMNS).orderBy('id').execute()
}

export async function findKioskById(db: Db, id: number): Promise<(KioskView & { userId: number }) | undefined> {
  return db.selectFrom('kiosk').select([...VIEW_COLUMNS, 'userId']).where('id', '=', id).executeTakeFirst()
}

export async function findActiveKioskByToken(db: Db, token: string): Promise<{ id: number; name: string; userId: number } | undefined> {
  return db
    .selectFrom('kiosk')
    .where('tokenHash', '=', tokenHash(token))
    .where('revokedAt', 'is', null)
    .select(['id', 'name', 'userId'])
    .executeTakeFirst()
}

export async function touchKiosk(db: Db, id: number, now: Date): Promise<void> {
  await db.updateTable('kiosk').set({ lastUsedAt: now }).where('id', '=', id).execute()
}

/**
 * Revokes a kiosk: its token stops pairing, its sessions end and its system user is disabled
 * (belt and braces: a disabled user's sessions are refused too). Run it in a transaction.
 */
export async function revokeKiosk(db: Db, id: number, now: Date): Promise<{ revoked: boolean; sessionsEnded: number }> {
  const row = await db
    .updateTable('kiosk')
    .set({ revokedAt: now })
    .where('id', '=', id)
    .where('revokedAt', 'is', null)
    .returning('userId')
    .executeTakeFirst()
  if (!row) return { revoked: false, sessionsEnded: 0 }
  await db.updateTable('appUser').set({ disabled: true, updatedAt: now }).where('id', '=', row.userId).execute()
  const ended = await db.updateTable('session').set({ revokedAt: now }).where('kioskId', '=', id).where('revokedAt', 'is', null).executeTakeFirst()
  return { revoked: true, sessionsEnded: Number(ended.numUpdatedRows) }
}
