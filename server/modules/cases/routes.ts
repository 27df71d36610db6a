import { alertWithoutFreeText, entryWithoutFreeText, readsFreeText } from '../../access/free-text.ts'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { actorOf, townshipScope, type UserPrincipal } from '../../access/principal.ts'
import type { ActionPayload, AlertAction } from '../../domain/alert-lifecycle.ts'
import { badRequest, ErrorResponse, HttpError, notFound } from '../../http-errors.ts'
import { toAlertJson, townshipNames } from '../alerts/repository.ts'
import { Alert } from '../alerts/schema.ts'
import { caseTimeline, findCase, listCases, membersOf, toCaseJson } from './repository.ts'
import { Case, CaseActionBodies, CaseDelivery, CaseActionResponse, CaseDetail, CaseId, CaseList, CaseQuery } from './schema.ts'
import { performCaseAction } from './service.ts'
import { caseDeliveries } from '../notifications/repository.ts'

type DeliveryRow = Awaited<ReturnType<typeof caseDeliveries>>[number]

function toDeliveryJson(d: DeliveryRow, freeText: boolean): z.infer<typeof CaseDelivery> {
  const step = d.message.step ? { index: d.message.step.index, audience: d.message.step.audience } : null
  return { id: d.id, alertId: d.alertId!, at: d.at.toISOString(), channel: { name: d.channelName, kind: d.channelKind }, message: d.message.kind, step, attempt: d.attempt, outcome: d.outcome, error: freeText ? d.error : null }
}

// Cases (DESIGN §6; docs/architecture.md §6, "Cases"): the duty queue reads cases with their
// member alerts; an action on a case is that action on its members (server/modules/cases/service.ts).

const encodeCursor = (c: { rank: number; id: number }) => Buffer.from(`${c.rank}.${c.id}`).toString('base64url')
function decodeCursor(raw: string): { rank: number; id: number } {
  const m = /^(\d)\.(\d{1,10})$/.exec(Buffer.from(raw, 'base64url').toString())
  if (!m || Number(m[2]) > 2 ** 31 - 1) throw badRequest('cursor is not one this server returned', [{ field: 'cursor', message: 'invalid cursor' }])
  return { rank: Number(m[1]), id: Number(m[2]) }
}

const Conflict = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
  case: Case,
  alerts: z.array(Alert),
  allowed: z.array(z.string()).optional(),
})

const ACTIONS = Object.keys(CaseActionBodies) as Array<keyof typeof CaseActionBodies>

const SUMMARIES: Record<AlertAction, string> = {
  ack: 'Acknowledge the case and its new alerts (签收)',
  dispatch: 'Dispatch the case and its acknowledged alerts to a department with a lead official and a deadline (分流)',
  escalate: 'Escalate the case and its open alerts (挂牌督办)',
  resolve: 'Resolve the case and its dispatched alerts (办结)',
  close: 'Close the case and its resolved alerts after the follow-up visit, with satisfaction (回访)',
  comment: 'Comment on every alert of the case (version optional)',
}

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/cases',
    { schema: { tags: ['cases'], summary: 'Cases with their alerts, most urgent (level) then newest first', querystring: CaseQuery, response: { 200: CaseList } } },
    async (request) => {
      const scope = townshipScope(request.principal)
      const q = request.query
      if (scope && q.township && q.township !== scope) return { items: [], nextCursor: null }
      const { rows, next } = await listCases(app.db, {
        statuses: q.status,
        levels: q.level,
        township: scope ?? q.township,
        escalated: q.escalated,
        overdue: q.overdue,
        now: app.now(),
        cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit,
      })
      const members = await membersOf(app.db, rows.map((r) => r.id))
      const text = readsFreeText(request.principal)
      return {
        items: rows.map((r) => {
          const alerts = (members.get(r.id) ?? []).map((a) => toAlertJson(a, r.townshipName)).map((a) => (text ? a : alertWithoutFreeText(a)))
          return { ...toCaseJson(r, r.townshipName, alerts.map((a) => a.id)), alerts }
        }),
        nextCursor: next ? encodeCursor(next) : null,
      }
    },
  )

  app.get(
    '/api/v1/cases/:id',
    { schema: { tags: ['cases'], summary: 'One case with its alerts and their timeline', params: CaseId, response: { 200: CaseDetail } } },
    async (request) => {
      const scope = townshipScope(request.principal)
      const row = await findCase(app.db, request.params.id)
      if (!row || (scope && row.township !== scope)) throw notFound(`case ${request.params.id}`)
      const [name, members, changes, sent] = await Promise.all([townshipNames(app.db)(row.township), membersOf(app.db, [row.id]), caseTimeline(app.db, row.id), caseDeliveries(app.db, row.id)])
      const alerts = (members.get(row.id) ?? []).map((a) => toAlertJson(a, name))
      const timeline = changes.map((c) => ({ seq: Number(c.seq), alertId: c.alertId, at: c.at.toISOString(), actor: c.actor, action: c.action, fromState: c.fromState, toState: c.toState, note: c.note, payload: c.payload }))
      const text = readsFreeText(request.principal)
      return {
        case: toCaseJson(row, name, alerts.map((a) => a.id)),
        alerts: text ? alerts : alerts.map(alertWithoutFreeText),
        timeline: text ? timeline : timeline.map(entryWithoutFreeText),
        deliveries: sent.map((d) => toDeliveryJson(d, text)),
      }
    },
  )

  for (const action of ACTIONS) {
    app.post(
      `/api/v1/cases/:id/${action}`,
      {
        schema: {
          tags: ['cases'],
          summary: SUMMARIES[action],
          params: CaseId,
          body: CaseActionBodies[action],
          response: { 200: CaseActionResponse, 409: z.union([Conflict, ErrorResponse]) },
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
        if (action === 'comment' && typeof body['text'] === 'string') payload.note = body['text']
        if (typeof body['deadline'] === 'string') {
          const deadline = Date.parse(body['deadline'])
          if (!(deadline > now.getTime())) throw badRequest('deadline must be in the future', [{ field: 'deadline', message: 'must be in the future' }])
          payload.deadline = deadline
        }
        const { actor, actorKind } = actorOf(principal)
        const result = await performCaseAction(
          app.db,
          {
            caseId: request.params.id,
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
            throw notFound(`case ${request.params.id}`)
          case 'stale':
            return reply.code(409).send({
              error: { code: 'stale', message: `case ${result.case.id} was changed: you sent version ${String(body['version'])}, it is now version ${result.case.version}; reload and decide again` },
              case: result.case,
              alerts: result.alerts,
            })
          case 'illegal':
            return reply.code(409).send({ error: { code: 'illegal_transition', message: result.reason }, allowed: result.allowed, case: result.case, alerts: result.alerts })
          case 'ok':
            return { case: result.case, alerts: result.alerts, seq: result.changes.at(-1)?.seq ?? 0 }
          default:
            throw new HttpError(500, 'internal', 'unexpected action result')
        }
      },
    )
  }
}

export default routes
