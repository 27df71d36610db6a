import { sql } from 'kysely'
import type { Db } from '../../../db/connect.ts'

export interface NewZeroReport {
  township: string
  date: string
  reportedAt: Date
  feedId: number | null
  reportedBy: string
}

/** Stores a township-day's zero report; false when that township had already reported that day (the first report stands). */
export async function insertZeroReport(db: Db, report: NewZeroReport): Promise<boolean> {
  const row = await db
    .insertInto('zeroReport')
    .values(report)
    .onConflict((oc) => oc.columns(['township', 'date']).doNothing())
    .returning(['reportedAt'])
    .executeTakeFirst()
  return row !== undefined
}

/** Many zero reports at once (the demo's backfilled history); township-days already reported are left as they are. */
export async function insertZeroReports(db: Db, reports: readonly NewZeroReport[]): Promise<void> {
  if (reports.length === 0) return
  await db
    .insertInto('zeroReport')
    .values([...reports])
    .onConflict((oc) => oc.columns(['township', 'date']).doNothing())
    .execute()
}

/** The zero report a township filed for a local date (YYYY-MM-DD), which must exist. */
export async function getZeroReport(db: Db, township: string, date: string): Promise<{ date: string; reportedAt: Date }> {
  return db
    .selectFrom('zeroReport')
    .select(['reportedAt', sql<string>`date::text`.as('date')])
    .where('township', '=', township)
    .where(sql`date`, '=', date)
    .executeTakeFirstOrThrow()
}
