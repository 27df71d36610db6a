import { type Kysely, sql } from 'kysely'

// Regions are managed (docs/architecture.md §3): a region is retired, never deleted, so its events
// keep their place; the statistical code table's urban-rural code (城乡分类代码) is kept as published.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('region')
    .addColumn('retired_at', 'timestamptz')
    .addColumn('urban_rural', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('region').dropColumn('retired_at').dropColumn('urban_rural').dropColumn('updated_at').execute()
}
