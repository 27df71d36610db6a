import type { Role } from '../../db/schema.ts'

/** Who is calling: a signed-in user (or paired wall display), or a feed. */
export type Principal =
  | {
      kind: 'user'
      userId: number
      username: string
      roles: Role[]
      /** Set for a `township` user: everything they see is scoped to it. */
      township: string | null
      sessionId: string
      csrfToken: string
      kioskId: number | null
    }
  | { kind: 'feed'; feedId: number; name: string }

export type UserPrincipal = Extract<Principal, { kind: 'user' }>

/** The one township a principal is limited to, or null for county-wide visibility. */
export function townshipScope(principal: Principal | null): string | null {
  if (principal?.kind !== 'user') return null
  return principal.roles.includes('township') && !principal.roles.some((r) => r === 'admin' || r === 'duty' || r === 'leader' || r === 'analyst')
    ? principal.township
    : null
}

export function actorOf(principal: Principal | null): { actor: string; actorKind: 'user' | 'feed' | 'kiosk' | 'anonymous' } {
  if (!principal) return { actor: 'anonymous', actorKind: 'anonymous' }
  if (principal.kind === 'feed') return { actor: principal.name, actorKind: 'feed' }
  return { actor: principal.username, actorKind: principal.kioskId ? 'kiosk' : 'user' }
}
