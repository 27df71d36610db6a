import type { FastifyInstance } from 'fastify'
import { ZERO_REPORTS_CHANNEL } from '../../engine/leadership.ts'
import { notifyEngine } from '../../engine/leadership-repository.ts'
import { insertZeroReport } from './repository.ts'

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
    const stored = await insertZeroReport(trx, { township: input.township, date: input.date, reportedAt: input.at, feedId: input.feedId, reportedBy: input.reportedBy })
    if (stored && app.databaseKind === 'postgres') await notifyEngine(trx, ZERO_REPORTS_CHANNEL, JSON.stringify(report))
    return stored
  })
  if (inserted) app.bus.emit('zero-report:accepted', report)
  return inserted
}
