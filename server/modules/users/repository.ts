import type { Db } from '../../../db/connect.ts'
import type { AppUser, Role } from '../../../db/schema.ts'
import { hashPassword } from '../../access/secrets.ts'

export async function findUserByUsername(db: Db, username: string): Promise<AppUser | undefined> {
  return db.selectFrom('appUser').selectAll().where('username', '=', username).executeTakeFirst()
}

export async function createUser(
  db: Db,
  input: { username: string; password: string; roles: Role[]; township?: string | null; displayName?: string | null; demo?: boolean },
): Promise<AppUser> {
  return db
    .insertInto('appUser')
    .values({
      username: input.username,
      passwordHash: await hashPassword(input.password),
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
