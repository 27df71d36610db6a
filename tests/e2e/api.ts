// REST helpers for the browser tests: a signed-in API session (cookie + CSRF token) beside the
// browser, to check what the UI did and to act as "someone else".
import { type APIRequestContext, request } from 'playwright-core'
import type { RunningServer } from './harness.ts'

export interface ApiResponse<T> {
  status: number
  body: T
}

export interface ApiSession {
  get<T>(path: string): Promise<T>
  post<T>(path: string, body: unknown): Promise<ApiResponse<T>>
  dispose(): Promise<void>
}

export async function apiSession(server: RunningServer, username: string, password: string): Promise<ApiSession> {
  // One connection per request: a kept-alive socket idle past the server's keep-alive timeout (5 s)
  // can be closed by the server just as the next request reuses it (ECONNRESET), which says
  // nothing about the product.
  const ctx: APIRequestContext = await request.newContext({ baseURL: server.url, extraHTTPHeaders: { connection: 'close' } })
  const login = await ctx.post('/api/v1/session', { data: { username, password } })
  if (!login.ok()) throw new Error(`sign-in as ${username} failed: ${login.status()} ${await login.text()}`)
  const session = (await (await ctx.get('/api/v1/session')).json()) as { csrfToken: string }
  return {
    async get<T>(path: string): Promise<T> {
      const res = await ctx.get(path)
      if (!res.ok()) throw new Error(`GET ${path}: ${res.status()} ${await res.text()}`)
      return (await res.json()) as T
    },
    async post<T>(path: string, body: unknown): Promise<ApiResponse<T>> {
      const res = await ctx.post(path, { data: body, headers: { 'x-csrf-token': session.csrfToken } })
      const text = await res.text()
      return { status: res.status(), body: (text ? JSON.parse(text) : null) as T }
    },
    dispose: () => ctx.dispose(),
  }
}

/** Creates a feed as an admin session and returns its bearer token. */
export async function createFeed(admin: ApiSession, name: string): Promise<string> {
  const res = await admin.post<{ token: string }>('/api/v1/feeds', { name })
  if (res.status !== 201) throw new Error(`feed ${name}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.token
}

/** Posts events with a feed token (docs/architecture.md §4). */
export async function postEvents(server: RunningServer, token: string, events: unknown[]): Promise<{ accepted: number; rejected: unknown[] }> {
  const res = await fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  })
  if (res.status !== 202) throw new Error(`events: ${res.status} ${await res.text()}`)
  return (await res.json()) as { accepted: number; rejected: unknown[] }
}
