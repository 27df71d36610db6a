import { sql } from 'kysely'
import type { Db } from '../../../db/connect.ts'

/** The cheapest round trip: resolves when the database answers, rejects when it cannot be reached. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db)
}
