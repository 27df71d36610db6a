import type { Role } from '../../db/schema.ts'

/**
 * Who may call what: the role × endpoint matrix, in one place. Every API route must have an
 * entry here; the access plugin refuses to start an app with a route that has none, so a new
 * route cannot be forgotten. Handlers still scope data (a township user sees one township).
 */
export type Access =
  | { kind: 'public' }
  /** A feed's bearer token (ingest). */
  | { kind: 'feed' }
  /** A signed-in person (or a paired wall display) with one of these roles. */
  | { kind: 'user'; roles: readonly Role[] }
  /** Either a feed's bearer token, or a signed-in person with one of these roles. */
  | { kind: 'feed_or_user'; roles: readonly Role[] }

export const PUBLIC: Access = { kind: 'public' }
export const FEED: Access = { kind: 'feed' }
export const ANY_USER: Access = { kind: 'user', roles: ['admin', 'analyst', 'duty', 'leader', 'township'] }
export const only = (...roles: Role[]): Access => ({ kind: 'user', roles })
export const feedOr = (...roles: Role[]): Access => ({ kind: 'feed_or_user', roles })

export const ROUTE_ACCESS: Record<string, Access> = {
  'GET /api/v1/health': PUBLIC,
  'GET /metrics': PUBLIC,
  'POST /api/v1/session': PUBLIC,
  'GET /api/v1/session': ANY_USER,
  'DELETE /api/v1/session': ANY_USER,
  'POST /api/v1/session/kiosk': PUBLIC,

  'GET /api/v1/users': only('admin'),
  'POST /api/v1/users': only('admin'),
  'PATCH /api/v1/users/:id': only('admin'),
  'GET /api/v1/feeds': only('admin'),
  'POST /api/v1/feeds': only('admin'),
  'DELETE /api/v1/feeds/:id': only('admin'),
  'GET /api/v1/kiosks': only('admin'),
  'POST /api/v1/kiosks': only('admin'),
  'DELETE /api/v1/kiosks/:id': only('admin'),
  'GET /api/v1/audit': only('admin'),

  'GET /api/v1/townships': ANY_USER,
  'GET /api/v1/townships/:code': ANY_USER,
  'GET /api/v1/townships/:code/history': ANY_USER,
  'GET /api/v1/geo/county': ANY_USER,
  'PUT /api/v1/geo/county': only('admin'),
  'GET /api/v1/geo/county/versions': only('admin'),
  'POST /api/v1/geo/county/versions/:id/restore': only('admin'),
  // The region tree is the administrator's (docs/architecture.md §3); everyone reads townships above.
  'GET /api/v1/regions': only('admin'),
  'POST /api/v1/regions': only('admin'),
  'PATCH /api/v1/regions/:code': only('admin'),
  'POST /api/v1/regions/:code/retire': only('admin'),
  'POST /api/v1/regions/:code/reinstate': only('admin'),
  'POST /api/v1/regions/import': only('admin'),
  // Code tables (docs/architecture.md §4): labels are not secret, and the wall labels its charts with them.
  'GET /api/v1/code-tables': ANY_USER,
  'POST /api/v1/code-tables/:kind': only('admin'),
  'PATCH /api/v1/code-tables/:kind/:code': only('admin'),

  'GET /api/v1/rulesets': only('analyst', 'admin'),
  'GET /api/v1/rulesets/live': ANY_USER,
  'GET /api/v1/rulesets/:id': only('analyst', 'admin'),
  'POST /api/v1/rulesets': only('analyst'),
  'POST /api/v1/rulesets/validate': only('analyst'),
  'POST /api/v1/rulesets/:id/publish': only('analyst'),
  'POST /api/v1/rulesets/:id/backtest': only('analyst'),
  'GET /api/v1/rulesets/:id/matches': only('analyst'),

  'GET /api/v1/calendar': ANY_USER,
  'POST /api/v1/calendar': only('analyst'),
  'DELETE /api/v1/calendar/:id': only('analyst'),
  'POST /api/v1/events': FEED,
  'GET /api/v1/events': ANY_USER,
  'GET /api/v1/events/:id': ANY_USER,
  // A township officer may report only their own township (checked in the handler).
  'POST /api/v1/zero-reports': feedOr('duty', 'admin', 'township'),
  'POST /api/v1/imports': only('admin', 'duty'),
  'POST /api/v1/imports/refused': only('admin', 'duty'),
  'GET /api/v1/imports': only('admin', 'duty'),
  'POST /api/v1/simulator/scenarios/:name': only('admin', 'duty'),
  // Alerts (docs/architecture.md §6). Everyone signed in reads (a township officer only their township's).
  // The duty officers act; a township officer may work their own township's alerts through
  // ack → dispatch → resolve and comment, but escalation (挂牌督办, supervision from above) and
  // closing after the follow-up visit (回访) stay with the county's duty desk. `admin` manages
  // the system, not cases: give a person both roles if they do both.
  'GET /api/v1/alerts': ANY_USER,
  'GET /api/v1/alerts/:id': ANY_USER,
  'POST /api/v1/alerts/:id/ack': only('duty', 'township'),
  'POST /api/v1/alerts/:id/dispatch': only('duty', 'township'),
  'POST /api/v1/alerts/:id/resolve': only('duty', 'township'),
  'POST /api/v1/alerts/:id/comment': only('duty', 'township'),
  'POST /api/v1/alerts/:id/escalate': only('duty'),
  'POST /api/v1/alerts/:id/close': only('duty'),
  // A case's actions are its alerts' actions, with the same roles (a township officer: their own township).
  'GET /api/v1/cases': ANY_USER,
  'GET /api/v1/cases/:id': ANY_USER,
  'POST /api/v1/cases/:id/ack': only('duty', 'township'),
  'POST /api/v1/cases/:id/dispatch': only('duty', 'township'),
  'POST /api/v1/cases/:id/resolve': only('duty', 'township'),
  'POST /api/v1/cases/:id/comment': only('duty', 'township'),
  'POST /api/v1/cases/:id/escalate': only('duty'),
  'POST /api/v1/cases/:id/close': only('duty'),
  // Silences belong to the administrator (§8); the duty desk sees them, to know what is muted.
  'GET /api/v1/silences': only('admin', 'duty'),
  'GET /api/v1/channels': only('admin'),
  'POST /api/v1/channels': only('admin'),
  'PATCH /api/v1/channels/:id': only('admin'),
  'POST /api/v1/channels/:id/test': only('admin'),
  'GET /api/v1/notification-routes': only('admin'),
  'POST /api/v1/notification-routes': only('admin'),
  'PUT /api/v1/notification-routes/:id': only('admin'),
  'DELETE /api/v1/notification-routes/:id': only('admin'),
  'GET /api/v1/notifications/outbox': only('admin', 'duty'),
  'POST /api/v1/notifications/outbox/:id/retry': only('admin'),
  'GET /api/v1/roster': ANY_USER,
  'POST /api/v1/roster': only('admin'),
  'DELETE /api/v1/roster/:id': only('admin'),
  'POST /api/v1/silences': only('admin'),
  'DELETE /api/v1/silences/:id': only('admin'),
}

/**
 * What a paired wall display (a kiosk session: a `leader` account with a kiosk id) may call: the
 * reads the wall's screen makes, and signing out (docs/architecture.md §8, §11). A kiosk credential
 * lives on a display computer in a hall, and the wall shows no personal data or free text, so it
 * reads nothing the wall does not show — not an alert's or case's file, an event's details, a score
 * history, the calendar or the duty roster, where officers write names — and writes nothing.
 */
export const WALL_ROUTES: ReadonlySet<string> = new Set([
  'GET /api/v1/session',
  'DELETE /api/v1/session',
  'GET /api/v1/townships',
  'GET /api/v1/townships/:code',
  'GET /api/v1/geo/county',
  // The labels of the categories the wall's charts and feed show.
  'GET /api/v1/code-tables',
  'GET /api/v1/rulesets/live',
  'GET /api/v1/alerts',
  'GET /api/v1/events',
  // Who is on duty now, in the wall's header: officials' names, never a party's.
  'GET /api/v1/roster',
])

export function routeKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url}`
}

/** Routes outside the API (the client's screens, its assets, the API docs) are public. */
export function needsPolicy(url: string): boolean {
  return (url.startsWith('/api/') && !url.startsWith('/api/docs')) || url === '/metrics'
}
