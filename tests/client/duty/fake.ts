// Stubbed fetch and socket for the duty tests (the socket is the wall's fake: one live client).
import { vi } from 'vitest'

export interface Call {
  method: string
  url: string
  body: unknown
  headers: Headers
}

export type Route = (call: Call) => { status: number; body: unknown } | undefined

/** Answers from the first route that matches; anything else is a 404 like a missing endpoint. */
export function stubFetch(...routes: Route[]): Call[] {
  const calls: Call[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit = {}) => {
      const call: Call = {
        method: (init.method ?? 'GET').toUpperCase(),
        url: String(input),
        body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
        headers: new Headers(init.headers),
      }
      calls.push(call)
      for (const route of routes) {
        const answer = route(call)
        if (answer) return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } })
      }
      return new Response(JSON.stringify({ error: { code: 'not_found', message: 'Route not found' } }), { status: 404 })
    }),
  )
  return calls
}

export const on =
  (method: string, pattern: RegExp, answer: (call: Call) => { status: number; body: unknown }): Route =>
  (call) =>
    call.method === method && pattern.test(call.url) ? answer(call) : undefined

export const session = on('GET', /\/api\/v1\/session$/, () => ({ status: 200, body: { user: { username: 'duty', roles: ['duty'] }, csrfToken: 'tok-1' } }))

export { FakeSocket } from '../helpers/fake-socket.ts'
