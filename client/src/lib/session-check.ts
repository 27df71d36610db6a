// A minimal "am I signed in?" for the wall until the session store lands (DESIGN §8); swap the
// body for `useSessionStore().ensure()` then. Only a 401 counts as signed out: a network error
// keeps the wall up (it shows itself offline and retries).
import { ApiError, api } from './api.ts'

export function loginLocation(redirect: string): { path: string; query: { redirect: string } } {
  return { path: '/login', query: { redirect } }
}

export async function isSignedIn(): Promise<boolean> {
  try {
    await api('/api/v1/session')
    return true
  } catch (err) {
    return !(err instanceof ApiError && err.status === 401)
  }
}
