/**
 * Who may do what at a county centre, written by hand in the domain's words (docs/architecture.md §6, §8,
 * §11) — the oracle the access tests check the server against. It is deliberately NOT derived from
 * server/access/policy.ts: a test that computed its expectations from the table the server enforces
 * would only prove that the server enforces its table, not that the table is right.
 *
 * Each rule names its routes exactly (`{a,b}` expands to both), so a route the app registers that no
 * rule names has no decision and fails the tests, and a rule naming a route that does not exist fails
 * too. A route is decided by exactly one rule.
 */

export type Caller = 'anonymous' | 'feed' | 'admin' | 'analyst' | 'duty' | 'leader' | 'township' | 'kiosk'
export const CALLERS: readonly Caller[] = ['anonymous', 'feed', 'admin', 'analyst', 'duty', 'leader', 'township', 'kiosk']

/** 'anyone': a public route (no credentials needed); else who gets past access control. */
export type Who = 'anyone' | readonly Caller[]

export interface Rule {
  /** The rule in the centre's words. */
  says: string
  routes: readonly string[]
  who: Who
}

/** `GET /api/v1/{alerts,cases}/:id` → both keys; several braces multiply. */
export function expand(pattern: string): string[] {
  const m = /\{([^{}]+)\}/.exec(pattern)
  if (!m) return [pattern]
  return m[1]!.split(',').flatMap((alt) => expand(pattern.slice(0, m.index) + alt + pattern.slice(m.index + m[0].length)))
}

const rule = (says: string, who: Who, ...patterns: string[]): Rule => ({ says, who, routes: patterns.flatMap(expand) })

/** Every person who works at or for the centre, each with an account (a township officer: their township only, which the handlers scope). */
const PEOPLE = ['admin', 'analyst', 'duty', 'leader', 'township'] as const

