import { sql } from 'kysely'
import type pg from 'pg'
import type { Db } from '../../db/connect.ts'

// The leadership's statements (docs/architecture.md §7). The lock and the
// LISTEN run on the leader's own dedicated connection (a `pg.Client`, not the pool: a session
// advisory lock and a LISTEN belong to one session); NOTIFY runs in the caller's transaction.

/** Takes the session advisory lock if free; true when this session now holds it. */
export async function tryAdvisoryLock(client: pg.Client, key: number): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [key])
  return rows[0]?.ok === true
}

/** Frees every session advisory lock this connection holds. */
export async function unlockAll(client: pg.Client): Promise<void> {
  await client.query('select pg_advisory_unlock_all()')
}

/** LISTENs on the channels (constant identifiers, never outside input). */
export async function listenTo(client: pg.Client, channels: readonly string[]): Promise<void> {
  await client.query(channels.map((c) => `listen ${c}`).join('; '))
}

/** NOTIFY inside the caller's transaction: PostgreSQL delivers it only if, and when, it commits. */
export async function notifyEngine(db: Db, channel: string, payload: string): Promise<void> {
  if (payload) await sql`select pg_notify(${channel}, ${payload})`.execute(db)
}
