import { type Kysely, sql } from 'kysely'

// Cases (DESIGN §6, README.md, "Cases and response deadlines"): the alerts of one
// township that arise from the same events or within the rule set's grouping window form one
// case, handled as one. A case's state, level, deadlines and escalation are kept in step with
// its member alerts by the alerts service in the same transaction as every alert change; the
// acknowledgement deadline lives here, in the database, so the escalation it triggers survives
// restarts and leader changes and fires once (a conditional UPDATE claims it).
//
// Existing alerts are folded one case each, with the acknowledgement deadline by the defaults:
// an alert left unacknowledged for days becomes overdue instead of never escalating.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('alert_case')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('township', 'text', (c) => c.notNull().references('region.code'))
    // The highest level of its members.
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('yellow', 'orange', 'red')`))
    .addColumn('level_rank', 'smallint', (c) =>
      c.notNull().generatedAlwaysAs(sql`case level when 'red' then 3 when 'orange' then 2 else 1 end`).stored(),
    )
    // The least advanced state of its members: there is still something to do at that step.
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('new').check(sql`status in ('new', 'acknowledged', 'dispatched', 'resolved', 'closed')`))
    .addColumn('escalated', 'boolean', (c) => c.notNull().defaultTo(false))
    // Set when the acknowledgement deadline escalated it (once, by the clock).
    .addColumn('ack_escalated_at', 'timestamptz')
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_alert_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ack_deadline', 'timestamptz')
    // The handling deadline (时限) once dispatched.
    .addColumn('deadline', 'timestamptz')
    .addColumn('department', 'text')
    .addColumn('lead_official', 'text')
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('first_alert_id', 'integer', (c) => c.notNull())
    .addColumn('alert_count', 'integer', (c) => c.notNull().defaultTo(1))
    // The triggering events of its members (ids, newest last, bounded): "from the same events".
    .addColumn('event_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // The event that opened it, masked (source, category, people count, time; no free text, no parties).
    .addColumn('event', 'jsonb')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await sql`create index alert_case_queue_idx on alert_case (level_rank desc, id desc)`.execute(db)
  await sql`create index alert_case_open_idx on alert_case (township, opened_at desc) where status in ('new', 'acknowledged', 'dispatched')`.execute(db)
  await sql`create index alert_case_ack_due_idx on alert_case (ack_deadline) where status = 'new' and not escalated`.execute(db)

  await db.schema
    .alterTable('alert')
    .addColumn('case_id', 'integer', (c) => c.references('alert_case.id'))
    .addColumn('ack_deadline', 'timestamptz')
    .addColumn('rule_name', 'text')
    .execute()
  await db.schema.createIndex('alert_case_member_idx').on('alert').columns(['case_id', 'id']).execute()
  // The case each change belongs to, and the case after it (replayed as case:new/case:updated).
  await db.schema
    .alterTable('alert_change')
    .addColumn('case_id', 'integer')
    .addColumn('case_push', 'text', (c) => c.check(sql`case_push in ('case:new', 'case:updated')`))
    .addColumn('case_json', 'jsonb')
    .execute()

  // The rule's name as raised, from the rule set published now.
  await sql`
    update alert a set rule_name = r.rule->>'name'
    from (select jsonb_array_elements(document->'rules') as rule from ruleset_version where live) r
    where a.rule_id is not null and r.rule->>'id' = a.rule_id`.execute(db)
  const ack = sql`case level when 'red' then interval '10 minutes' when 'orange' then interval '30 minutes' else interval '2 hours' end`
  await sql`update alert set ack_deadline = raised_at + ${ack} where not suppressed`.execute(db)
  await sql`
    with made as (
      insert into alert_case (township, level, status, escalated, opened_at, last_alert_at, created_at, ack_deadline, deadline,
                              department, lead_official, resolved_at, closed_at, first_alert_id, alert_count, event_ids, updated_at)
      select township, level, state, escalated, raised_at, last_seen_at, raised_at, ack_deadline, deadline,
             department, lead_official, resolved_at, closed_at, id, 1,
             case when last_event_id is null then '[]'::jsonb else jsonb_build_array(last_event_id) end, updated_at
      from alert where not suppressed
      returning id, first_alert_id)
    update alert set case_id = made.id from made where alert.id = made.first_alert_id`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('alert_change').dropColumn('case_json').dropColumn('case_push').dropColumn('case_id').execute()
  await db.schema.dropIndex('alert_case_member_idx').execute()
  await db.schema.alterTable('alert').dropColumn('rule_name').dropColumn('ack_deadline').dropColumn('case_id').execute()
  await db.schema.dropTable('alert_case').execute()
}
