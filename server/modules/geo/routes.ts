import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { UserPrincipal } from '../../access/principal.ts'
import { ErrorResponse, notFound } from '../../http-errors.ts'
import { DbId } from '../../validation.ts'
import { recordAudit } from '../audit/repository.ts'
import { listTownships } from '../townships/repository.ts'
import { COUNTY_LAYER, getGeoLayer, insertGeoVersion, listGeoVersions, restoreGeoVersion } from './repository.ts'
import { prepareCountyLayer } from './service.ts'

/** Real county files run to tens of megabytes before simplification (docs/architecture.md §3). */
export const GEO_BODY_LIMIT = 80 * 1024 * 1024

const propertyName = z.string().trim().min(1, 'required').max(100, 'at most 100 characters')
const UploadQuery = z.object({
  codeProperty: propertyName.optional(),
  nameProperty: propertyName.optional(),
  fileName: z.string().trim().min(1).max(255, 'at most 255 characters').optional(),
  fit: z.enum(['main', 'all'], { error: 'must be "main" (leave outlying parts out of the map fit) or "all"' }).default('main'),
})

// Loose where the stored layer may carry more (a demo seed, an earlier upload): the document
// describes what a client can rely on; coordinates are not walked (a county layer is megabytes).
const CountyLayerResponse = z.looseObject({
  type: z.literal('FeatureCollection'),
  fitBbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  features: z.array(
    z.looseObject({
      type: z.literal('Feature'),
      properties: z.looseObject({ code: z.string(), name: z.string() }),
      geometry: z.looseObject({ type: z.enum(['Polygon', 'MultiPolygon']), coordinates: z.array(z.unknown()) }),
    }),
  ),
})
const GeoVersionResponse = z.object({
  id: z.number(),
  fileName: z.string().nullable(),
  createdAt: z.date(),
  createdBy: z.string(),
  report: z.record(z.string(), z.unknown()),
  current: z.boolean(),
})

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/geo/county',
    {
      schema: {
        tags: ['geo'],
        summary: 'Township boundaries as a GeoJSON FeatureCollection (properties.code, properties.name; fitBbox: what the map fits to)',
        response: { 200: CountyLayerResponse, 404: ErrorResponse },
      },
    },
    async (_request, reply) => {
      const geojson = await getGeoLayer(app.db, COUNTY_LAYER)
      if (!geojson) throw notFound('county geography (none loaded: start with DEMO=1 or upload one)')
      reply.header('cache-control', 'no-cache')
      return geojson as z.infer<typeof CountyLayerResponse>
    },
  )

  app.put(
    '/api/v1/geo/county',
    {
      bodyLimit: GEO_BODY_LIMIT,
      schema: {
        tags: ['geo'],
        summary: 'Upload township boundaries (GeoJSON Feature or FeatureCollection of Polygon/MultiPolygon): matched to townships by code or name, checked, simplified, stored as a new version',
        querystring: UploadQuery,
        body: z.unknown(),
      },
    },
    async (request) => {
      const principal = request.principal as UserPrincipal
      const townships = await listTownships(app.db)
      const { layer, report } = prepareCountyLayer(request.body, townships, request.query)
      const fileName = request.query.fileName ?? null
      const version = await app.db.transaction().execute(async (trx) => {
        const id = await insertGeoVersion(trx, { layer: COUNTY_LAYER, geojson: layer, report, fileName, createdBy: principal.username })
        const summary = { fileName, matched: report.matched.length, unmatched: report.unmatched.length, missing: report.missing.length, vertices: report.simplification }
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'geo.upload', target: `geo:${COUNTY_LAYER}:${id}`, to: summary, ip: request.ip })
        return id
      })
      app.realtime.geoUpdated(version)
      return { version, report }
    },
  )

  app.get('/api/v1/geo/county/versions', { schema: { tags: ['geo'], summary: 'Uploaded boundary versions, newest first (current: the one the wall draws)', response: { 200: z.array(GeoVersionResponse) } } }, async () =>
    listGeoVersions(app.db, COUNTY_LAYER),
  )

  app.post(
    '/api/v1/geo/county/versions/:id/restore',
    { schema: { tags: ['geo'], summary: 'Make an earlier boundary version the current one', params: z.object({ id: DbId }) } },
    async (request) => {
      const principal = request.principal as UserPrincipal
      await app.db.transaction().execute(async (trx) => {
        const restored = await restoreGeoVersion(trx, COUNTY_LAYER, request.params.id, principal.username)
        if (!restored) throw notFound(`boundary version ${request.params.id}`)
        await recordAudit(trx, {
          actor: principal.username,
          actorKind: 'user',
          action: 'geo.restore',
          target: `geo:${COUNTY_LAYER}:${request.params.id}`,
          from: { version: restored.previous },
          to: { version: request.params.id, fileName: restored.fileName },
          ip: request.ip,
        })
      })
      app.realtime.geoUpdated(request.params.id)
      return { version: request.params.id }
    },
  )
}

export default routes
