import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { actorOf, townshipScope } from '../../access/principal.ts'
import { badRequest, HttpError } from '../../http-errors.ts'
import { isIsoDate, localDate } from '../events/time.ts'
import { getZeroReport } from './repository.ts'
import { recordZeroReport } from './service.ts'

const ZeroReportBody = z.strictObject({
  township: z.string({ error: 'required' }).regex(/^\d{9}$/, 'must be a 9-digit township code'),
  date: z.string({ error: 'required' }).refine(isIsoDate, 'must be a calendar date YYYY-MM-DD'),
})

const ZeroReportResponse = z.object({
  township: z.string(),
  date: z.string(),
  reportedAt: z.string(),
  /** False when the township had already reported that day (the first report stands). */
  created: z.boolean(),
})

/** Dates more than this many days back are a typo, not a late report. */
const MAX_AGE_DAYS = 31

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/v1/zero-reports',
    {
      schema: {
        tags: ['events'],
        summary: 'A township\'s "nothing to report today" (零报告): a feed token, or duty/admin/township users',
        body: ZeroReportBody,
        response: { 200: ZeroReportResponse, 201: ZeroReportResponse },
      },
    },
    async (request, reply) => {
      const { township, date } = request.body
      const principal = request.principal
      const scope = townshipScope(principal)
      if (scope && scope !== township) throw new HttpError(403, 'forbidden', 'a township officer may report only their own township')
      const region = app.regions.get(township)
      if (!region || region.level !== 'township') throw badRequest(`township ${township} does not exist`, [{ field: 'township', message: `township ${township} does not exist` }])
      if (region.retiredIn) {
        const message = `township ${township} was retired on ${localDate(region.retiredIn.at.getTime(), app.config.tzDisplay)}: it takes no new reports`
        throw badRequest(message, [{ field: 'township', message }])
      }
      const now = app.now()
      const today = localDate(now.getTime(), app.config.tzDisplay)
      if (date > today) throw badRequest('date must not be in the future', [{ field: 'date', message: `must not be after today (${today})` }])
      const oldest = localDate(now.getTime() - MAX_AGE_DAYS * 86_400_000, app.config.tzDisplay)
      if (date < oldest) throw badRequest(`date must be within the last ${MAX_AGE_DAYS} days`, [{ field: 'date', message: `must not be before ${oldest}` }])

      const { actor } = actorOf(principal)
      const created = await recordZeroReport(app, { township, date, at: now, feedId: principal?.kind === 'feed' ? principal.feedId : null, reportedBy: actor })
      if (created) {
        return reply.code(201).send({ township, date, reportedAt: now.toISOString(), created: true })
      }
      const existing = await getZeroReport(app.db, township, date)
      return reply.code(200).send({ township, date: existing.date, reportedAt: existing.reportedAt.toISOString(), created: false })
    },
  )
}

export default routes
