import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../client/src/lib/api.ts'
import { installSessionGuard, router, safeRedirect } from '../../client/src/router.ts'
import { useSessionStore } from '../../client/src/stores/session.ts'

type Handler = (url: string, init: RequestInit) => { status: number; body?: unknown }
const calls: Array<{ url: string; method: string; headers: Headers }> = []
let handle: Handler

function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
  calls.push({ url, method: init.method ?? 'GET', headers: new Headers(init.headers) })
  const { status, body } = handle(url, init)
  return json(status, body)
})

const pinia = createPinia()
setActivePinia(pinia)
installSessionGuard(router, pinia)
const session = useSessionStore(pinia)
const signedOut: Handler = () => ({ status: 401, body: { error: { code: 'unauthenticated', message: 'sign in first' } } })
const DUTY = { user: { username: 'duty', roles: ['duty'] }, csrfToken: 'csrf-123' }

beforeEach(() => {
  calls.length = 0
  session.clear()
  session.restored = false
})

describe('the session store and api()', () => {
  it('signs in and sends the CSRF token with writes, never with reads', async () => {
    handle = (url, init) => (url === '/api/v1/session' && init.method === 'POST' ? { status: 200, body: DUTY } : { status: 200, body: {} })
    await session.login('duty', 'pw')
    expect(session.user?.username).toBe('duty')
    await api('/api/v1/things', { method: 'POST', body: '{}' })
    await api('/api/v1/things')
    expect(calls.at(-2)!.headers.get('x-csrf-token')).toBe('csrf-123')
    expect(calls.at(-1)!.headers.get('x-csrf-token')).toBeNull()
  })

  it('restores an existing session, or reports signed out', async () => {
    handle = () => ({ status: 200, body: DUTY })
    expect(await session.restore()).toBe(true)
    handle = signedOut
    expect(await session.restore()).toBe(false)
    expect(session.csrfToken).toBeNull()
  })
})

describe('the router guard', () => {
  it('sends a signed-out user to /login with the way back', async () => {
    handle = signedOut
    await router.push('/duty')
    expect(router.currentRoute.value.path).toBe('/login')
    expect(router.currentRoute.value.query['redirect']).toBe('/duty')
  })

  it('lets a signed-in user through', async () => {
    handle = () => ({ status: 200, body: DUTY })
    await router.push('/rules')
    expect(router.currentRoute.value.path).toBe('/rules')
  })

  it('sends the user to /login when a call answers 401 (the session ended)', async () => {
    handle = () => ({ status: 200, body: DUTY })
    await router.push('/duty')
    handle = signedOut
    await expect(api('/api/v1/townships')).rejects.toMatchObject({ status: 401 })
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/login'))
    expect(session.user).toBeNull()
  })

  it('pairs a wall from /wall?pair=… and drops the token from the address', async () => {
    handle = (url) => (url === '/api/v1/session/kiosk' ? { status: 200, body: { user: { username: 'kiosk:1', roles: ['leader'], kiosk: true }, csrfToken: 'k' } } : { status: 200, body: [] })
    await router.push('/wall?pair=secret-token')
    expect(calls.find((c) => c.url === '/api/v1/session/kiosk')?.method).toBe('POST')
    expect(router.currentRoute.value.fullPath).toBe('/wall')
    expect(session.user?.kiosk).toBe(true)
  })

  it('only redirects within the site after sign-in', () => {
    expect(safeRedirect('/duty?x=1')).toBe('/duty?x=1')
    expect(safeRedirect('//evil.example')).toBe('/')
    expect(safeRedirect('https://evil.example')).toBe('/')
    expect(safeRedirect(undefined)).toBe('/')
  })
})
