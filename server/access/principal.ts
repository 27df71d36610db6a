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

/** Whose sessions ended: one session (a sign-out), a user's (disabled, demoted, re-keyed), a wall's (its pairing revoked). */
export type SessionsEnded = { sessionId: string } | { userId: number } | { kioskId: number }

/** Whether a socket's principal is among the sessions that ended. */
export function endedFor(ended: SessionsEnded, p: Principal): boolean {
  if (p.kind !== 'user') return false
  if ('sessionId' in ended) return p.sessionId === ended.sessionId
  if ('userId' in ended) return p.userId === ended.userId
  return p.kioskId === ended.kioskId
}
