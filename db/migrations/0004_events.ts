import { type Kysely, sql } from 'kysely'

// The event store (docs/architecture.md §4). Frozen in time: Kysely<any>, never edited after release.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('dispute', 'petition', 'incident')`))
    .addColumn('source_system', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('township', 'text', (c) => c.notNull().references('region.code'))
    .addColumn('village', 'text')
    .addColumn('grid', 'text')
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('severity', 'smallint', (c) => c.notNull().check(sql`severity between 1 and 4`))
    .addColumn('people_count', 'integer', (c) => c.notNull().check(sql`people_count >= 1`))
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('reported_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'in_progress', 'resolved', 'closed')`))
    .addColumn('title', 'text')
    .addColumn('summary', 'text')
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // Keyed hashes (HMAC) of the parties' identifiers: matching without personal data.
    .addColumn('party_hashes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    // The parties themselves, AES-256-GCM encrypted under a key kept outside the database.
    .addColumn('parties_enc', 'text')
    .addColumn('party_count', 'integer', (c) => c.notNull().defaultTo(0))
    // Keyed hash of the content as sent: tells a duplicate from an update.
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('feed_id', 'integer', (c) => c.references('feed.id'))
    // Who delivered it: a feed's name, `import:<username>`, or `simulator`.
    .addColumn('submitted_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('event_key', ['source_system', 'external_id'])
    .execute()
  await db.schema.createIndex('event_township_occurred_idx').on('event').columns(['township', 'occurred_at']).execute()
  await db.schema.createIndex('event_occurred_id_idx').on('event').columns(['occurred_at desc', 'id desc']).execute()
  await db.schema.createIndex('event_source_occurred_idx').on('event').columns(['source', 'occurred_at']).execute()
  await db.schema.createIndex('event_party_hashes_idx').on('event').using('gin').column('party_hashes').execute()

  await db.schema
    .createTable('event_history')
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('event.id'))
    // The version the content below had; the event's current version is higher.
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The feed (or submitter) whose update replaced this content.
    .addColumn('feed_id', 'integer', (c) => c.references('feed.id'))
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_history_pk', ['event_id', 'version'])
    .execute()

  await db.schema
    .createTable('zero_report')
    .addColumn('township', 'text', (c) => c.notNull().references('region.code'))
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('feed_id', 'integer', (c) => c.references('feed.id'))
    .addColumn('reported_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('zero_report_pk', ['township', 'date'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['zero_report', 'event_history', 'event']) await db.schema.dropTable(t).execute()
}
