import { createRouter, createWebHistory } from 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** false: a full-screen route without the app header (the wall). */
    chrome?: boolean
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/wall' },
    { path: '/wall', name: 'wall', component: () => import('./screens/wall/WallScreen.vue'), meta: { chrome: false } },
    { path: '/duty', name: 'duty', component: () => import('./screens/duty/DutyScreen.vue') },
    { path: '/rules', name: 'rules', component: () => import('./screens/rules/RulesScreen.vue') },
    { path: '/township/:code', name: 'township', component: () => import('./screens/township/TownshipScreen.vue') },
    { path: '/admin', name: 'admin', component: () => import('./screens/admin/AdminScreen.vue') },
  ],
})
