// Requests for the rules workbench and admin screens. Writes carry the session's CSRF token in
// `x-csrf-token` (DESIGN §8). Until a shared session store exists, the token is fetched once from
// GET /api/v1/session and cached here; `setCsrfToken` lets a session store hand it over instead.
import { ApiError } from './api.ts'

/** What a server type looks like after JSON: dates become ISO strings. */
export type Jsonify<T> = T extends Date
  ? string
  : T extends Array<infer U>
    ? Jsonify<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonify<T[K]> }
      : T

/** An API error that keeps the whole response body (the rule-set 400 carries `errors` with positions). */
export class HttpBodyError extends ApiError {
  readonly body: unknown
  constructor(status: number, code: string, message: string, fields: Array<{ field: string; message: string }>, body: unknown) {
    super(status, code, message, fields)
    this.body = body
  }
}

let csrfToken: string | null = null
let pending: Promise<string> | null = null

export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

async function csrf(): Promise<string> {
  if (csrfToken) return csrfToken
  pending ??= (async () => {
    try {
      const session = await request<{ csrfToken: string }>('/api/v1/session')
      csrfToken = session.csrfToken
      return session.csrfToken
    } finally {
      pending = null
    }
  })()
  return pending
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers)
  if (init.body !== undefined && typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json')
  const method = (init.method ?? 'GET').toUpperCase()
  if (method !== 'GET' && method !== 'HEAD' && !headers.has('x-csrf-token')) headers.set('x-csrf-token', await csrf())
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; fields?: Array<{ field: string; message: string }> } } | null
    throw new HttpBodyError(response.status, body?.error?.code ?? 'http', body?.error?.message ?? response.statusText, body?.error?.fields ?? [], body)
  }
  if (response.status === 204) return null as T
  const text = await response.text()
  return (text === '' ? null : JSON.parse(text)) as T
}

export const getJson = <T>(path: string): Promise<T> => request<T>(path)
export const postJson = <T>(path: string, body: unknown, method = 'POST'): Promise<T> => request<T>(path, { method, body: JSON.stringify(body) })
export const del = (path: string): Promise<null> => request<null>(path, { method: 'DELETE' })

/** A 404 (endpoint not there yet, or nothing published) as `null` rather than an error. */
export async function getOptional<T>(path: string): Promise<T | null> {
  try {
    return await request<T>(path)
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null
    throw err
  }
}

/** Field errors of a failed request, keyed by field path. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (err instanceof ApiError) for (const f of err.fields) out[f.field] ??= f.message
  return out
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
