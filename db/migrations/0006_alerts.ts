import { type Kysely, sql } from 'kysely'

// Alerts (docs/architecture.md §6) and their history. Nothing here is ever deleted: an alert ends `closed`, a
// silence ends revoked or expired, and every change of an alert is one `alert_change` row whose
// identity column is the persisted, monotonically increasing `seq` of the realtime contract (§7).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('silence')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    // {township?, ruleId?, level?}: an absent key matches anything.
    .addColumn('matchers', 'jsonb', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'text')
    .execute()

  await db.schema
    .createTable('alert')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    // `${township}|${ruleId ?? 'level'}`
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('township', 'text', (c) => c.notNull().references('region.code'))
    .addColumn('rule_id', 'text')
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('yellow', 'orange', 'red')`))
    // For "most urgent first" ordering and keyset pagination.
    .addColumn('level_rank', 'smallint', (c) =>
      c.notNull().generatedAlwaysAs(sql`case level when 'red' then 3 when 'orange' then 2 else 1 end`).stored(),
    )
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('new').check(sql`state in ('new', 'acknowledged', 'dispatched', 'resolved', 'closed')`))
    .addColumn('escalated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('recovered', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('recovered_at', 'timestamptz')
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('reason', 'text')
    .addColumn('raised_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('deadline', 'timestamptz')
    .addColumn('department', 'text')
    .addColumn('lead_official', 'text')
    .addColumn('resolution', 'text')
    .addColumn('follow_up', 'text')
    .addColumn('satisfaction', 'text', (c) => c.check(sql`satisfaction in ('satisfied', 'basically_satisfied', 'dissatisfied')`))
    // The event table belongs to ingest: no foreign key, a snapshot instead.
    .addColumn('last_event_id', 'bigint')
    .addColumn('last_event', 'jsonb')
    .addColumn('suppressed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('silence_id', 'integer', (c) => c.references('silence.id'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // For 办结率 / 按期办结率 (resolved, and resolved by the deadline).
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .execute()
  // The guarantee behind "one open alert per key": even a race between two writers cannot make two.
  await sql`create unique index alert_one_open_per_key on alert (key) where state <> 'closed'`.execute(db)
  await sql`create index alert_queue_idx on alert (level_rank desc, id desc)`.execute(db)
  await sql`create index alert_township_idx on alert (township, level_rank desc, id desc)`.execute(db)
  await sql`create index alert_overdue_idx on alert (deadline) where state in ('new', 'acknowledged', 'dispatched') and not escalated`.execute(db)

  await db.schema
    .createTable('alert_change')
    .addColumn('seq', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('alert_id', 'integer', (c) => c.notNull().references('alert.id'))
    .addColumn('township', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('payload', 'jsonb')
    // The alert's public JSON after the change: what a replaying client receives.
    .addColumn('alert', 'jsonb', (c) => c.notNull())
    // 'alert:new' | 'alert:updated', or null when the change is not pushed (a suppressed alert).
    .addColumn('push', 'text')
    .execute()
  await db.schema.createIndex('alert_change_alert_idx').on('alert_change').columns(['alert_id', 'seq']).execute()

  // @socket.io/postgres-adapter keeps payloads over NOTIFY's 8000-byte limit here.
  await sql`create table socket_io_attachments (id bigserial unique, created_at timestamptz default now(), payload bytea)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['socket_io_attachments', 'alert_change', 'alert', 'silence']) await db.schema.dropTable(t).execute()
}
