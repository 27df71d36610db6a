import type { Role } from '../stores/session.ts'

/**
 * Which screens and which alert actions each role has. The server's role × endpoint matrix
 * (server/access/policy.ts) decides; this mirrors it so the header shows a person only the
 * screens they may use and the duty console only the buttons that would succeed
 * (tests/client/access.test.ts holds the two together).
 */
export type Screen = 'wall' | 'duty' | 'township' | 'imports' | 'rules' | 'admin'

export const SCREEN_ROLES: Record<Screen, readonly Role[]> = {
  wall: ['admin', 'analyst', 'duty', 'leader', 'township'],
  duty: ['analyst', 'duty', 'leader', 'township'],
  township: ['analyst', 'duty', 'leader', 'township'],
  // Ledgers come to the duty desk; the administrator imports them too.
  imports: ['admin', 'duty'],
  rules: ['analyst'],
  admin: ['admin'],
}

export type AlertActionName = 'ack' | 'dispatch' | 'resolve' | 'comment' | 'escalate' | 'close'

export const ACTION_ROLES: Record<AlertActionName, readonly Role[]> = {
  ack: ['duty', 'township'],
  dispatch: ['duty', 'township'],
  resolve: ['duty', 'township'],
  comment: ['duty', 'township'],
  escalate: ['duty'],
  close: ['duty'],
}

export interface Viewer {
  roles: readonly Role[]
  township?: string | undefined
  kiosk?: boolean | undefined
}

/** The route names the header links to, in order. */
export const HEADER_SCREENS = ['wall', 'duty', 'imports', 'rules', 'admin'] as const

export function canSee(viewer: Viewer | null, screen: Screen): boolean {
  if (!viewer) return false
  // A paired wall display is read-only and shows the wall only.
  if (viewer.kiosk) return screen === 'wall'
  return viewer.roles.some((r) => SCREEN_ROLES[screen].includes(r))
}

export function canAct(viewer: Viewer | null, action: AlertActionName): boolean {
  if (!viewer || viewer.kiosk) return false
  return viewer.roles.some((r) => ACTION_ROLES[action].includes(r))
}

/** The screens a viewer's header lists; a township officer also gets their own township's page. */
export function headerScreens(viewer: Viewer | null): Array<{ name: Screen; path: string }> {
  const out: Array<{ name: Screen; path: string }> = HEADER_SCREENS.filter((s) => canSee(viewer, s)).map((s) => ({ name: s, path: `/${s}` }))
  if (viewer?.township && canSee(viewer, 'township') && !viewer.roles.some((r) => r !== 'township')) {
    out.splice(2, 0, { name: 'township', path: `/township/${viewer.township}` })
  }
  return out
}

export type Refusal =
  | { kind: 'role'; screen: Screen }
  | { kind: 'township'; own: string; asked: string }

/**
 * Why a signed-in viewer may not open this screen, or null when they may. A township officer
 * (and nobody else with a county-wide role) is held to their own township's page.
 */
export function refusalFor(viewer: Viewer | null, screen: Screen | null, params: { code?: string } = {}): Refusal | null {
  if (!viewer || !screen) return null
  if (!canSee(viewer, screen)) return { kind: 'role', screen }
  if (screen === 'township' && params.code && viewer.township && viewer.township !== params.code) {
    const countyWide = viewer.roles.some((r) => r !== 'township')
    if (!countyWide) return { kind: 'township', own: viewer.township, asked: params.code }
  }
  return null
}

/** Where to send someone instead: their first screen. */
export function homeFor(viewer: Viewer | null): string {
  // Where a role works: not the wall, and not the ledger imports a desk visits now and then.
  const first = headerScreens(viewer).find((s) => s.name !== 'wall' && s.name !== 'imports') ?? headerScreens(viewer)[0]
  return first?.path ?? '/wall'
}
