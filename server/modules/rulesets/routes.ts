import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { UserPrincipal } from '../../access/principal.ts'
import { validateRuleSet } from '../../domain/ruleset.ts'
import { ErrorResponse, HttpError, notFound } from '../../http-errors.ts'
import { isoDateTime } from '../../validation.ts'
import { recordAudit } from '../audit/repository.ts'
import { ruleMatches, runBacktest } from './backtest.ts'
import { findLiveVersion, findVersion, insertVersion, listVersions, markLive, statusOf } from './repository.ts'
import { PublishInput, RuleSetError, RulesetId, RulesetInput, RulesetInvalid, RulesetSummary, RulesetWithDocument } from './schema.ts'

function summary(v: Awaited<ReturnType<typeof listVersions>>[number]): RulesetSummary {
  return {
    id: v.id,
    version: v.id,
    status: statusOf(v),
    comment: v.comment,
    basedOn: v.basedOn,
    createdBy: v.createdBy,
    createdAt: v.createdAt,
    publishedAt: v.publishedAt,
    publishedBy: v.publishedBy,
    publishComment: v.publishComment,
  }
}

const RuleMatches = z.object({
  days: z.number(),
  rules: z.array(
    z.object({
      ruleId: z.string(),
      matches: z.number(),
      /** Evaluations skipped because they ran out of the evaluation budget (counted as no match). */
      budgetExceeded: z.number(),
    }),
  ),
})

/** A rule set's errors as the house's field errors. */
const fieldsOf = (errors: ReadonlyArray<{ path: string; message: string }>) => errors.map((e) => ({ field: e.path || '(body)', message: e.message }))

/** Splits the request into the rule-set document and the version's own metadata. */
function documentOf(body: Record<string, unknown>): unknown {
  const { comment: _comment, basedOn: _basedOn, ...document } = body
  return document
}

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/rulesets', { schema: { tags: ['rules'], summary: 'Every rule-set version, newest first', response: { 200: z.array(RulesetSummary) } } }, async () =>
    (await listVersions(app.db)).map(summary),
  )

  app.get('/api/v1/rulesets/live', { schema: { tags: ['rules'], summary: 'The published rule set', response: { 200: RulesetWithDocument, 404: ErrorResponse } } }, async () => {
    const live = await findLiveVersion(app.db)
    if (!live) throw notFound('a published rule set')
    return { ...summary(live), document: live.document }
  })

  app.get(
    '/api/v1/rulesets/:id',
    { schema: { tags: ['rules'], summary: 'One version with its document (also its JSON export)', params: z.object({ id: RulesetId }), response: { 200: RulesetWithDocument } } },
    async (request) => {
      const version = await findVersion(app.db, request.params.id)
      if (!version) throw notFound(`rule set ${request.params.id}`)
      return { ...summary(version), document: version.document }
    },
  )

  app.post(
    '/api/v1/rulesets/validate',
    {
      schema: {
        tags: ['rules'],
        summary: 'Check a rule set without saving it (the editor calls this as you type)',
        body: RulesetInput,
        response: { 200: z.object({ ok: z.boolean(), errors: z.array(RuleSetError) }) },
      },
    },
    async (request) => {
      const result = validateRuleSet(documentOf(request.body))
      return result.ok ? { ok: true, errors: [] } : { ok: false, errors: result.errors }
    },
  )

  app.post(
    '/api/v1/rulesets',
    {
      schema: {
        tags: ['rules'],
        summary: 'Save a draft (import: post an exported document)',
        body: RulesetInput,
        response: { 201: z.object({ id: z.number(), version: z.number(), status: z.literal('draft') }), 400: z.union([RulesetInvalid, ErrorResponse]) },
      },
    },
    async (request, reply) => {
      const principal = request.principal as UserPrincipal
      const result = validateRuleSet(documentOf(request.body))
      if (!result.ok) {
        return reply.code(400).send({
          error: { code: 'invalid_ruleset' as const, message: `the rule set has ${result.errors.length} error(s)`, fields: fieldsOf(result.errors) },
          errors: result.errors,
        })
      }
      const basedOn = request.body.basedOn ?? null
      if (basedOn !== null && !(await findVersion(app.db, basedOn))) throw new HttpError(400, 'bad_request', `basedOn: rule set ${basedOn} does not exist`, { fields: [{ field: 'basedOn', message: 'no such version' }] })
      const version = await app.db.transaction().execute(async (trx) => {
        const created = await insertVersion(trx, { document: result.ruleSet.document, comment: request.body.comment ?? null, basedOn, createdBy: principal.username })
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'ruleset.draft', target: `ruleset:${created.id}`, note: created.comment, ip: request.ip })
        return created
      })
      return reply.code(201).send({ id: version.id, version: version.id, status: 'draft' as const })
    },
  )

  app.post(
    '/api/v1/rulesets/:id/publish',
    {
      schema: {
        tags: ['rules'],
        summary: 'Make this version live (also how to roll back: publish an older version)',
        params: z.object({ id: RulesetId }),
        body: PublishInput,
        response: { 200: RulesetSummary, 409: ErrorResponse },
      },
    },
    async (request) => {
      const principal = request.principal as UserPrincipal
      const { id } = request.params
      const published = await app.db.transaction().execute(async (trx) => {
        const version = await findVersion(trx, id)
        if (!version) throw notFound(`rule set ${id}`)
        if (version.live) throw new HttpError(409, 'conflict', `rule set ${id} is already live`)
        // A stored version passed validation when saved; re-check in case the rule language changed since.
        const check = validateRuleSet(version.document)
        // (The evaluation budget, for one: a version saved before it may now be refused, in zh-CN.)
        if (!check.ok) {
          throw new HttpError(409, 'conflict', `rule set ${id} no longer validates: ${check.errors[0]?.path} ${check.errors[0]?.message}`, { fields: fieldsOf(check.errors) })
        }
        const previous = await findLiveVersion(trx)
        await markLive(trx, id, principal.username, request.body.comment, app.now())
        await recordAudit(trx, {
          actor: principal.username,
          actorKind: 'user',
          action: 'ruleset.publish',
          target: `ruleset:${id}`,
          from: previous ? { live: previous.id } : null,
          to: { live: id },
          note: request.body.comment,
          ip: request.ip,
        })
        return (await findVersion(trx, id))!
      })
      await app.rulesChanged()
      return summary(published)
    },
  )

  const isoWithOffset = isoDateTime('must be an ISO-8601 time with an offset')
  app.post(
    '/api/v1/rulesets/:id/backtest',
    {
      schema: {
        tags: ['rules'],
        summary: 'Replay stored events in [from, to) through this version; diff against the live set',
        params: z.object({ id: RulesetId }),
        body: z.object({ from: isoWithOffset, to: isoWithOffset }),
      },
    },
    async (request) => runBacktest(app.db, request.params.id, { from: new Date(request.body.from), to: new Date(request.body.to) }, app.config.tzDisplay),
  )

  app.get(
    '/api/v1/rulesets/:id/matches',
    {
      schema: {
        tags: ['rules'],
        summary: "How many stored events each rule's condition matched recently",
        params: z.object({ id: RulesetId }),
        querystring: z.object({ days: z.coerce.number().int().min(1).max(90).default(7) }),
        response: { 200: RuleMatches },
      },
    },
    async (request) => ruleMatches(app.db, request.params.id, request.query.days, app.now()),
  )
}

export default routes
