import type { FastifyInstance } from 'fastify'
import { notifyEngine, ZERO_REPORTS_CHANNEL } from '../../engine/leadership.ts'

/**
 * Stores a township's "nothing to report" for a local date and tells the engine — the first
 * time only. Returns false when that township had already reported that day.
 */
export async function recordZeroReport(
  app: FastifyInstance,
  input: { township: string; date: string; at: Date; feedId: number | null; reportedBy: string },
): Promise<boolean> {
  const report = { township: input.township, date: input.date, at: input.at.getTime() }
  const inserted = await app.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('zeroReport')
      .values({ township: input.township, date: input.date, reportedAt: input.at, feedId: input.feedId, reportedBy: input.reportedBy })
      .onConflict((oc) => oc.columns(['township', 'date']).doNothing())
      .returning(['reportedAt'])
      .executeTakeFirst()
    if (row && app.databaseKind === 'postgres') await notifyEngine(trx, ZERO_REPORTS_CHANNEL, JSON.stringify(report))
    return row !== undefined
  })
  if (inserted) app.bus.emit('zero-report:accepted', report)
  return inserted
}
