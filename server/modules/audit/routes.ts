import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { HttpError } from '../../http-errors.ts'
import { isoDateTime } from '../../validation.ts'
import { listAudit } from './repository.ts'

const AuditItem = z.object({
  id: z.number(),
  at: z.date(),
  actor: z.string(),
  actorKind: z.enum(['user', 'feed', 'kiosk', 'system', 'anonymous']),
  action: z.string(),
  target: z.string().nullable(),
  from: z.unknown(),
  to: z.unknown(),
  note: z.string().nullable(),
  ip: z.string().nullable(),
})

const AuditPage = z.object({ items: z.array(AuditItem), nextCursor: z.string().nullable() })

const Instant = isoDateTime('must be an ISO-8601 time with offset')

const AuditQuery = z.object({
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional().describe('exact, or a prefix ending in * (user.*)'),
  target: z.string().max(200).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1, 'at least 1').max(500, 'at most 500').default(100),
})

// Opaque to clients: the id of the last row of the previous page.
const encodeCursor = (id: number) => Buffer.from(`a${id}`).toString('base64url')
function decodeCursor(cursor: string): number {
  const match = /^a(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString())
  if (!match) throw new HttpError(400, 'validation', 'cursor: not a cursor from this API', { fields: [{ field: 'cursor', message: 'not a cursor from this API' }] })
  return Number(match[1])
}

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/audit',
    { schema: { tags: ['audit'], summary: 'The audit log, newest first', querystring: AuditQuery, response: { 200: AuditPage } } },
    async (request) => {
      const q = request.query
      const { items, more } = await listAudit(app.db, {
        actor: q.actor,
        action: q.action,
        target: q.target,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        beforeId: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit,
      })
      return { items, nextCursor: more && items.length ? encodeCursor(items.at(-1)!.id) : null }
    },
  )
}

export default routes
