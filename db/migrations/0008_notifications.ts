import { type Kysely, sql } from 'kysely'

// Notifications (docs/architecture.md): channels, routes that choose them, the on-call roster,
// and the durable outbox. An outbox row is written in the same transaction as the alert change
// it announces; a worker claims due rows (FOR UPDATE SKIP LOCKED, a lease) and marks each sent or,
// after its channel's maximum attempts, dead. Nothing is deleted: dead letters stay for admins.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_channel')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('webhook', 'wecom', 'dingtalk', 'feishu', 'email', 'sms')`))
    // Kind-specific settings (url, SMTP host, SMS body template …); the secret is kept apart and never returned.
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('rate_per_minute', 'integer', (c) => c.notNull().defaultTo(60))
    .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(8))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('notification_route')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    // {townships?, levels?, rules?, hours?: {from, to}}: an absent key matches anything.
    .addColumn('match', 'jsonb', (c) => c.notNull())
    .addColumn('channels', 'jsonb', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  // 值班表: one row per shift, with its 值班员 and 带班领导.
  await db.schema
    .createTable('duty_shift')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('duty_officer', 'text', (c) => c.notNull())
    .addColumn('shift_leader', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`alter table duty_shift add constraint duty_shift_order check (ends_at > starts_at)`.execute(db)
  await db.schema.createIndex('duty_shift_time_idx').on('duty_shift').columns(['starts_at', 'ends_at']).execute()

  await db.schema
    .createTable('notification_outbox')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('channel_id', 'integer', (c) => c.notNull().references('notification_channel.id'))
    // The receiver de-duplicates by this: a message may be sent more than once (at least once).
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('alert_id', 'integer', (c) => c.references('alert.id'))
    .addColumn('township', 'text')
    // What the message says (township, level, rule, count, deadline, link): never personal data.
    .addColumn('message', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`state in ('pending', 'sent', 'dead')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Due time of the next attempt; a claimed row has it moved forward by the lease.
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute()
  await sql`create index notification_outbox_due_idx on notification_outbox (next_attempt_at) where state = 'pending'`.execute(db)
  await db.schema.createIndex('notification_outbox_alert_idx').on('notification_outbox').columns(['alert_id', 'id']).execute()
  await sql`create index notification_outbox_dead_idx on notification_outbox (id) where state = 'dead'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_outbox').execute()
  await db.schema.dropTable('duty_shift').execute()
  await db.schema.dropTable('notification_route').execute()
  await db.schema.dropTable('notification_channel').execute()
}
