import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // Versions are immutable: editing makes a new draft, publishing moves the single live marker.
  await db.schema
    .createTable('ruleset_version')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('document', 'jsonb', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('based_on', 'integer', (c) => c.references('ruleset_version.id'))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('live', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('published_at', 'timestamptz')
    .addColumn('published_by', 'text')
    .addColumn('publish_comment', 'text')
    .execute()
  // At most one live version, enforced by the database itself.
  await sql`create unique index ruleset_version_one_live on ruleset_version (live) where live`.execute(db)

  await db.schema
    .createTable('sensitive_period')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('sensitive_period_order', sql`ends_at > starts_at`)
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sensitive_period').execute()
  await db.schema.dropTable('ruleset_version').execute()
}
