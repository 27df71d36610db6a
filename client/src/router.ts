import type { Pinia } from 'pinia'
import { createRouter, createWebHistory, type LocationQueryRaw, type Router } from 'vue-router'
import { configureApi } from './lib/api.ts'
import { useSessionStore } from './stores/session.ts'

declare module 'vue-router' {
  interface RouteMeta {
    /** false: no header bar (the wall, the login screen). */
    chrome?: boolean
    /** Reachable signed out. */
    public?: boolean
    /** Which screen this is, for the role check (client/src/access/screens.ts). */
    screen?: 'wall' | 'duty' | 'township' | 'imports' | 'rules' | 'admin'
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/wall' },
    { path: '/login', name: 'login', component: () => import('./screens/login/LoginScreen.vue'), meta: { chrome: false, public: true } },
    { path: '/wall', name: 'wall', component: () => import('./screens/wall/WallScreen.vue'), meta: { chrome: false, screen: 'wall' } },
    { path: '/duty', name: 'duty', component: () => import('./screens/duty/DutyScreen.vue'), meta: { screen: 'duty' } },
    { path: '/imports', name: 'imports', component: () => import('./screens/imports/ImportsScreen.vue'), meta: { screen: 'imports' } },
    { path: '/rules', name: 'rules', component: () => import('./screens/rules/RulesScreen.vue'), meta: { screen: 'rules' } },
    { path: '/township/:code', name: 'township', component: () => import('./screens/township/TownshipScreen.vue'), meta: { screen: 'township' } },
    { path: '/admin', name: 'admin', component: () => import('./screens/admin/AdminScreen.vue'), meta: { screen: 'admin' } },
  ],
})

/** Only a path on this site: never send someone to another origin after signing in. */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/'
}

/**
 * Signed-out users go to /login?redirect=…; a wall opened with ?pair=<token> pairs first and
 * then drops the token from the address bar. The api() helper sends the CSRF token with writes
 * and, when the session has ended (401), sends the user to /login too.
 */
export function installSessionGuard(target: Router, pinia: Pinia): void {
  const session = useSessionStore(pinia)
  configureApi({
    csrfToken: () => session.csrfToken,
    onUnauthenticated: () => {
      session.clear()
      const current = target.currentRoute.value
      if (!current.meta.public) void target.push({ path: '/login', query: { redirect: current.fullPath } })
    },
  })

  target.beforeEach(async (to) => {
    const pair = to.query['pair']
    if (to.path === '/wall' && typeof pair === 'string' && pair) {
      const { pair: _token, ...query } = to.query
      try {
        await session.pairKiosk(pair)
      } catch {
        return { path: '/login', query: { redirect: '/wall', reason: 'pairing' } }
      }
      return { path: '/wall', query: query as LocationQueryRaw, replace: true }
    }
    if (to.meta.public) return true
    if (!session.restored) {
      try {
        await session.restore()
      } catch {
        // The server is unreachable: let the screen show its own error rather than a login form.
        return true
      }
    }
    if (!session.signedIn) return { path: '/login', query: { redirect: to.fullPath } }
    return true
  })
}
