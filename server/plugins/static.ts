import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export const CLIENT_DIST = fileURLToPath(new URL('../../dist/client/', import.meta.url))

/** Serves the built client, with the SPA's index.html for any screen route (/wall, /duty, …). */
export default fp(async function staticClient(app: FastifyInstance) {
  if (!existsSync(`${CLIENT_DIST}index.html`)) {
    app.log.warn('client build not found in dist/client: run `npm run build` (npm start does it for you)')
    return
  }
  await app.register(fastifyStatic, { root: CLIENT_DIST, wildcard: false, index: false, maxAge: '1h', immutable: false })
  const spa = async (_request: unknown, reply: { header: (k: string, v: string) => unknown; sendFile: (f: string) => unknown }) => {
    reply.header('cache-control', 'no-cache')
    return reply.sendFile('index.html')
  }
  app.get('/', { schema: { hide: true } }, spa)
  for (const screen of ['/wall', '/duty', '/imports', '/rules', '/admin', '/login']) {
    // With and without a trailing slash: a typed or bookmarked /wall/ opens the wall too.
    app.get(screen, { schema: { hide: true } }, spa)
    app.get(`${screen}/`, { schema: { hide: true } }, spa)
  }
  app.get('/township/*', { schema: { hide: true } }, spa)
  app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const file = (request.params as { '*': string })['*']
    reply.header('cache-control', 'public, max-age=31536000, immutable')
    return reply.sendFile(`assets/${file}`)
  })
}, { name: 'static' })
