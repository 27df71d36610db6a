import { type Kysely, sql } from 'kysely'

// Escalation policy steps (docs/architecture.md §6, "Escalation policy"): after the
// acknowledgement deadline escalated a case, the rule set's `cases.escalation` steps reach
// further people while it stays unsigned. `escalation_step` counts the steps fired; the scan
// claims step k with `UPDATE … WHERE escalation_step = k - 1 AND status = 'new'`, so each step
// fires once across restarts, leader changes and several processes.
// A route's `audience` says which step it serves: the duty desk (the deadline's own message,
// as before), the shift's 带班领导, or the county leader.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('alert_case')
    .addColumn('escalation_step', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('escalation_step_at', 'timestamptz')
    .execute()
  await sql`create index alert_case_step_due_idx on alert_case (ack_deadline) where status = 'new' and ack_escalated_at is not null`.execute(db)
  await db.schema
    .alterTable('notification_route')
    .addColumn('audience', 'text', (c) => c.notNull().defaultTo('duty').check(sql`audience in ('duty', 'shift_leader', 'county_leader')`))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notification_route').dropColumn('audience').execute()
  await sql`drop index alert_case_step_due_idx`.execute(db)
  await db.schema.alterTable('alert_case').dropColumn('escalation_step_at').dropColumn('escalation_step').execute()
}
