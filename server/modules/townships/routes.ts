import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { townshipScope } from '../../access/principal.ts'
import { HttpError, notFound } from '../../http-errors.ts'
import { findTownship, listTownships } from './repository.ts'
import { townshipHistory } from './history.ts'
import { ScoreHistory, Township, TownshipCode, TownshipDetail } from './schema.ts'

const round1 = (n: number) => Math.round(n * 10) / 10

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/townships',
    { schema: { tags: ['townships'], summary: 'Every township with its current score and level', response: { 200: z.array(Township) } } },
    async (request) => {
      const scope = townshipScope(request.principal)
      const all = await listTownships(app.db)
      return all.filter((t) => !scope || t.code === scope).map((t) => ({ ...t, score: round1(t.score) }))
    },
  )

  app.get(
    '/api/v1/townships/:code',
    {
      schema: {
        tags: ['townships'],
        summary: 'One township with its score explanation',
        params: z.object({ code: TownshipCode }),
        response: { 200: TownshipDetail },
      },
    },
    async (request) => {
      const township = await visibleTownship(request.principal, request.params.code)
      const explanation = app.engine.explain(township.code)
      return {
        ...township,
        score: round1(township.score),
        explanation: explanation && {
          score: round1(explanation.score),
          level: explanation.level,
          silent: explanation.silent,
          signals: explanation.signals
            .map((s) => ({ ruleId: s.ruleId, ruleName: s.ruleName, kind: s.kind, points: round1(s.points), pointsNow: round1(s.pointsNow), factor: s.factor, at: new Date(s.at), eventIds: [...s.eventIds] }))
            .sort((a, b) => b.pointsNow - a.pointsNow),
        },
      }
    },
  )

  app.get(
    '/api/v1/townships/:code/history',
    {
      schema: {
        tags: ['townships'],
        summary: "Score history: each day's highest score under the live rules",
        params: z.object({ code: TownshipCode }),
        querystring: z.object({ days: z.coerce.number().int().min(1, 'at least 1').max(90, 'at most 90').default(30) }),
        response: { 200: ScoreHistory },
      },
    },
    async (request) => {
      const township = await visibleTownship(request.principal, request.params.code)
      return { township: township.code, days: request.query.days, items: await townshipHistory(app.db, township.code, request.query.days, app.now(), app.config.tzDisplay) }
    },
  )

  async function visibleTownship(principal: Parameters<typeof townshipScope>[0], code: string) {
    const scope = townshipScope(principal)
    if (scope && scope !== code) throw new HttpError(403, 'forbidden', 'a township officer sees only their own township')
    const township = await findTownship(app.db, code)
    if (!township) throw notFound(`township ${code}`)
    return township
  }
}

export default routes
