import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { townshipScope } from '../../access/principal.ts'
import { HttpError, notFound } from '../../http-errors.ts'
import { findTownship, listTownships } from './repository.ts'
import { Township, TownshipCode } from './schema.ts'

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
        response: { 200: Township },
      },
    },
    async (request) => {
      const scope = townshipScope(request.principal)
      if (scope && scope !== request.params.code) throw new HttpError(403, 'forbidden', 'a township officer sees only their own township')
      const township = await findTownship(app.db, request.params.code)
      if (!township) throw notFound(`township ${request.params.code}`)
      return { ...township, score: round1(township.score) }
    },
  )
}

export default routes
