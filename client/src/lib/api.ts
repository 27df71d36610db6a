/** A failed API call, carrying the server's `{error: {code, message, fields?}}`. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Array<{ field: string; message: string }>

  constructor(status: number, code: string, message: string, fields: Array<{ field: string; message: string }> = []) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields
  }
}

interface ApiHooks {
  /** The session's CSRF token, sent with every write (the session store provides it). */
  csrfToken(): string | null
  /** Called on a 401 outside the session endpoints: the session ended, so sign in again. */
  onUnauthenticated(): void
}

let hooks: ApiHooks = { csrfToken: () => null, onUnauthenticated: () => {} }

/** Wires the helper to the session store and router (done once, in router.ts). */
export function configureApi(next: Partial<ApiHooks>): void {
  hooks = { ...hooks, ...next }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers)
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json')
  const method = (init.method ?? 'GET').toUpperCase()
  const csrf = hooks.csrfToken()
  if (!SAFE_METHODS.has(method) && csrf && !headers.has('x-csrf-token')) headers.set('x-csrf-token', csrf)
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string; fields?: Array<{ field: string; message: string }> } } | null
    // Signing in (and asking whether one is signed in) answers 401 as part of its job.
    if (response.status === 401 && !path.startsWith('/api/v1/session')) hooks.onUnauthenticated()
    throw new ApiError(response.status, body?.error?.code ?? 'http', body?.error?.message ?? response.statusText, body?.error?.fields)
  }
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}
