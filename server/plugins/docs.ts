import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifySchema } from 'fastify'
import fp from 'fastify-plugin'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Access } from '../access/policy.ts'
import { ErrorResponse } from '../http-errors.ts'
import { SESSION_COOKIE } from './access.ts'

/**
 * The OpenAPI document, generated from the route schemas (the single source of API types) at
 * /api/docs/json, with what the route schemas do not say filled in from the route's own metadata —
 * the same metadata that enforces it — so the description cannot drift from the behaviour:
 *
 * - `security`, from the route's access policy (server/access/policy.ts, which the access plugin
 *   enforces): none on a public route, the feed token, the session cookie, and on a state-changing
 *   cookie request the x-csrf-token header too;
 * - an `operationId` from the method and path (a route may give its own);
 * - the error responses the app's one error handler (server/plugins/errors.ts) gives before or
 *   around the handler: 400 validation, 401/403 by the policy, 404 on a route with an id in its
 *   path, 413/415 for a request body, 429 for a rate-limited route, 503 when the database is down.
 *   A handler's own 4xx (a 409, a 404 without a path id) is declared in the route's schema;
 * - a `nullable` enum lists null among its values (zod's OpenAPI 3.0 output leaves it out, and a
 *   strict client then refuses a real `null`).
 */

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options'

interface OperationFacts {
  method: string
  url: string
  access: Access | undefined
  /** A query, path or body schema: a request can fail validation. */
  validated: boolean
  pathParams: boolean
  rateLimited: boolean
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

/** `POST /api/v1/alerts/:id/ack` → `postAlertsByIdAck`: stable while the route is. */
export function operationIdFor(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v\d+\//, '/')
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean)
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')
}

/** Who may call the operation, as OpenAPI security requirements (alternatives; each one's schemes all apply). */
export function securityFor(access: Access | undefined, method: string): Array<Record<string, string[]>> {
  if (!access || access.kind === 'public') return []
  // Cookies ride along on cross-site requests: a cookie-authenticated write needs the CSRF header too.
  const session: Record<string, string[]> = SAFE_METHODS.has(method) ? { session: [] } : { session: [], csrfToken: [] }
  if (access.kind === 'feed') return [{ feedToken: [] }]
  if (access.kind === 'feed_or_user') return [{ feedToken: [] }, session]
  return [session]
}

/** Error statuses and what each means, as reusable responses (`#/components/responses/…`). */
const ERROR_RESPONSES: Record<string, { name: string; description: string; retryAfter?: boolean }> = {
  400: { name: 'BadRequest', description: 'The request is invalid: error.fields names each field and the reason (or the body is not valid JSON).' },
  401: { name: 'Unauthenticated', description: 'Not signed in, or the feed token is missing, unknown or revoked.' },
  403: { name: 'Forbidden', description: "Not allowed: the caller's role, another township's data, a paired wall display, or a missing or wrong x-csrf-token header." },
  404: { name: 'NotFound', description: "No such resource (or not one the caller's township may see)." },
  409: { name: 'Conflict', description: 'The request conflicts with the current state (error.code and error.message say how).' },
  413: { name: 'PayloadTooLarge', description: 'The request body is larger than allowed.' },
  415: { name: 'UnsupportedMediaType', description: 'The request body has a content type this operation does not take.' },
  429: { name: 'TooManyRequests', description: 'Too many requests: retry after the seconds in Retry-After.', retryAfter: true },
  503: { name: 'Unavailable', description: 'The database is unreachable; nothing was stored. Retry after the seconds in Retry-After.', retryAfter: true },
}

/** The error statuses the framework and the access plugin can give this operation. */
export function errorStatusesFor(facts: OperationFacts): string[] {
  const statuses = new Set<string>()
  const hasBody = BODY_METHODS.has(facts.method)
  if (facts.validated || hasBody) statuses.add('400')
  if (facts.access && facts.access.kind !== 'public') statuses.add('401').add('403')
  if (facts.pathParams) statuses.add('404')
  if (hasBody) statuses.add('413').add('415')
  if (facts.rateLimited) statuses.add('429')
  statuses.add('503')
  return [...statuses]
}

/**
 * What zod's OpenAPI 3.0 output gets wrong, put right in place, everywhere in the document:
 * - `nullable` does not extend `enum` (OpenAPI 3.0.3, "nullable"): a nullable enum must list null itself,
 *   or a strict client refuses a real `null` (an alert's `satisfaction` before the follow-up visit);
 * - a tuple of one type comes out as `items: {anyOf: [same, same]}`: one schema says it.
 */