export const RULES: readonly Rule[] = [
  rule('Anyone may check that the service is up, and monitoring scrapes its metrics (the metrics guard their own token).', 'anyone', 'GET /api/v1/health', 'GET /metrics'),
  rule('Anyone may try to sign in, and a wall display pairs with its one-time link.', 'anyone', 'POST /api/v1/session', 'POST /api/v1/session/kiosk'),
  rule('Every person and every paired wall may see its own session and sign out (signing out is not a write of data).', [...PEOPLE, 'kiosk'], 'GET /api/v1/session', 'DELETE /api/v1/session'),

  rule(
    'The county picture the wall shows — townships and their scores, the map, the live rule set (its levels colour the map), the alert list, the event feed, who is on duty now (the roster names officials, never parties) — is read by every person and by a paired wall.',
    [...PEOPLE, 'kiosk'],
    'GET /api/v1/townships',
    'GET /api/v1/townships/:code',
    'GET /api/v1/geo/county',
    'GET /api/v1/code-tables',
    'GET /api/v1/rulesets/live',
    'GET /api/v1/alerts',
    'GET /api/v1/events',
    'GET /api/v1/roster',
  ),
  rule(
    "What lies behind the picture — a township's score history, an alert's or a case's file, an event's details, the sensitive-period calendar — is read by every person (a leader reads every township's, a township officer only its own), never by a wall display in a hall, which shows no free text or names.",
    PEOPLE,
    'GET /api/v1/townships/:code/history',
    'GET /api/v1/alerts/:id',
    'GET /api/v1/{cases,cases/:id}',
    'GET /api/v1/events/:id',
    'GET /api/v1/calendar',
  ),

  rule('Feeds (the source systems) post events; nobody types events in by hand.', ['feed'], 'POST /api/v1/events'),
  rule(
    "A quiet day is reported as a zero report: by the township's feed, by its own officer, or taken down by the duty desk or the administrator.",
    ['feed', 'township', 'duty', 'admin'],
    'POST /api/v1/zero-reports',
  ),
  rule('Ledgers are uploaded and demo scenarios played by the duty desk or the administrator.', ['duty', 'admin'], 'POST /api/v1/imports', 'POST /api/v1/simulator/scenarios/:name'),
  rule('The duty desk and the administrator see the ledgers imported and get the refused rows back to fix.', ['duty', 'admin'], 'GET /api/v1/imports', 'POST /api/v1/imports/refused'),

  rule(
    "The rules are the analyst's: drafts, checks, backtests, match counts, publishing, and the sensitive-period calendar that weighs them.",
    ['analyst'],
    'POST /api/v1/{rulesets,rulesets/validate}',
    'POST /api/v1/rulesets/:id/{publish,backtest}',
    'GET /api/v1/rulesets/:id/matches',
    'POST /api/v1/calendar',
    'DELETE /api/v1/calendar/:id',
  ),
  rule('The rule versions and drafts are read by the analyst and by the administrator, who answers for what the system runs.', ['analyst', 'admin'], 'GET /api/v1/{rulesets,rulesets/:id}'),

  rule(
    "Alerts and cases are worked by the county's duty desk, and by a township officer on its own township's: acknowledge, dispatch, resolve, comment. Analysts, leaders and the administrator do not act on them.",
    ['duty', 'township'],
    'POST /api/v1/{alerts,cases}/:id/{ack,dispatch,resolve,comment}',
  ),
  rule('Escalating (supervision from above) and closing after the follow-up visit stay with the county duty desk.', ['duty'], 'POST /api/v1/{alerts,cases}/:id/{escalate,close}'),
  rule(
    'What is muted and what notifications were sent are seen by the duty desk (who must know why a notice did not come) and by the administrator.',
    ['duty', 'admin'],
    'GET /api/v1/silences',
    'GET /api/v1/notifications/outbox',
  ),

  rule(
    'Administration is the administrator’s alone: accounts, feeds, wall pairings, the audit log, notification channels and routes, retries, the duty roster, silences.',
    ['admin'],
    'GET /api/v1/{users,feeds,kiosks,audit,channels,notification-routes}',
    'POST /api/v1/{users,feeds,kiosks,channels,notification-routes,roster,silences}',
    'PATCH /api/v1/{users,channels}/:id',
    'DELETE /api/v1/{feeds,kiosks,notification-routes,roster,silences}/:id',
    'PUT /api/v1/notification-routes/:id',
    'POST /api/v1/channels/:id/test',
    'POST /api/v1/notifications/outbox/:id/retry',
  ),
  rule(
    "The county's boundaries are the administrator's: uploading a new map, its earlier versions, and putting one back (everyone reads the current map above).",
    ['admin'],
    'PUT /api/v1/geo/county',
    'GET /api/v1/geo/county/versions',
    'POST /api/v1/geo/county/versions/:id/restore',
  ),
  rule(
    "The county's region tree — its townships, villages and grids, created, renamed, moved, tagged, retired or imported from the statistical code table — is the administrator's (everyone reads the townships above).",
    ['admin'],
    'GET /api/v1/regions',
    'POST /api/v1/{regions,regions/import}',
    'PATCH /api/v1/regions/:code',
    'POST /api/v1/regions/:code/{retire,reinstate}',
  ),
  rule(
    "The county's vocabulary is the administrator's: adding a category, petition form or dispute flag, and editing any code's labels and synonyms or retiring it (everyone reads the tables above).",
    ['admin'],
    'POST /api/v1/code-tables/:kind',
    'PATCH /api/v1/code-tables/:kind/:code',
  ),
]

const BY_ROUTE = new Map<string, Rule[]>()
for (const r of RULES) for (const key of r.routes) BY_ROUTE.set(key, [...(BY_ROUTE.get(key) ?? []), r])

/** The one rule deciding `METHOD /path/:param`, or undefined when no rule (or more than one) names it. */
export function ruleFor(key: string): Rule | undefined {
  const rules = BY_ROUTE.get(key)
  return rules?.length === 1 ? rules[0] : undefined
}

/** Route keys named by more than one rule (must be none). */
export const doublyDecided = (): string[] => [...BY_ROUTE].filter(([, rules]) => rules.length > 1).map(([key]) => key)

export type Outcome = 401 | 403 | 'allowed'

/** What a caller gets from access control: allowed, 401 (who are you?) or 403 (not you). */
export function outcomeFor(key: string, caller: Caller): Outcome {
  const r = ruleFor(key)
  if (!r) throw new Error(`no decision for ${key}: add a rule to tests/helpers/access-oracle.ts`)
  if (r.who === 'anyone') return 'allowed'
  if (caller === 'anonymous') return 401
  return r.who.includes(caller) ? 'allowed' : 403
}
