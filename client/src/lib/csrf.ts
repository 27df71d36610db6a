// Writes need the session's CSRF token in `x-csrf-token` (DESIGN §8). A tiny stand-in until the
// session store lands (then `csrfToken()` should read it from there instead).
import { ApiError, api } from './api.ts'

let cached: string | null = null

export function setCsrfToken(token: string | null): void {
  cached = token
}

export async function csrfToken(): Promise<string | null> {
  if (cached) return cached
  try {
    cached = (await api<{ csrfToken?: string }>('/api/v1/session')).csrfToken ?? null
  } catch {
    cached = null
  }
  return cached
}

/** POST (or DELETE) JSON with the CSRF header; a rejected token is fetched again once. */
export async function apiWrite<T>(path: string, body: unknown, method: 'POST' | 'DELETE' = 'POST'): Promise<T> {
  const send = async () => {
    const token = await csrfToken()
    return api<T>(path, {
      method,
      body: JSON.stringify(body ?? {}),
      headers: token ? { 'x-csrf-token': token } : {},
    })
  }
  try {
    return await send()
  } catch (err) {
    if (err instanceof ApiError && err.status === 403 && /csrf/i.test(err.code)) {
      cached = null
      return send()
    }
    throw err
  }
}
