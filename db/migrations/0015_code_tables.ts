import { type Kysely, sql } from 'kysely'
import { seedEntries } from '../../server/domain/code-tables.ts'

// Code tables (docs/architecture.md §4): the vocabulary of the feeds as data, seeded from today's
// taxonomy so an existing database gets it on its next start as a fresh one does. Codes are never
// deleted: a retired code (retired_at) stays valid for the events that carry it.
// (0015: 0014 is taken by the region lifecycle work.)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('code_entry')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // The feed for a category; '' for the kinds kept once (so (kind, source, code) can be unique).
    .addColumn('source', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('label_zh', 'text', (c) => c.notNull())
    .addColumn('label_en', 'text', (c) => c.notNull())
    .addColumn('synonyms', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retired_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'text')
    .addUniqueConstraint('code_entry_code_key', ['kind', 'source', 'code'])
    .execute()
  const rows = seedEntries().map((e) => ({ kind: e.kind, source: e.source, code: e.code, label_zh: e.labelZh, label_en: e.labelEn, synonyms: e.synonyms, sort: e.sort, updated_by: 'seed' }))
  await db.insertInto('code_entry').values(rows).onConflict((oc) => oc.columns(['kind', 'source', 'code']).doNothing()).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('code_entry').execute()
}
