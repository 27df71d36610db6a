import type { Db } from '../../../db/connect.ts'
import type { Role } from '../../../db/schema.ts'
import { newToken, tokenHash } from '../../access/secrets.ts'

export interface SessionPolicy {
  idleMs: number
  absoluteMs: number
}

/** A person at a desk: signed out after 12 h without activity, at the latest after 7 days. */
export const USER_SESSION: SessionPolicy = { idleMs: 12 * 3600_000, absoluteMs: 7 * 24 * 3600_000 }

// Writing last_seen_at on every request would turn every read into a write.
const TOUCH_INTERVAL_MS = 60_000

export interface ActiveSession {
  id: string
  csrfToken: string
  kioskId: number | null
  userId: number
  username: string
  roles: Role[]
  township: string | null
}

export async function createSession(
  db: Db,
  input: { userId: number; kioskId?: number | null; ip: string | null; userAgent: string | null; policy: SessionPolicy; now: Date },
): Promise<{ token: string; csrfToken: string }> {
  const token = newToken()
  const csrfToken = newToken()
  await db
    .insertInto('session')
    .values({
      id: tokenHash(token),
      userId: input.userId,
      kioskId: input.kioskId ?? null,
      csrfToken,
      createdAt: input.now,
      lastSeenAt: input.now,
      expiresAt: new Date(input.now.getTime() + input.policy.absoluteMs),
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
    })
    .execute()
  return { token, csrfToken }
}

/** The live session behind a cookie value, or undefined when unknown, expired, revoked or its user disabled. */
export async function findActiveSession(db: Db, token: string, idleMs: (kioskId: number | null) => number, now: Date): Promise<ActiveSession | undefined> {
  const row = await db
    .selectFrom('session as s')
    .innerJoin('appUser as u', 'u.id', 's.userId')
    .where('s.id', '=', tokenHash(token))
    .where('s.revokedAt', 'is', null)
    .where('u.disabled', '=', false)
    .select(['s.id', 's.csrfToken', 's.kioskId', 's.lastSeenAt', 's.expiresAt', 'u.id as userId', 'u.username', 'u.roles', 'u.township'])
    .executeTakeFirst()
  if (!row) return undefined
  if (row.expiresAt.getTime() <= now.getTime()) return undefined
  if (now.getTime() - row.lastSeenAt.getTime() > idleMs(row.kioskId)) return undefined
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await db.updateTable('session').set({ lastSeenAt: now }).where('id', '=', row.id).execute()
    if (row.kioskId !== null) await db.updateTable('kiosk').set({ lastUsedAt: now }).where('id', '=', row.kioskId).execute()
  }
  return { id: row.id, csrfToken: row.csrfToken, kioskId: row.kioskId, userId: row.userId, username: row.username, roles: row.roles, township: row.township }
}

export async function revokeSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db.updateTable('session').set({ revokedAt: now }).where('id', '=', sessionId).where('revokedAt', 'is', null).execute()
}

/** Ends every session of a user at once (disable, password change, role change). */
export async function revokeUserSessions(db: Db, userId: number, now: Date): Promise<number> {
  const result = await db.updateTable('session').set({ revokedAt: now }).where('userId', '=', userId).where('revokedAt', 'is', null).executeTakeFirst()
  return Number(result.numUpdatedRows)
}
