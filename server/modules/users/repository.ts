import type { Db } from '../../../db/connect.ts'
import type { AppUser, Role } from '../../../db/schema.ts'
import { hashPassword } from '../../access/secrets.ts'

export async function findUserByUsername(db: Db, username: string): Promise<AppUser | undefined> {
  return db.selectFrom('appUser').selectAll().where('username', '=', username).executeTakeFirst()
}

export async function createUser(
  db: Db,
  input: { username: string; roles: Role[]; township?: string | null; displayName?: string | null; demo?: boolean } & ({ password: string } | { passwordHash: string }),
): Promise<AppUser> {
  // Callers inside a transaction hash first (argon2 takes a while; PGlite waits meanwhile).
  const passwordHash = 'passwordHash' in input ? input.passwordHash : await hashPassword(input.password)
  return db
    .insertInto('appUser')
    .values({
      username: input.username,
      passwordHash,
      roles: input.roles,
      township: input.township ?? null,
      displayName: input.displayName ?? null,
      demo: input.demo ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('appUser').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return row.n
}

/** A person's account as the admin API shows it: never the password hash. */
export type UserView = Omit<AppUser, 'passwordHash'>

const VIEW_COLUMNS = ['id', 'username', 'displayName', 'roles', 'township', 'disabled', 'demo', 'failedLogins', 'lockedUntil', 'createdAt', 'updatedAt'] as const

/** People only: a paired wall display's system user is listed under kiosks, not here. */
function people(db: Db) {
  return db.selectFrom('appUser as u').where((eb) => eb.not(eb.exists(eb.selectFrom('kiosk as k').select('k.id').whereRef('k.userId', '=', 'u.id'))))
}

export async function listUsers(db: Db): Promise<UserView[]> {
  return people(db).select(VIEW_COLUMNS.map((c) => `u.${c}` as const)).orderBy('u.username').execute()
}

export async function findPersonById(db: Db, id: number): Promise<UserView | undefined> {
  return people(db).where('u.id', '=', id).select(VIEW_COLUMNS.map((c) => `u.${c}` as const)).executeTakeFirst()
}

export interface UserChanges {
  roles?: Role[]
  township?: string | null
  displayName?: string | null
  disabled?: boolean
  /** A new password, hashed by the caller (hashPassword) before its transaction. */
  passwordHash?: string
}

export async function updateUser(db: Db, id: number, changes: UserChanges, now: Date): Promise<UserView> {
  const { passwordHash, ...rest } = changes
  return db
    .updateTable('appUser')
    .set({
      ...rest,
      // A new password lifts a lock (a fresh start) and a demo account's published password.
      ...(passwordHash !== undefined ? { passwordHash, failedLogins: 0, lockedUntil: null, demo: false } : {}),
      updatedAt: now,
    })
    .where('id', '=', id)
    .returning([...VIEW_COLUMNS])
    .executeTakeFirstOrThrow()
}

/** Enabled administrators, locked against concurrent changes (call inside a transaction). */
export async function lockEnabledAdmins(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('appUser')
    .where('disabled', '=', false)
    .where((eb) => eb(eb.val('admin'), '=', eb.fn.any('roles')))
    .select('id')
    .forUpdate()
    .execute()
  return rows.map((r) => r.id)
}

export async function townshipExists(db: Db, code: string): Promise<boolean> {
  const row = await db.selectFrom('region').where('code', '=', code).where('level', '=', 'township').select('code').executeTakeFirst()
  return row !== undefined
}

/** Counts a failed sign-in and returns the new consecutive count. */
export async function recordFailedLogin(db: Db, userId: number): Promise<number> {
  const row = await db
    .updateTable('appUser')
    .set((eb) => ({ failedLogins: eb('failedLogins', '+', 1) }))
    .where('id', '=', userId)
    .returning('failedLogins')
    .executeTakeFirstOrThrow()
  return row.failedLogins
}

export async function lockUser(db: Db, userId: number, until: Date): Promise<void> {
  await db.updateTable('appUser').set({ lockedUntil: until }).where('id', '=', userId).execute()
}

export async function clearFailedLogins(db: Db, userId: number): Promise<void> {
  await db.updateTable('appUser').set({ failedLogins: 0, lockedUntil: null }).where('id', '=', userId).execute()
}

/** Usernames of the demo accounts still on their published passwords, alphabetically. */
export async function demoUsernames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('appUser').where('demo', '=', true).select('username').orderBy('username').execute()
  return rows.map((r) => r.username)
}
