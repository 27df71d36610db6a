import { type Kysely, sql } from 'kysely'

// Each delivery attempt of an outbox message (sent, failed and due again, dead), kept so the
// case's timeline can tell who was reached and when (docs/architecture.md §6, "Delivery"). The
// outbox row keeps only its latest state; this is its history.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_delivery')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('outbox_id', 'integer', (c) => c.notNull().references('notification_outbox.id').onDelete('cascade'))
    .addColumn('alert_id', 'integer')
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('sent', 'retry', 'dead')`))
    .addColumn('error', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('notification_delivery_alert_idx').on('notification_delivery').columns(['alert_id', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_delivery').execute()
}
