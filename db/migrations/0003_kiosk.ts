import { type Kysely, sql } from 'kysely'

// Paired wall displays (大屏). Each kiosk signs in as its own system user (roles: leader, no
// usable password), so audit rows name the display and revoking one never touches another.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('kiosk')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'integer', (c) => c.notNull().unique().references('app_user.id'))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .execute()

  await db.schema.alterTable('session').addForeignKeyConstraint('session_kiosk_fk', ['kiosk_id'], 'kiosk', ['id']).execute()
  await db.schema.createIndex('session_kiosk_idx').on('session').column('kiosk_id').execute()
  await db.schema.createIndex('audit_actor_idx').on('audit').columns(['actor', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_actor_idx').execute()
  await db.schema.dropIndex('session_kiosk_idx').execute()
  await db.schema.alterTable('session').dropConstraint('session_kiosk_fk').execute()
  await db.schema.dropTable('kiosk').execute()
}
