import { z } from 'zod'

/** One shape for every error response: `{error: {code, message, fields?}}`. */
export interface FieldError {
  field: string
  message: string
}

/** That shape as a response schema, for routes that declare a 4xx of their own (a route's schema applies to every reply with its status). */
export const ErrorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), fields: z.array(z.object({ field: z.string(), message: z.string() })).optional() }),
})

export class HttpError extends Error {
  readonly statusCode: number
  readonly code: string
  readonly fields: FieldError[] | undefined
  readonly headers: Record<string, string> | undefined

  constructor(statusCode: number, code: string, message: string, options?: { fields?: FieldError[]; headers?: Record<string, string> }) {
    super(message)
    this.statusCode = statusCode
    this.code = code
    this.fields = options?.fields
    this.headers = options?.headers
  }
}

export const badRequest = (message: string, fields?: FieldError[]) => new HttpError(400, 'bad_request', message, { fields })
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`)
export const conflict = (message: string, fields?: FieldError[]) => new HttpError(409, 'conflict', message, { fields })
export const unavailable = (message: string, retryAfterSeconds = 5) =>
  new HttpError(503, 'unavailable', message, { headers: { 'retry-after': String(retryAfterSeconds) } })

// SQLSTATE classes that mean "the database is not there right now", not "your request is wrong":
// 08 connection exceptions, 57P01-57P03 shutdown / cannot connect now, 53300 too many connections.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
const UNAVAILABLE_MESSAGE = /driver has already been destroyed|PGlite is closed|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|Cannot use a pool after calling end/i

/** True when an error says the database is unreachable (answer 503, retry later). */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true
    const message = (e as { message?: unknown }).message
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true
  }
  return false
}

/** PostgreSQL's unique_violation (both drivers): a check-then-insert lost a race. */
export const isUniqueViolation = (err: unknown): boolean => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505'
