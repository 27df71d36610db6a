import { type Kysely, sql } from 'kysely'

// Every boundary upload is kept as a version (docs/architecture.md §3); `geo_layer` stays the
// current layer the wall reads, and says which version it is.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('geo_version')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('layer', 'text', (c) => c.notNull())
    .addColumn('geojson', 'jsonb', (c) => c.notNull())
    .addColumn('report', 'jsonb', (c) => c.notNull())
    .addColumn('file_name', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('geo_version_layer_idx').on('geo_version').columns(['layer', 'id']).execute()
  await db.schema.alterTable('geo_layer').addColumn('version_id', 'integer', (c) => c.references('geo_version.id')).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('geo_layer').dropColumn('version_id').execute()
  await db.schema.dropTable('geo_version').execute()
}
