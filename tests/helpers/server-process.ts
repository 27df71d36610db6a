// Talking to a real server process (tests/e2e/harness.ts startServer) over HTTP, as a feed, a
// signed-in user and a Prometheus scraper would: the process tests that kill, stop and restart it.
import type { RunningServer } from '../e2e/harness.ts'

export interface SignedIn {
  token: string
  headers: Record<string, string>
}

export async function signIn(server: { url: string }, username: string): Promise<SignedIn> {
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: `demo-${username}-2026` }),
  })
  if (!res.ok) throw new Error(`sign-in ${username}: ${res.status}`)
  const token = /sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!
  const { csrfToken } = (await res.json()) as { csrfToken: string }
  return { token, headers: { cookie: `sid=${token}`, 'x-csrf-token': csrfToken, 'content-type': 'application/json' } }
}

/** A new feed; returns its bearer token (its name is the events' default sourceSystem). */
export async function newFeed(server: { url: string }, name = `feed-${Date.now()}`): Promise<string> {
  const admin = await signIn(server, 'admin')
  const res = await fetch(`${server.url}/api/v1/feeds`, { method: 'POST', headers: admin.headers, body: JSON.stringify({ name }) })
  if (!res.ok) throw new Error(`create feed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}

export interface IngestResult {
  accepted: number
  updated: number
  duplicates: number
  rejected: unknown[]
}

/** POSTs one event or a batch; resolves with the status, Retry-After and body (throws only on a network error). */
export async function postEvents(server: { url: string }, token: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; retryAfter: string | null; body: IngestResult }> {
  const res = await fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as IngestResult }
}

/** A mass incident (people 40, severity 4): the default rule set raises a red alert for it. */
export function massIncident(township: string, externalId: string): Record<string, unknown> {
  return { source: 'incident', externalId, township, category: 'mass', peopleCount: 40, severity: 4, occurredAt: new Date().toISOString() }
}

export interface AlertJson {
  id: number
  township: { code: string }
  ruleId: string | null
  level: string
  state: string
  count: number
  version: number
}

/** Every alert (all states), through the REST API, paging to the end. */
export async function allAlerts(server: { url: string }, user?: SignedIn): Promise<AlertJson[]> {
  const duty = user ?? (await signIn(server, 'duty'))
  const out: AlertJson[] = []
  let cursor: string | null = null
  do {
    const res = await fetch(`${server.url}/api/v1/alerts?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: duty.headers })
    if (!res.ok) throw new Error(`alerts: ${res.status}`)
    const page = (await res.json()) as { items: AlertJson[]; nextCursor: string | null }
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return out
}

/** The stored externalIds of one source system, with how often each occurs, through the REST API. */
export async function storedExternalIds(server: { url: string }, sourceSystem: string, user?: SignedIn): Promise<Map<string, number>> {
  const analyst = user ?? (await signIn(server, 'admin'))
  const seen = new Map<string, number>()
  let cursor: string | null = null
  do {
    const res = await fetch(`${server.url}/api/v1/events?sourceSystem=${encodeURIComponent(sourceSystem)}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: analyst.headers })
    if (!res.ok) throw new Error(`events: ${res.status} ${await res.text()}`)
    const page = (await res.json()) as { items: Array<{ externalId: string }>; nextCursor: string | null }
    for (const e of page.items) seen.set(e.externalId, (seen.get(e.externalId) ?? 0) + 1)
    cursor = page.nextCursor
  } while (cursor)
  return seen
}

export async function townshipScores(server: { url: string }, user?: SignedIn): Promise<Map<string, { score: number; level: string }>> {
  const leader = user ?? (await signIn(server, 'leader'))
  const res = await fetch(`${server.url}/api/v1/townships`, { headers: leader.headers })
  if (!res.ok) throw new Error(`townships: ${res.status}`)
  const rows = (await res.json()) as Array<{ code: string; score: number; level: string }>
  return new Map(rows.map((t) => [t.code, { score: t.score, level: t.level }]))
}

/** Gauges or counters from one scrape of /metrics (the first sample of each name; null when absent). */
export async function metrics<N extends string>(server: { url: string }, names: readonly N[]): Promise<Record<N, number | null>> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const out = {} as Record<N, number | null>
  for (const name of names) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)
    out[name] = m ? Number(m[1]) : null
  }
  return out
}

/** One gauge or counter from /metrics. Each scrape resets the event-loop histogram: read those together with metrics(). */
export async function metric(server: { url: string }, name: string): Promise<number | null> {
  return (await metrics(server, [name]))[name] ?? null
}

export async function isLeader(server: RunningServer | { url: string }): Promise<boolean> {
  return (await metric(server, 'shaowang_engine_leader')) === 1
}

/** Polls until check() returns a truthy value (errors count as "not yet"). */
export async function until<T>(check: () => Promise<T | false | undefined | null>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
