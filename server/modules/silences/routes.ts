import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ALERT_LEVELS, type SilenceRow } from '../../../db/schema.ts'
import type { UserPrincipal } from '../../access/principal.ts'
import { badRequest, notFound } from '../../http-errors.ts'
import { silenceActive } from '../alerts/repository.ts'
import { recordAudit } from '../audit/repository.ts'
import { TownshipCode } from '../townships/schema.ts'
import { townshipExists } from '../users/repository.ts'
import { DbId, isoDateTime } from '../../validation.ts'
import { findSilenceForUpdate, insertSilence, listSilences, revokeSilence } from './repository.ts'

// Silences (屏蔽, docs/architecture.md §6): suppress matching NEW alerts until they expire. A suppressed alert is
// still stored and audited, just not pushed nor listed by default. Silences are never deleted:
// DELETE revokes one.

const Matchers = z
  .strictObject({
    township: TownshipCode.optional(),
    /** A rule id, or `level` for level alerts. */
    ruleId: z.string().trim().min(1).max(100).optional(),
    level: z.enum(ALERT_LEVELS).optional(),
  })
  .refine((m) => m.township !== undefined || m.ruleId !== undefined || m.level !== undefined, 'name at least one of township, ruleId, level (a silence of everything is not allowed)')

const Silence = z.object({
  id: z.number(),
  matchers: z.object({ township: z.string().optional(), ruleId: z.string().optional(), level: z.enum(ALERT_LEVELS).optional() }),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  active: z.boolean(),
})

const CreateSilence = z.object({
  matchers: Matchers,
  reason: z.string({ error: 'reason is required' }).trim().min(1, 'reason is required').max(2000, 'at most 2000 characters'),
  expiresAt: isoDateTime('expiresAt must be an ISO-8601 date-time with offset'),
})

const MAX_SILENCE_MS = 90 * 24 * 3600_000

function toJson(s: SilenceRow, now: Date): z.infer<typeof Silence> {
  return {
    id: s.id,
    matchers: s.matchers,
    reason: s.reason,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    revokedAt: s.revokedAt?.toISOString() ?? null,
    revokedBy: s.revokedBy,
    active: silenceActive(s, now),
  }
}

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/silences',
    {
      schema: {
        tags: ['silences'],
        summary: 'Silences, newest first',
        querystring: z.object({ active: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(Silence) }) },
      },
    },
    async (request) => {
      const now = app.now()
      const active = request.query.active === undefined ? undefined : request.query.active === 'true'
      return { items: (await listSilences(app.db, { active, now })).map((s) => toJson(s, now)) }
    },
  )

  app.post(
    '/api/v1/silences',
    { schema: { tags: ['silences'], summary: 'Silence matching new alerts until expiresAt', body: CreateSilence, response: { 201: Silence } } },
    async (request, reply) => {
      const principal = request.principal as UserPrincipal
      const now = app.now()
      const expiresAt = new Date(request.body.expiresAt)
      if (expiresAt.getTime() <= now.getTime()) throw badRequest('expiresAt must be in the future', [{ field: 'expiresAt', message: 'must be in the future' }])
      if (expiresAt.getTime() - now.getTime() > MAX_SILENCE_MS) throw badRequest('a silence lasts at most 90 days', [{ field: 'expiresAt', message: 'at most 90 days ahead' }])
      const { township } = request.body.matchers
      if (township) {
        if (!(await townshipExists(app.db, township))) throw badRequest(`matchers.township: no township ${township}`, [{ field: 'matchers.township', message: 'no such township' }])
      }
      const matchers = Object.fromEntries(Object.entries(request.body.matchers).filter(([, v]) => v !== undefined))
      const silence = await app.db.transaction().execute(async (trx) => {
        const created = await insertSilence(trx, { matchers, reason: request.body.reason, createdBy: principal.username, createdAt: now, expiresAt })
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'silence.create', target: `silence:${created.id}`, to: { matchers, expiresAt: expiresAt.toISOString() }, note: created.reason, ip: request.ip })
        return created
      })
      return reply.code(201).send(toJson(silence, now))
    },
  )

  app.delete(
    '/api/v1/silences/:id',
    {
      schema: {
        tags: ['silences'],
        summary: 'Revoke a silence (it is kept, marked revoked)',
        params: z.object({ id: DbId }),
        response: { 200: Silence },
      },
    },
    async (request) => {
      const principal = request.principal as UserPrincipal
      const now = app.now()
      const silence = await app.db.transaction().execute(async (trx) => {
        const current = await findSilenceForUpdate(trx, request.params.id)
        if (!current) throw notFound(`silence ${request.params.id}`)
        if (current.revokedAt) return current
        const revoked = await revokeSilence(trx, current.id, principal.username, now)
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'silence.revoke', target: `silence:${current.id}`, from: { expiresAt: current.expiresAt.toISOString() }, to: { revokedAt: now.toISOString() }, ip: request.ip })
        return revoked
      })
      return toJson(silence, now)
    },
  )
}

export default routes
