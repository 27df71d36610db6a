import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { type FieldError, HttpError, isDatabaseUnavailable } from '../http-errors.ts'

interface ErrorBody {
  error: { code: string; message: string; fields?: FieldError[] }
}

function fieldPath(instancePath: string, params: Record<string, unknown> | undefined): string {
  const parts = instancePath.split('/').filter(Boolean)
  // Zod reports an unknown or missing key at its parent; name the key itself.
  const keys = params?.['keys']
  const extra = params && typeof params['missingProperty'] === 'string' ? [params['missingProperty']] : Array.isArray(keys) && keys.length === 1 ? [String(keys[0])] : []
  return [...parts, ...extra].join('.') || '(body)'
}

// Errors that Fastify raises before a handler runs, mapped to the public shape.
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'request body is larger than allowed' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed_json', message: 'request body is empty but content-type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_json', message: 'request body is not valid JSON' },
}

/**
 * Errors Fastify raises before it has a route (so before the error handler): a path that is not
 * valid percent-encoded UTF-8, or a path parameter over the router's length limit.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    const message = tooLong ? 'a path parameter is longer than allowed' : 'the URL path is not valid: a malformed %-escape or bytes that are not UTF-8'
    request.log.info({ code: error.code }, message)
    // No route means no onRequest hooks (helmet): a JSON error still must not be sniffed or framed.
    reply.header('x-content-type-options', 'nosniff').header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
    return reply.code(tooLong ? 414 : 400).send({ error: { code: tooLong ? 'uri_too_long' : 'bad_url', message, fields: [{ field: '(path)', message }] } })
  }
  request.log.error({ err: error }, 'request failed before routing')
  return reply.code(500).send({ error: { code: 'internal', message: 'internal error; the incident was logged' } })
}

export default fp(async function errors(app: FastifyInstance) {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    let status = 500
    let body: ErrorBody
    if (error instanceof HttpError) {
      status = error.statusCode
      body = { error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } }
      if (error.headers) reply.headers(error.headers)
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      status = 400
      const fields = error.validation.map((v) => ({
        field: fieldPath(v.instancePath, v.params as Record<string, unknown>),
        message: v.message ?? 'invalid',
      }))
      body = { error: { code: 'validation', message: `invalid ${error.validationContext ?? 'request'}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields } }
    } else if (error.code && FRAMEWORK_ERRORS[error.code]) {
      const known = FRAMEWORK_ERRORS[error.code]!
      status = known.status
      body = { error: { code: known.code, message: known.message ?? error.message } }
    } else if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
      status = 400
      body = { error: { code: 'malformed_json', message: 'request body is not valid JSON' } }
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode
      body = { error: { code: status === 429 ? 'rate_limited' : 'bad_request', message: error.message } }
    } else if (isDatabaseUnavailable(error)) {
      // An outage, not a bug: tell the client to come back (feeds retry on 503).
      status = 503
      body = { error: { code: 'unavailable', message: 'the database is unreachable; nothing was stored — retry later' } }
      reply.header('retry-after', '5')
    } else {
      // Never leak stack traces, SQL or driver messages to a client.
      body = { error: { code: 'internal', message: 'internal error; the incident was logged' } }
    }
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: body.error.code, status }, body.error.message)
    return reply.code(status).send(body)
  })

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  )
}, { name: 'errors' })
