import { vi } from 'vitest'

export interface Call {
  method: string
  url: string
  body: unknown
  headers: Headers
}

type Handler = (call: Call) => { status?: number; body?: unknown } | undefined

/** A fetch stub routed by "METHOD /path" (path without the query); records every call. */
export function mockFetch(routes: Record<string, Handler | { status?: number; body?: unknown }>) {
  const calls: Call[] = []
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input)
    const method = (init.method ?? 'GET').toUpperCase()
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : init.body
    const call = { method, url, body, headers: new Headers(init.headers) }
    calls.push(call)
    const path = url.split('?')[0]
    const route = routes[`${method} ${path}`] ?? Object.entries(routes).find(([k]) => matches(k, `${method} ${path}`))?.[1]
    const result = typeof route === 'function' ? route(call) : route
    if (!result) return new Response(JSON.stringify({ error: { code: 'not_found', message: `${path} not found` } }), { status: 404 })
    const status = result.status ?? 200
    return new Response(status === 204 ? null : JSON.stringify(result.body ?? null), { status, headers: { 'content-type': 'application/json' } })
  })
  vi.stubGlobal('fetch', fn)
  return { calls, fn }
}

/** "GET /api/v1/rulesets/:id" matches "GET /api/v1/rulesets/3". */
function matches(pattern: string, actual: string): boolean {
  const p = pattern.split('/')
  const a = actual.split('/')
  return p.length === a.length && p.every((seg, i) => seg.startsWith(':') || seg === a[i])
}

export const session = { 'GET /api/v1/session': { body: { user: { username: 'analyst', roles: ['analyst'] }, csrfToken: 'csrf-1' } } }
