import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { UserPrincipal } from '../../access/principal.ts'
import { notFound } from '../../http-errors.ts'
import { recordAudit } from '../audit/repository.ts'
import { DbId, isoDateTime } from '../../validation.ts'
import { deleteSensitivePeriod, insertSensitivePeriod, listSensitivePeriods } from './repository.ts'

const Period = z.object({ id: z.number(), name: z.string(), startsAt: z.date(), endsAt: z.date(), createdBy: z.string() })
const isoWithOffset = isoDateTime('must be an ISO-8601 time with an offset, e.g. 2026-03-01T00:00:00+08:00')
const NewPeriod = z
  .object({ name: z.string().trim().min(1, 'required').max(100, 'at most 100 characters'), startsAt: isoWithOffset, endsAt: isoWithOffset })
  .refine((p) => Date.parse(p.endsAt) > Date.parse(p.startsAt), { path: ['endsAt'], message: 'must be after startsAt' })

/** The sensitive-period calendar (敏感期): rules' modifiers see `calendar.sensitive`. */
const routes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/calendar', { schema: { tags: ['rules'], summary: 'Sensitive periods (敏感期)', response: { 200: z.array(Period) } } }, async () =>
    listSensitivePeriods(app.db),
  )

  app.post('/api/v1/calendar', { schema: { tags: ['rules'], summary: 'Add a sensitive period', body: NewPeriod, response: { 201: Period } } }, async (request, reply) => {
    const principal = request.principal as UserPrincipal
    const period = await app.db.transaction().execute(async (trx) => {
      const row = await insertSensitivePeriod(trx, { name: request.body.name, startsAt: request.body.startsAt, endsAt: request.body.endsAt, createdBy: principal.username })
      await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'calendar.add', target: `period:${row.id}`, to: request.body, ip: request.ip })
      return row
    })
    await app.rulesChanged()
    return reply.code(201).send(period)
  })

  app.delete(
    '/api/v1/calendar/:id',
    { schema: { tags: ['rules'], summary: 'Remove a sensitive period', params: z.object({ id: DbId }), response: { 204: z.null() } } },
    async (request, reply) => {
      const principal = request.principal as UserPrincipal
      await app.db.transaction().execute(async (trx) => {
        const row = await deleteSensitivePeriod(trx, request.params.id)
        if (!row) throw notFound(`sensitive period ${request.params.id}`)
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'calendar.remove', target: `period:${row.id}`, from: { name: row.name, startsAt: row.startsAt, endsAt: row.endsAt }, ip: request.ip })
      })
      await app.rulesChanged()
      return reply.code(204).send(null)
    },
  )
}

export default routes
