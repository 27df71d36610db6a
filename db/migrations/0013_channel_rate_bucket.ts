import type { Kysely } from 'kysely'

// A channel's rate limit is one token bucket for all server processes (docs/architecture.md §6,
// "Delivery"): a robot that allows 20 messages a minute allows them per robot, not per process.
// The bucket lives on the channel row and is taken under the row's lock when messages are claimed.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notification_channel').addColumn('rate_tokens', 'double precision').execute()
  await db.schema.alterTable('notification_channel').addColumn('rate_tokens_at', 'timestamptz').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notification_channel').dropColumn('rate_tokens_at').execute()
  await db.schema.alterTable('notification_channel').dropColumn('rate_tokens').execute()
}
