// Reading a real server process (tests/e2e/harness.ts startServer) as a signed-in user and a
// Prometheus scraper would, for the process tests that kill, stop and restart it; signing in,
// feeds and posting events are scripts/lib/api-client.ts.
import { type ApiSession, signIn } from '../../scripts/lib/api-client.ts'
import type { RunningServer } from '../e2e/harness.ts'

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
export async function allAlerts(server: { url: string }, user?: ApiSession): Promise<AlertJson[]> {
  const duty = user ?? (await signIn(server, 'duty'))
  const out: AlertJson[] = []
  let cursor: string | null = null
  do {
    const page: { items: AlertJson[]; nextCursor: string | null } = await duty.get(`/api/v1/alerts?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    out.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return out
}

/** The stored externalIds of one source system, with how often each occurs, through the REST API. */
export async function storedExternalIds(server: { url: string }, sourceSystem: string, user?: ApiSession): Promise<Map<string, number>> {
  const analyst = user ?? (await signIn(server, 'admin'))
  const seen = new Map<string, number>()
  let cursor: string | null = null
  do {
    const page: { items: Array<{ externalId: string }>; nextCursor: string | null } = await analyst.get(`/api/v1/events?sourceSystem=${encodeURIComponent(sourceSystem)}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    for (const e of page.items) seen.set(e.externalId, (seen.get(e.externalId) ?? 0) + 1)
    cursor = page.nextCursor
  } while (cursor)
  return seen
}

export async function townshipScores(server: { url: string }, user?: ApiSession): Promise<Map<string, { score: number; level: string }>> {
  const leader = user ?? (await signIn(server, 'leader'))
  const rows = await leader.get<Array<{ code: string; score: number; level: string }>>('/api/v1/townships')
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

/** Requests the server has received and not yet answered on one route (its in-flight gauge). */
export async function requestsInFlight(server: { url: string }, method: string, route: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('shaowang_http_requests_in_flight{') && l.includes(`method="${method}"`) && l.includes(`route="${route}"`))
  return line ? Number(line.split(' ').at(-1)) : 0
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
