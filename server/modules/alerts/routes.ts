import { alertWithoutFreeText, entryWithoutFreeText, readsFreeText } from '../../access/free-text.ts'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { actorOf, townshipScope, type UserPrincipal } from '../../access/principal.ts'
import type { ActionPayload, AlertAction } from '../../domain/alert-lifecycle.ts'
import { badRequest, ErrorResponse, HttpError, notFound } from '../../http-errors.ts'
import { findAlert, listAlerts, timelineOf, toAlertJson, townshipNames } from './repository.ts'
import { ActionBodies, ActionResponse, Alert, AlertDetail, AlertId, AlertList, AlertQuery } from './schema.ts'
import { performAction } from './service.ts'

const encodeCursor = (c: { rank: number; id: number }) => Buffer.from(`${c.rank}.${c.id}`).toString('base64url')
function decodeCursor(raw: string): { rank: number; id: number } {
  const m = /^(\d)\.(\d{1,10})$/.exec(Buffer.from(raw, 'base64url').toString())
  // Alert ids are PostgreSQL integers: a larger one would fail in the database.
  if (!m || Number(m[2]) > 2 ** 31 - 1) throw badRequest('cursor is not one this server returned', [{ field: 'cursor', message: 'invalid cursor' }])
  return { rank: Number(m[1]), id: Number(m[2]) }
}

const Conflict = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
  alert: Alert,
  allowed: z.array(z.string()).optional(),
})

const ACTIONS = Object.keys(ActionBodies) as Array<keyof typeof ActionBodies>

const SUMMARIES: Record<AlertAction, string> = {
  ack: 'Acknowledge (签收)',
  dispatch: 'Dispatch to a department with a lead official and a deadline (分流)',
  escalate: 'Escalate (挂牌督办)',
  resolve: 'Resolve with the resolution (办结)',
  close: 'Close after the follow-up visit, with satisfaction (回访)',
  comment: 'Comment (does not change the alert; version optional)',
}

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/alerts',
    { schema: { tags: ['alerts'], summary: 'Alerts, most urgent (level) then newest first', querystring: AlertQuery, response: { 200: AlertList } } },
    async (request) => {
      const scope = townshipScope(request.principal)
      const q = request.query
      if (scope && q.township && q.township !== scope) return { items: [], nextCursor: null }
      const { items, next } = await listAlerts(app.db, {
        states: q.state,
        levels: q.level,
        township: scope ?? q.township,
        suppressed: q.suppressed,
        cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit,
      })
      return { items: readsFreeText(request.principal) ? items : items.map(alertWithoutFreeText), nextCursor: next ? encodeCursor(next) : null }
    },
  )

  app.get(
    '/api/v1/alerts/:id',
    { schema: { tags: ['alerts'], summary: 'One alert with its timeline and comments', params: AlertId, response: { 200: AlertDetail } } },
    async (request) => {
      const scope = townshipScope(request.principal)
      const row = await findAlert(app.db, request.params.id)
      if (!row || (scope && row.township !== scope)) throw notFound(`alert ${request.params.id}`)
      const [name, changes] = await Promise.all([townshipNames(app.db)(row.township), timelineOf(app.db, row.id)])
      const timeline = changes.map((c) => ({
        seq: c.seq,
        at: c.at.toISOString(),
        actor: c.actor,
        action: c.action,
        fromState: c.fromState,
        toState: c.toState,
        note: c.note,
        payload: c.payload,
      }))
      const alert = toAlertJson(row, name)
      if (!readsFreeText(request.principal)) return { alert: alertWithoutFreeText(alert), timeline: timeline.map(entryWithoutFreeText), comments: [] }
      return {
        alert,
        timeline,
        comments: timeline.filter((t) => t.action === 'comment').map((t) => ({ seq: t.seq, at: t.at, actor: t.actor, text: t.note ?? '' })),
      }
    },
  )

  for (const action of ACTIONS) {
    app.post(
      `/api/v1/alerts/:id/${action}`,
      {
        schema: {
          tags: ['alerts'],
          summary: SUMMARIES[action],
          params: AlertId,
          body: ActionBodies[action],
          response: { 200: ActionResponse, 409: z.union([Conflict, ErrorResponse]) },
        },
      },
      async (request, reply) => {
        const principal = request.principal as UserPrincipal
        const now = app.now()
        const body = request.body as Record<string, unknown>
        const payload: ActionPayload = {}
        for (const k of ['department', 'leadOfficial', 'resolution', 'followUp', 'satisfaction', 'note'] as const) {
          if (typeof body[k] === 'string') payload[k] = body[k]
        }
        // The lifecycle keeps a comment's text as its note.
        if (action === 'comment' && typeof body['text'] === 'string') payload.note = body['text']
        if (typeof body['deadline'] === 'string') {
          const deadline = Date.parse(body['deadline'])
          if (!(deadline > now.getTime())) throw badRequest('deadline must be in the future', [{ field: 'deadline', message: 'must be in the future' }])
          payload.deadline = deadline
        }
        const { actor, actorKind } = actorOf(principal)
        const result = await performAction(
          app.db,
          {
            alertId: request.params.id,
            action,
            version: typeof body['version'] === 'number' ? body['version'] : undefined,
            payload,
            actor,
            actorKind,
            ip: request.ip,
            now,
            scope: townshipScope(principal),
          },
          app.alerts.publish,
          app.alerts.inTransaction,
        )
        switch (result.kind) {
          case 'not_found':
            throw notFound(`alert ${request.params.id}`)
          case 'stale': {
            const who = result.by ? `${result.by} at ${result.at?.toISOString()}` : 'someone else'
            return reply.code(409).send({
              error: {
                code: 'stale',
                message: `alert ${result.alert.id} was changed by ${who}: you sent version ${String(body['version'])}, it is now version ${result.alert.version}; reload and decide again`,
              },
              alert: result.alert,
            })
          }
          case 'illegal':
            return reply.code(409).send({ error: { code: 'illegal_transition', message: result.reason }, allowed: result.allowed, alert: result.alert })
          case 'ok':
            return { alert: result.change.alert, seq: result.change.seq }
          default:
            throw new HttpError(500, 'internal', 'unexpected action result')
        }
      },
    )
  }
}

export default routes
