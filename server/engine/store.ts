import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { EventRow as StoredEvent } from '../../db/schema.ts'
import type { TownshipSnapshot } from '../domain/engine.ts'
import type { RiskEvent, ZeroReport } from '../domain/event.ts'
import { validateRuleSet } from '../domain/ruleset.ts'
import type { AlertLevel } from '../domain/ruleset.ts'
import type { EventStatus, Source } from '../domain/taxonomy.ts'
import type { EngineInputs, EngineStore } from './live-engine.ts'

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

export async function loadEngineInputs(db: Db, rulesetId?: number): Promise<EngineInputs | null> {
  const version = await db
    .selectFrom('rulesetVersion')
    .select('document')
    .$if(rulesetId === undefined, (q) => q.where('live', '=', true))
    .$if(rulesetId !== undefined, (q) => q.where('id', '=', rulesetId!))
    .executeTakeFirst()
  if (!version) return null
  const compiled = validateRuleSet(version.document)
  if (!compiled.ok) throw new Error(`rule set does not validate: ${compiled.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`)
  const [townships, periods] = await Promise.all([
    db.selectFrom('region').where('level', '=', 'township').select(['code', 'name', 'tags']).orderBy('code').execute(),
    db.selectFrom('sensitivePeriod').select(['id', 'name', 'startsAt', 'endsAt']).execute(),
  ])
  return {
    ruleSet: compiled.ruleSet,
    townships,
    calendar: periods.map((p) => ({ id: p.id, name: p.name, from: p.startsAt.getTime(), to: p.endsAt.getTime() })),
  }
}

/** Events in [from, to) by occurrence, paged by id, for replays. */
export async function* eventPages(db: Db, filter: { from: Date; to?: Date; order: 'id' | 'occurred'; township?: string }): AsyncIterable<Array<RiskEvent & { receivedAt: number }>> {
  if (filter.order === 'id') {
    let after = 0
    for (;;) {
      const rows = await db
        .selectFrom('event')
        .select(EVENT_COLUMNS)
        .where('occurredAt', '>=', filter.from)
        .$if(filter.to !== undefined, (q) => q.where('occurredAt', '<', filter.to!))
        .$if(filter.township !== undefined, (q) => q.where('township', '=', filter.township!))
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .execute()
      if (rows.length === 0) return
      yield rows.map(toRiskEvent)
      after = rows.at(-1)!.id
      if (rows.length < PAGE) return
    }
  }
  let cursor: { at: Date; id: number } | null = null
  for (;;) {
    const c: { at: Date; id: number } | null = cursor
    const rows: EventRow[] = await db
      .selectFrom('event')
      .select(EVENT_COLUMNS)
      .where('occurredAt', '>=', filter.from)
      .$if(filter.to !== undefined, (q) => q.where('occurredAt', '<', filter.to!))
      .$if(filter.township !== undefined, (q) => q.where('township', '=', filter.township!))
      .$if(c !== null, (q) => q.where((eb) => eb.or([eb('occurredAt', '>', c!.at), eb.and([eb('occurredAt', '=', c!.at), eb('id', '>', c!.id)])])))
      .orderBy('occurredAt')
      .orderBy('id')
      .limit(PAGE)
      .execute()
    if (rows.length === 0) return
    yield rows.map(toRiskEvent)
    const last: EventRow = rows.at(-1)!
    cursor = { at: last.occurredAt, id: last.id }
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

export function engineStore(db: Db): EngineStore {
  return {
    loadInputs: () => loadEngineInputs(db),
    eventsSince: (since) => eventPages(db, { from: since, order: 'id' }),
    zeroReportsSince: (since) => zeroReportsBetween(db, since),
    saveRisk: (snapshots) => saveTownshipRisk(db, snapshots),
    async dataStart(since) {
      const row = await db
        .selectNoFrom((eb) => [
          eb.selectFrom('event').select((e) => e.fn.min('occurredAt').as('t')).where('occurredAt', '>=', since).as('firstEvent'),
          eb.selectFrom('zeroReport').select((z) => z.fn.min('reportedAt').as('t')).where('reportedAt', '>=', since).as('firstReport'),
        ])
        .executeTakeFirst()
      const times = [row?.firstEvent, row?.firstReport].filter((t): t is Date => t instanceof Date).map((t) => t.getTime())
      return times.length ? Math.min(...times) : null
    },
    async alertKeys() {
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
    },
  }
}
