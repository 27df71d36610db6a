// The roles a user may hold (docs/architecture.md, "People and access"). Pure.
import type { Role } from '../../db/schema.ts'

export { ROLES, type Role } from '../../db/schema.ts'

/**
 * The roles that handle events and cases, and so read the free text officers write into them
 * (titles, summaries, resolutions, follow-ups, comments). A paired wall display never does, nor a
 * leader alone (docs/architecture.md §8).
 */
export const FREE_TEXT_ROLES: readonly Role[] = ['duty', 'admin', 'township', 'analyst']

export function readsFreeTextAs(roles: readonly Role[], kiosk: boolean): boolean {
  return !kiosk && roles.some((r) => FREE_TEXT_ROLES.includes(r))
}
