import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { actorOf } from '../../access/principal.ts'
import { notFound } from '../../http-errors.ts'
import { recordAudit } from '../audit/repository.ts'
import { createKiosk, findKioskById, listKiosks, revokeKiosk } from './repository.ts'
import { DbId } from '../../validation.ts'

const KioskView = z.object({
  id: z.number(),
  name: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
})

const NewKiosk = z.object({ name: z.string().trim().min(1, 'required').max(100, 'at most 100 characters') })

const CreatedKiosk = z.object({
  id: z.number(),
  name: z.string(),
  token: z.string().describe('the pairing token: shown once, only its hash is kept'),
  pairingUrl: z.string().describe('open this on the wall display once: /wall?pair=<token>'),
})

const Id = z.object({ id: DbId })

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/kiosks',
    { schema: { tags: ['kiosks'], summary: 'Paired wall displays (never their tokens)', response: { 200: z.array(KioskView) } } },
    async () => listKiosks(app.db),
  )

  app.post(
    '/api/v1/kiosks',
    { schema: { tags: ['kiosks'], summary: 'Create a pairing for a wall display; the token and link are shown once', body: NewKiosk, response: { 201: CreatedKiosk } } },
    async (request, reply) => {
      const { actor, actorKind } = actorOf(request.principal)
      const { kiosk, token } = await app.db.transaction().execute(async (trx) => {
        const created = await createKiosk(trx, { name: request.body.name, createdBy: actor })
        await recordAudit(trx, { actor, actorKind, action: 'kiosk.create', target: `kiosk:${created.kiosk.id}`, to: { name: created.kiosk.name }, ip: request.ip })
        return created
      })
      return reply.code(201).send({ id: kiosk.id, name: kiosk.name, token, pairingUrl: `/wall?pair=${encodeURIComponent(token)}` })
    },
  )

  app.delete(
    '/api/v1/kiosks/:id',
    { schema: { tags: ['kiosks'], summary: 'Revoke a wall display: its sessions end at once', params: Id, response: { 204: z.null() } } },
    async (request, reply) => {
      const { id } = request.params
      const now = app.now()
      const { actor, actorKind } = actorOf(request.principal)
      const revokedNow = await app.db.transaction().execute(async (trx) => {
        const kiosk = await findKioskById(trx, id)
        if (!kiosk) throw notFound(`kiosk ${id}`)
        const { revoked, sessionsEnded } = await revokeKiosk(trx, id, now)
        if (revoked) {
          await recordAudit(trx, {
            actor,
            actorKind,
            action: 'kiosk.revoke',
            target: `kiosk:${id}`,
            from: { revokedAt: null },
            to: { revokedAt: now },
            note: `${kiosk.name}; ${sessionsEnded} session(s) ended`,
            ip: request.ip,
          })
        }
        return revoked
      })
      // After the commit: the wall's open socket closes now too.
      if (revokedNow) app.bus.emit('sessions:ended', { kioskId: id })
      return reply.code(204).send(null)
    },
  )
}

export default routes
