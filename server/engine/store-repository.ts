import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { EventRow as StoredEvent } from '../../db/schema.ts'
import type { TownshipSnapshot } from '../domain/engine.ts'
import type { RiskEvent, ZeroReport } from '../domain/event.ts'
import type { AlertLevel } from '../domain/ruleset.ts'
import type { EventStatus, Source } from '../domain/taxonomy.ts'

const PAGE = 5_000

export const EVENT_COLUMNS = [
  'id',
  'source',
  'sourceSystem',
  'externalId',
  'township',
  'village',
  'grid',
  'category',
  'severity',
  'peopleCount',
  'occurredAt',
  'reportedAt',
  'receivedAt',
  'status',
  'title',
  'partyHashes',
  'attributes',
] as const

type EventRow = Pick<StoredEvent, (typeof EVENT_COLUMNS)[number]>

export function toRiskEvent(row: EventRow): RiskEvent & { receivedAt: number } {
  return {
    id: row.id,
    source: row.source as Source,
    sourceSystem: row.sourceSystem,
    externalId: row.externalId,
    township: row.township,
    village: row.village,
    grid: row.grid,
    category: row.category,
    severity: row.severity,
    peopleCount: row.peopleCount,
    occurredAt: row.occurredAt.getTime(),
    reportedAt: row.reportedAt.getTime(),
    receivedAt: row.receivedAt.getTime(),
    status: row.status as EventStatus,
    title: row.title,
    partyHashes: row.partyHashes,
    attributes: (row.attributes ?? {}) as Record<string, unknown>,
  }
}

/** The townships the engine scores, with the tags its rules may test. */
export async function engineTownships(db: Db): Promise<Array<{ code: string; name: string; tags: string[] }>> {
  return db.selectFrom('region').where('level', '=', 'township').select(['code', 'name', 'tags']).orderBy('code').execute()
}

type ReplayEvent = RiskEvent & { receivedAt: number }

// Replays read hundreds of thousands of rows (a country's restart: 1.45 M), so their rows come
// straight in the engine's shape: no CamelCasePlugin re-mapping every row, no Date parsed per
// timestamp only to be turned into a number, no copy (BENCHMARKS.md, scale). floor() on the
// exact numeric epoch gives the same integer milliseconds Date.getTime() gave.
const epochMs = (column: string) => sql.raw(`floor(extract(epoch from ${column}) * 1000)::int8`)
const REPLAY_COLUMNS = sql.join(
  [
    sql.raw('id, source, source_system as "sourceSystem", external_id as "externalId", township, village, grid, category, severity'),
    sql.raw('people_count as "peopleCount"'),
    sql`${epochMs('occurred_at')} as "occurredAt"`,
    sql`${epochMs('reported_at')} as "reportedAt"`,
    sql`${epochMs('received_at')} as "receivedAt"`,
    sql.raw('status, title, party_hashes as "partyHashes", attributes'),
  ],
  sql`, `,
)

/**
 * Events with occurredAt in [from, to), in pages of PAGE rows (never all at once), by id (the
 * order they were accepted) or by occurrence. The next page is asked for as soon as one
 * arrives, so the database reads it while the caller replays this one.
 */
export async function* eventPages(db: Db, filter: { from: Date; to?: Date; order: 'id' | 'occurred'; township?: string }): AsyncIterable<ReplayEvent[]> {
  const raw = db.withoutPlugins()
  const conditions = [sql`occurred_at >= ${filter.from}`]
  if (filter.to !== undefined) conditions.push(sql`occurred_at < ${filter.to}`)
  if (filter.township !== undefined) conditions.push(sql`township = ${filter.township}`)
  const byId = filter.order === 'id'
  if (byId) {
    // Asked for `occurred_at >= from order by id`, the planner walks the primary key from the
    // first event and filters: a country's restart read all 8.5 M older rows before its first
    // page (3.6 s). The first id in the range, found through the occurrence index first
    // (`offset 0` keeps the planner from walking the key for min(id) the same way; an index-only
    // scan of the range, 0.13 s on a vacuumed table), makes every page a range of the key.
    const first = await sql<{ id: string | null }>`select min(id)::text as id from (select id from event where ${sql.join(conditions, sql` and `)} offset 0) r`.execute(raw)
    const id = first.rows[0]?.id
    if (id === null || id === undefined) return
    conditions.push(sql`id >= ${Number(id)}`)
  }
  // By occurrence, the cursor is the last row's stored time (microseconds), not its milliseconds.
  const page = async (last: ReplayEvent | null): Promise<ReplayEvent[]> => {
    const after = last === null ? [] : byId ? [sql`id > ${last.id}`] : [sql`(occurred_at, id) > ((select occurred_at from event where id = ${last.id}), ${last.id})`]
    const order = byId ? sql`id` : sql`occurred_at, id`
    const result = await sql<ReplayEvent>`select ${REPLAY_COLUMNS} from event where ${sql.join([...conditions, ...after], sql` and `)} order by ${order} limit ${PAGE}`.execute(raw)
    return result.rows
  }
  let next = page(null)
  for (;;) {
    const rows = await next
    if (rows.length === 0) return
    if (rows.length === PAGE) {
      next = page(rows.at(-1)!)
      // a caller that stops early must not leave a rejection unhandled; it is still thrown below
      next.catch(() => {})
    }
    yield rows
    if (rows.length < PAGE) return
  }
}

