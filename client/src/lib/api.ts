/** A failed API call, carrying the server's `{error: {code, message, fields?}}` and the whole body. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Array<{ field: string; message: string }>
  /** The response body as sent (the rule-set 400 carries `errors` with positions). */
  readonly body: unknown

  constructor(status: number, code: string, message: string, fields: Array<{ field: string; message: string }> = [], body: unknown = null) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields
    this.body = body
  }
}

export type { Jsonify } from '#contract/api.ts'

interface ApiHooks {
  /** The session's CSRF token, sent with every write (the session store provides it). */
  csrfToken(): string | null
  /** Called on a 401 outside the session endpoints: the session ended, so sign in again. */
  onUnauthenticated(): void
}

const NO_HOOKS: ApiHooks = { csrfToken: () => null, onUnauthenticated: () => {} }
let hooks: ApiHooks = NO_HOOKS
/** The token fetched here when no session store provides one (a screen mounted on its own, tests). */
let fetchedCsrf: Promise<string | null> | null = null

/** Wires the helper to the session store and router (done once, in router.ts). */
export function configureApi(next: Partial<ApiHooks>): void {
  hooks = { ...hooks, ...next }
}

/** Forgets the hooks and any fetched CSRF token (tests start from a clean slate). */
export function resetApi(): void {
  hooks = NO_HOOKS
  fetchedCsrf = null
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

async function csrfToken(): Promise<string | null> {
  const fromSession = hooks.csrfToken()
  if (fromSession) return fromSession
  fetchedCsrf ??= send<{ csrfToken?: string }>('/api/v1/session', {}).then(
    (s) => s.csrfToken ?? null,
    () => null,
  )
  return fetchedCsrf
}

async function send<T>(path: string, init: RequestInit, as: 'json' | 'blob' = 'json'): Promise<T> {
  const headers = new Headers(init.headers)
  if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json')
  const method = (init.method ?? 'GET').toUpperCase()
  if (!SAFE_METHODS.has(method) && !headers.has('x-csrf-token')) {
    const token = await csrfToken()
    if (token) headers.set('x-csrf-token', token)
  }
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; fields?: Array<{ field: string; message: string }> } } | null
    // Signing in (and asking whether one is signed in) answers 401 as part of its job.
    if (response.status === 401 && !path.startsWith('/api/v1/session')) hooks.onUnauthenticated()
    throw new ApiError(response.status, body?.error?.code ?? 'http', body?.error?.message ?? response.statusText, body?.error?.fields ?? [], body)
  }
  if (response.status === 204) return undefined as T
  if (as === 'blob') return (await response.blob()) as T
  const text = await response.text()
  return (text === '' ? undefined : JSON.parse(text)) as T
}

/** The one way the client calls the API: JSON in and out, CSRF on writes, 401 → sign in again. */
export async function api<T>(path: string, init: RequestInit = {}, as: 'json' | 'blob' = 'json'): Promise<T> {
  try {
    return await send<T>(path, init, as)
  } catch (err) {
    // A token fetched here may have gone stale (signed in again elsewhere): fetch it once more.
    if (err instanceof ApiError && err.status === 403 && /csrf/i.test(err.code) && fetchedCsrf && !hooks.csrfToken()) {
      fetchedCsrf = null
      return send<T>(path, init, as)
    }
    throw err
  }
}

export const postJson = <T>(path: string, body: unknown, method = 'POST'): Promise<T> => api<T>(path, { method, body: JSON.stringify(body ?? {}) })
export const del = (path: string): Promise<void> => api<void>(path, { method: 'DELETE' })
/** A multipart form (a file upload); the browser sets the boundary. */
export const postForm = <T>(path: string, form: FormData): Promise<T> => api<T>(path, { method: 'POST', body: form })
/** A multipart form whose answer is a file (a workbook), not JSON. */
export const postFormForBlob = (path: string, form: FormData): Promise<Blob> => api<Blob>(path, { method: 'POST', body: form }, 'blob')

/** A 404 (nothing there, e.g. nothing published yet) as `null` rather than an error. */
export async function getOptional<T>(path: string): Promise<T | null> {
  try {
    return await api<T>(path)
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
