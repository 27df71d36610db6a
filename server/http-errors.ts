/** One shape for every error response: `{error: {code, message, fields?}}`. */
export interface FieldError {
  field: string
  message: string
}

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

/** PostgreSQL's unique_violation (both drivers): a check-then-insert lost a race. */
export const isUniqueViolation = (err: unknown): boolean => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505'
