import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { actorOf } from '../../access/principal.ts'
import { conflict, ErrorResponse, isUniqueViolation, notFound } from '../../http-errors.ts'
import { recordAudit } from '../audit/repository.ts'
import { createFeed, findFeedById, findFeedByName, listFeeds, revokeFeed } from './repository.ts'
import { DbId } from '../../validation.ts'

export const FeedView = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
})

const NewFeed = z.object({
  // The name doubles as the events' default sourceSystem (≤ 64 characters).
  name: z.string().trim().min(1, 'required').max(64, 'at most 64 characters'),
  description: z.string().trim().max(500, 'at most 500 characters').optional(),
})

const CreatedFeed = FeedView.extend({ token: z.string().describe('the bearer token: shown once, only its hash is kept') })

const Id = z.object({ id: DbId })

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/feeds',
    { schema: { tags: ['feeds'], summary: 'Every feed (never its token)', response: { 200: z.array(FeedView) } } },
    async () => listFeeds(app.db),
  )

  app.post(
    '/api/v1/feeds',
    { schema: { tags: ['feeds'], summary: 'Create a feed; the response shows its bearer token once', body: NewFeed, response: { 201: CreatedFeed, 409: ErrorResponse } } },
    async (request, reply) => {
      const { name, description } = request.body
      if (await findFeedByName(app.db, name)) throw conflict(`feed ${name} exists`, [{ field: 'name', message: 'already taken' }])
      const { actor, actorKind } = actorOf(request.principal)
      const { feed, token } = await app.db.transaction().execute(async (trx) => {
        const created = await createFeed(trx, { name, description: description || null, createdBy: actor })
        await recordAudit(trx, { actor, actorKind, action: 'feed.create', target: `feed:${created.feed.id}`, to: { name, description: description || null }, ip: request.ip })
        return created
      }).catch((err: unknown) => {
        if (isUniqueViolation(err)) throw conflict(`feed ${name} exists`, [{ field: 'name', message: 'already taken' }])
        throw err
      })
      const { tokenHash: _hash, ...shown } = feed
      return reply.code(201).send({ ...shown, token })
    },
  )

  app.delete(
    '/api/v1/feeds/:id',
    { schema: { tags: ['feeds'], summary: 'Revoke a feed: its token is refused from the next request on', params: Id, response: { 204: z.null() } } },
    async (request, reply) => {
      const { id } = request.params
      const now = app.now()
      const { actor, actorKind } = actorOf(request.principal)
      await app.db.transaction().execute(async (trx) => {
        const feed = await findFeedById(trx, id)
        if (!feed) throw notFound(`feed ${id}`)
        if (await revokeFeed(trx, id, now)) {
          await recordAudit(trx, { actor, actorKind, action: 'feed.revoke', target: `feed:${id}`, from: { revokedAt: null }, to: { revokedAt: now }, note: feed.name, ip: request.ip })
        }
      })
      return reply.code(204).send(null)
    },
  )
}

export default routes
