import { type Kysely, sql } from 'kysely'

// Frozen in time: migrations use Kysely<any> so later schema changes never rewrite history.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('region')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('parent_code', 'text', (c) => c.references('region.code'))
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('county', 'township', 'village', 'grid')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('population', 'integer')
    .addColumn('seat', 'jsonb')
    .addColumn('weight', 'double precision', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('region_parent_idx').on('region').column('parent_code').execute()
  await db.schema.createIndex('region_level_idx').on('region').column('level').execute()

  await db.schema
    .createTable('township_risk')
    .addColumn('township', 'text', (c) => c.primaryKey().references('region.code'))
    .addColumn('score', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('level', 'text', (c) => c.notNull().defaultTo('blue'))
    .addColumn('silent', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('geo_layer')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('geojson', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'text')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('geo_layer').execute()
  await db.schema.dropTable('township_risk').execute()
  await db.schema.dropTable('region').execute()
}
