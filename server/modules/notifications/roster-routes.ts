import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { DutyShiftRow } from '../../../db/schema.ts'
import type { UserPrincipal } from '../../access/principal.ts'
import { badRequest, notFound } from '../../http-errors.ts'
import { DbId, isoDateTime } from '../../validation.ts'
import { recordAudit } from '../audit/repository.ts'
import { localDays } from '../../domain/local-days.ts'
import { deleteShift, insertShift, shiftsBetween } from './repository.ts'
import { Shift, ShiftBody } from './schema.ts'

// The on-call roster (值班表): shifts with their 值班员 and 带班领导 (docs/architecture.md).

const shiftJson = (s: DutyShiftRow): z.infer<typeof Shift> => ({
  id: s.id,
  startsAt: s.startsAt.toISOString(),
  endsAt: s.endsAt.toISOString(),
  dutyOfficer: s.dutyOfficer,
  shiftLeader: s.shiftLeader,
  createdBy: s.createdBy,
})

const routes: FastifyPluginAsyncZod = async (app) => {
  const days = localDays(app.config.tzDisplay)

  app.get(
    '/api/v1/roster',
    {
      schema: {
        tags: ['roster'],
        summary: 'Shifts overlapping [from, to) (default: today in TZ_DISPLAY), and the shift on now',
        querystring: z.object({ from: isoDateTime().optional(), to: isoDateTime().optional() }),
        response: { 200: z.object({ items: z.array(Shift), current: Shift.nullable() }) },
      },
    },
    async (request) => {
      const now = app.now()
      const today = days.dayOf(now.getTime())
      const from = request.query.from ? new Date(request.query.from) : new Date(days.startOf(today))
      const to = request.query.to ? new Date(request.query.to) : new Date(days.startOf(today + 1))
      if (to.getTime() <= from.getTime()) throw badRequest('to must be after from', [{ field: 'to', message: 'must be after from' }])
      if (to.getTime() - from.getTime() > 62 * 24 * 3600_000) throw badRequest('at most 62 days at a time', [{ field: 'to', message: 'at most 62 days after from' }])
      const items = await shiftsBetween(app.db, from, to)
      const current = (await shiftsBetween(app.db, now, new Date(now.getTime() + 1))).at(-1) ?? null
      return { items: items.map(shiftJson), current: current ? shiftJson(current) : null }
    },
  )

  app.post('/api/v1/roster', { schema: { tags: ['roster'], summary: 'Add a shift', body: ShiftBody, response: { 201: Shift } } }, async (request, reply) => {
    const principal = request.principal as UserPrincipal
    const b = request.body
    const created = await app.db.transaction().execute(async (trx) => {
      const row = await insertShift(trx, { startsAt: new Date(b.startsAt), endsAt: new Date(b.endsAt), dutyOfficer: b.dutyOfficer, shiftLeader: b.shiftLeader }, principal.username)
      await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'roster.create', target: `shift:${row.id}`, to: shiftJson(row), ip: request.ip })
      return row
    })
    return reply.code(201).send(shiftJson(created))
  })

  app.delete('/api/v1/roster/:id', { schema: { tags: ['roster'], summary: 'Remove a shift', params: z.object({ id: DbId }), response: { 200: Shift } } }, async (request) => {
    const principal = request.principal as UserPrincipal
    const row = await app.db.transaction().execute(async (trx) => {
      const r = await deleteShift(trx, request.params.id)
      if (!r) throw notFound(`shift ${request.params.id}`)
      await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'roster.delete', target: `shift:${r.id}`, from: shiftJson(r), ip: request.ip })
      return r
    })
    return shiftJson(row)
  })
}

export default routes