export async function eventsByIds(db: Db, ids: number[]): Promise<RiskEvent[]> {
  if (ids.length === 0) return []
  const rows = await db.selectFrom('event').select(EVENT_COLUMNS).where('id', 'in', ids).orderBy('id').execute()
  return rows.map(toRiskEvent)
}

export async function zeroReportsBetween(db: Db, from: Date, to?: Date): Promise<ZeroReport[]> {
  const rows = await db
    .selectFrom('zeroReport')
    .select(['township', sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'), 'reportedAt'])
    .where('reportedAt', '>=', from)
    .$if(to !== undefined, (q) => q.where('reportedAt', '<', to!))
    .execute()
  return rows.map((r) => ({ township: r.township, date: r.date, at: r.reportedAt.getTime() }))
}

export async function saveTownshipRisk(db: Db, snapshots: TownshipSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return
  for (let i = 0; i < snapshots.length; i += 1_000) {
    const rows = snapshots.slice(i, i + 1_000).map((s) => ({ township: s.township, score: s.score, level: s.level, silent: s.silent, updatedAt: new Date(s.updatedAt) }))
    await db
      .insertInto('townshipRisk')
      .values(rows)
      .onConflict((oc) =>
        oc.column('township').doUpdateSet((eb) => ({
          score: eb.ref('excluded.score'),
          level: eb.ref('excluded.level'),
          silent: eb.ref('excluded.silent'),
          updatedAt: eb.ref('excluded.updatedAt'),
        })),
      )
      .execute()
  }
}

/** The earliest event occurrence or zero report at or after `since` (epoch ms), null when there is none. */
export async function firstDataTime(db: Db, since: Date): Promise<number | null> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('event').select((e) => e.fn.min('occurredAt').as('t')).where('occurredAt', '>=', since).as('firstEvent'),
      eb.selectFrom('zeroReport').select((z) => z.fn.min('reportedAt').as('t')).where('reportedAt', '>=', since).as('firstReport'),
    ])
    .executeTakeFirst()
  const times = [row?.firstEvent, row?.firstReport].filter((t): t is Date => t instanceof Date).map((t) => t.getTime())
  return times.length ? Math.min(...times) : null
}

/** Per alert key: the level of its open alert, whether that one has recovered, and when the key was last seen. */
export async function alertKeyStates(db: Db): Promise<{ open: Map<string, AlertLevel>; openRecovered: Set<string>; lastSeen: Map<string, number> }> {
  // One row per key (townships × rules), however long the alert history grows.
  const rows = await db
    .selectFrom('alert')
    .select((eb) => [
      'key',
      eb.fn.max('lastSeenAt').as('lastSeen'),
      sql<AlertLevel | null>`max(level) filter (where state <> 'closed')`.as('openLevel'),
      sql<boolean>`bool_or(state <> 'closed' and recovered)`.as('openRecovered'),
    ])
    .groupBy('key')
    .execute()
  const open = new Map<string, AlertLevel>()
  const openRecovered = new Set<string>()
  const lastSeen = new Map<string, number>()
  for (const r of rows) {
    lastSeen.set(r.key, new Date(r.lastSeen as unknown as string | Date).getTime())
    if (r.openLevel) open.set(r.key, r.openLevel)
    if (r.openRecovered) openRecovered.add(r.key)
  }
  return { open, openRecovered, lastSeen }
}