export function normaliseSchemas(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) normaliseSchemas(item)
    return
  }
  if (value === null || typeof value !== 'object') return
  const node = value as Record<string, unknown>
  if (node['nullable'] === true && Array.isArray(node['enum']) && !node['enum'].includes(null)) node['enum'] = [...node['enum'], null]
  const anyOf = node['anyOf']
  if (Array.isArray(anyOf) && anyOf.length > 1 && anyOf.every((branch) => JSON.stringify(branch) === JSON.stringify(anyOf[0]))) {
    delete node['anyOf']
    Object.assign(node, anyOf[0])
  }
  for (const child of Object.values(node)) normaliseSchemas(child)
}

const ERROR_SCHEMA = z.toJSONSchema(ErrorResponse, { target: 'openapi-3.0' }) as Record<string, unknown>
delete ERROR_SCHEMA['$schema']

export default fp(async function docs(app: FastifyInstance) {
  // What each operation's route says, by operationId, for the document-wide pass below.
  const facts = new Map<string, OperationFacts>()

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Shaowang 哨望 API',
        version: '1',
        description:
          'Sign in with POST /api/v1/session: the session cookie authenticates later calls, and every state-changing call ' +
          'made with it also sends the csrfToken from that response (or GET /api/v1/session) in the x-csrf-token header. ' +
          'Feeds send their token as a bearer token. Every error is {"error": {"code", "message", "fields"?}}.',
      },
      // Relative: the API is served by whichever host the document was fetched from.
      servers: [{ url: '/', description: 'this server' }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The session cookie set by POST /api/v1/session (or a wall display pairing, POST /api/v1/session/kiosk).' },
          csrfToken: {
            type: 'apiKey',
            in: 'header',
            name: 'x-csrf-token',
            description: "The session's csrfToken (from POST or GET /api/v1/session), required with the session cookie on every request that is not GET, HEAD or OPTIONS.",
          },
          feedToken: { type: 'http', scheme: 'bearer', description: "A feed's token (Authorization: Bearer <token>), issued by an administrator (POST /api/v1/feeds)." },
        },
      },
    },
    transform: (document) => {
      const { route, url } = document
      const transformed = jsonSchemaTransform(document) as { schema: Record<string, unknown> | undefined; url: string }
      const schema = transformed.schema ?? {}
      if (schema['hide']) return { schema: schema as FastifySchema, url: transformed.url }
      const method = Array.isArray(route.method) ? route.method[0]! : route.method
      const access = (route.config as { access?: Access } | undefined)?.access
      const operationId = (schema['operationId'] as string | undefined) ?? operationIdFor(method, url)
      const earlier = facts.get(operationId)
      if (earlier && (earlier.method !== method || earlier.url !== url)) throw new Error(`operationId ${operationId} of ${method} ${url} is also ${earlier.method} ${earlier.url}'s`)
      const original = route.schema as Record<string, unknown> | undefined
      facts.set(operationId, {
        method,
        url,
        access,
        validated: Boolean(original?.['body'] || original?.['querystring'] || original?.['params']),
        pathParams: url.includes(':'),
        rateLimited: Boolean((route.config as { rateLimit?: unknown } | undefined)?.rateLimit),
      })
      // A route without a schema still has its path parameters (Fastify's generated ones) documented.
      if (!original?.['params'] && url.includes(':')) {
        schema['params'] = {
          type: 'object',
          properties: Object.fromEntries([...url.matchAll(/:(\w+)/g)].map((m) => [m[1], { type: 'string' }])),
          required: [...url.matchAll(/:(\w+)/g)].map((m) => m[1]),
        }
      }
      return { url: transformed.url, schema: { ...schema, operationId, security: securityFor(access, method) } as FastifySchema }
    },
    transformObject: (documentObject) => {
      const { openapiObject } = documentObject as { openapiObject: Record<string, unknown> }
      const document = openapiObject as {
        paths: Record<string, Partial<Record<HttpMethod, { operationId?: string; responses: Record<string, unknown> }>>>
        components: Record<string, Record<string, unknown>>
      }
      document.components['schemas'] = { ...document.components['schemas'], Error: ERROR_SCHEMA }
      const responses: Record<string, unknown> = {}
      for (const { name, description, retryAfter } of Object.values(ERROR_RESPONSES)) {
        responses[name] = {
          description,
          ...(retryAfter ? { headers: { 'retry-after': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } } } : {}),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        }
      }
      document.components['responses'] = responses
      const used = new Set<string>()
      for (const operations of Object.values(document.paths)) {
        for (const operation of Object.values(operations)) {
          const known = operation?.operationId ? facts.get(operation.operationId) : undefined
          if (!operation || !known) continue
          for (const status of errorStatusesFor(known)) {
            if (operation.responses[status]) continue
            operation.responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` }
            used.add(ERROR_RESPONSES[status]!.name)
          }
        }
      }
      // Only the responses an operation refers to (an unused component is noise in the document).
      for (const name of Object.keys(responses)) if (!used.has(name)) delete responses[name]
      normaliseSchemas(document)
      return openapiObject
    },
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs' })
}, { name: 'docs' })
