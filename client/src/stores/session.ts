import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { SessionResponse } from '#contract/api.ts'
import { ApiError, api } from '../lib/api.ts'
import { setDisplayTimeZone } from '../lib/time-zone.ts'

export type SessionUser = SessionResponse['user']
export type Role = SessionUser['roles'][number]

/** Who is signed in, and the CSRF token the api() helper sends with every write. */
export const useSessionStore = defineStore('session', () => {
  const user = ref<SessionUser | null>(null)
  const csrfToken = ref<string | null>(null)
  /** Whether restore() has asked the server at least once. */
  const restored = ref(false)

  const signedIn = computed(() => user.value !== null)
  const hasRole = (...roles: Role[]) => user.value?.roles.some((r) => roles.includes(r)) ?? false

  function set(session: SessionResponse): void {
    user.value = session.user
    csrfToken.value = session.csrfToken
    setDisplayTimeZone(session.timeZone)
    restored.value = true
  }

  function clear(): void {
    user.value = null
    csrfToken.value = null
  }

  /** Picks up an existing session cookie (GET /api/v1/session); false when signed out. */
  async function restore(): Promise<boolean> {
    try {
      set(await api<SessionResponse>('/api/v1/session'))
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err
      clear()
    } finally {
      restored.value = true
    }
    return signedIn.value
  }

  async function login(username: string, password: string): Promise<void> {
    set(await api<SessionResponse>('/api/v1/session', { method: 'POST', body: JSON.stringify({ username, password }) }))
  }

  /** A wall display's one-time pairing link (/wall?pair=…) turned into a read-only session. */
  async function pairKiosk(token: string): Promise<void> {
    set(await api<SessionResponse>('/api/v1/session/kiosk', { method: 'POST', body: JSON.stringify({ token }) }))
  }

  async function logout(): Promise<void> {
    try {
      await api<void>('/api/v1/session', { method: 'DELETE' })
    } finally {
      clear()
    }
  }

  return { user, csrfToken, restored, signedIn, hasRole, restore, login, pairKiosk, logout, clear }
})
