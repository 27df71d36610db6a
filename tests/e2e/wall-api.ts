// Plain-fetch helpers for browser tests and scripts: sign in, create a feed, post events as a feed.
import type { RunningServer } from './harness.ts'

/** Only the address is used: the bench's own server process fits too. */
type Server = Pick<RunningServer, 'url'>

export interface ApiSession {
  cookie: string
  csrf: string
}

/** Signs in through the real login endpoint; returns the session cookie and the CSRF token. */
export async function apiSignIn(server: Server, username: string, password: string): Promise<ApiSession> {
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (!res.ok) throw new Error(`sign-in as ${username} failed: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as { csrfToken: string }
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  if (!cookie) throw new Error('no session cookie')
  return { cookie, csrf: body.csrfToken }
}

/** A GET (or a cookie-authenticated write) as a signed-in user; throws on a non-2xx answer. */
export async function apiCall<T>(server: Server, session: ApiSession, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Creates a feed as the demo administrator; returns its bearer token. */
export async function createFeedToken(server: Server, name: string): Promise<string> {
  const admin = await apiSignIn(server, 'admin', 'demo-admin-2026')
  const res = await fetch(`${server.url}/api/v1/feeds`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  })
  if (res.status !== 201) throw new Error(`creating feed ${name}: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}

export interface IngestResult {
  accepted: number
  updated: number
  duplicates: number
  rejected: Array<{ index: number; errors: Array<{ field: string; message: string }> }>
}

/** POST /api/v1/events as a feed (one event or a batch). */
export async function postEvents(server: Server, token: string, events: object | object[]): Promise<IngestResult> {
  const res = await fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  })
  if (res.status !== 202) throw new Error(`POST /api/v1/events: ${res.status} ${await res.text()}`)
  return (await res.json()) as IngestResult
}
