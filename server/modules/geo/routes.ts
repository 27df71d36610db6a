import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { notFound } from '../../http-errors.ts'
import { COUNTY_LAYER, getGeoLayer } from './repository.ts'

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/geo/county',
    { schema: { tags: ['geo'], summary: 'Township boundaries as a GeoJSON FeatureCollection (properties.code, properties.name)' } },
    async (_request, reply) => {
      const geojson = await getGeoLayer(app.db, COUNTY_LAYER)
      if (!geojson) throw notFound('county geography (none loaded: start with DEMO=1 or upload one)')
      reply.header('cache-control', 'no-cache')
      return geojson
    },
  )
}

export default routes
