import { type Kysely, sql } from 'kysely'
import type { Db } from '../../../db/connect.ts'
import type { Database, EventRow, Region } from '../../../db/schema.ts'
import type { Source } from '../../domain/taxonomy.ts'

/** One row as ingest stores it (times as epoch ms). */
export interface StoredContent {
  source: Source
  sourceSystem: string
  externalId: string
  township: string
  village: string | null
  grid: string | null
  category: string
  severity: number
  peopleCount: number
  occurredAt: number
  reportedAt: number
  receivedAt: number
  status: string
  title: string | null
  summary: string | null
  attributes: Record<string, unknown>
  partyHashes: string[]
  partiesEnc: string | null
  partyCount: number
  contentHash: string
  feedId: number | null
  submittedBy: string
}

export type StoreOutcome = { outcome: 'accepted' | 'updated'; id: number; version: number } | { outcome: 'duplicate'; id: null; version: null }

/** Rows per statement: well under PostgreSQL's limits, large enough to amortise a round trip. */
export const STORE_CHUNK = 1000

const keyOf = (r: { sourceSystem: string; externalId: string }) => `${r.sourceSystem}\u0000${r.externalId}`

/**
 * Stores a batch in the caller's transaction with one statement per chunk: a multi-row
 * INSERT … ON CONFLICT DO UPDATE that changes a row only when its content hash differs, and
 * copies the replaced content into event_history in the same statement. A key sent twice in one
 * batch goes into a later round, so the second copy sees the first (a statement may not touch a
 * row twice).
 */
export async function storeEvents(trx: Kysely<Database>, rows: readonly StoredContent[]): Promise<StoreOutcome[]> {
  const outcomes: StoreOutcome[] = Array.from({ length: rows.length })
  const rounds: number[][] = []
  const seen = new Map<string, number>()
  rows.forEach((r, i) => {
    const k = keyOf(r)
    const round = seen.get(k) ?? 0
    seen.set(k, round + 1)
    ;(rounds[round] ??= []).push(i)
  })
  for (const round of rounds) {
    for (let start = 0; start < round.length; start += STORE_CHUNK) {
      const indexes = round.slice(start, start + STORE_CHUNK)
      const payload = indexes.map((i) => {
        const r = rows[i]!
        return {
          source: r.source,
          source_system: r.sourceSystem,
          external_id: r.externalId,
          township: r.township,
          village: r.village,
          grid: r.grid,
          category: r.category,
          severity: r.severity,
          people_count: r.peopleCount,
          occurred_at: new Date(r.occurredAt).toISOString(),
          reported_at: new Date(r.reportedAt).toISOString(),
          received_at: new Date(r.receivedAt).toISOString(),
          status: r.status,
          title: r.title,
          summary: r.summary,
          attributes: r.attributes,
          party_hashes: r.partyHashes,
          parties_enc: r.partiesEnc,
          party_count: r.partyCount,
          content_hash: r.contentHash,
          feed_id: r.feedId,
          submitted_by: r.submittedBy,
        }
      })
      const result = await sql<{ id: number; sourceSystem: string; externalId: string; version: number }>`
        with input as (
          select * from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as i(
            source text, source_system text, external_id text, township text, village text, grid text,
            category text, severity smallint, people_count integer, occurred_at timestamptz,
            reported_at timestamptz, received_at timestamptz, status text, title text, summary text,
            attributes jsonb, party_hashes text[], parties_enc text, party_count integer, content_hash text, feed_id integer,
            submitted_by text)
        ),
        previous as (
          select e.* from event e join input i on e.source_system = i.source_system and e.external_id = i.external_id
        ),
        upserted as (
          insert into event (source, source_system, external_id, township, village, grid, category, severity,
            people_count, occurred_at, reported_at, received_at, status, title, summary, attributes,
            party_hashes, parties_enc, party_count, content_hash, feed_id, submitted_by)
          select source, source_system, external_id, township, village, grid, category, severity,
            people_count, occurred_at, reported_at, received_at, status, title, summary, attributes,
            party_hashes, parties_enc, party_count, content_hash, feed_id, submitted_by
          from input
          on conflict (source_system, external_id) do update set
            source = excluded.source, township = excluded.township, village = excluded.village,
            grid = excluded.grid, category = excluded.category, severity = excluded.severity,
            people_count = excluded.people_count, occurred_at = excluded.occurred_at,
            reported_at = excluded.reported_at, received_at = excluded.received_at,
            status = excluded.status, title = excluded.title, summary = excluded.summary,
            attributes = excluded.attributes, party_hashes = excluded.party_hashes,
            parties_enc = excluded.parties_enc, party_count = excluded.party_count, content_hash = excluded.content_hash,
            feed_id = excluded.feed_id, submitted_by = excluded.submitted_by,
            version = event.version + 1, updated_at = now()
          where event.content_hash <> excluded.content_hash
          returning id, source_system, external_id, version, feed_id, submitted_by
        ),
        history as (
          insert into event_history (event_id, version, feed_id, changed_by, content)
          select p.id, p.version, u.feed_id, u.submitted_by, jsonb_build_object(
            'source', p.source, 'township', p.township, 'village', p.village, 'grid', p.grid,
            'category', p.category, 'severity', p.severity, 'peopleCount', p.people_count,
            'occurredAt', p.occurred_at, 'reportedAt', p.reported_at, 'receivedAt', p.received_at,
            'status', p.status, 'title', p.title, 'summary', p.summary, 'attributes', p.attributes,
            'partyHashes', to_jsonb(p.party_hashes), 'partiesEnc', p.parties_enc, 'partyCount', p.party_count,
            'feedId', p.feed_id, 'submittedBy', p.submitted_by, 'updatedAt', p.updated_at)
          from previous p join upserted u on u.id = p.id
          returning event_id
        )
        select u.id, u.source_system, u.external_id, u.version from upserted u
      `.execute(trx)
      const byKey = new Map(result.rows.map((r) => [keyOf(r), r]))
      for (const i of indexes) {
        const hit = byKey.get(keyOf(rows[i]!))
        outcomes[i] = hit ? { outcome: hit.version === 1 ? 'accepted' : 'updated', id: Number(hit.id), version: hit.version } : { outcome: 'duplicate', id: null, version: null }
      }
    }
  }
  return outcomes
}

/** True when storeEvents stores these rows with one statement (one chunk, no key twice). */
export function isOneStatement(rows: readonly StoredContent[]): boolean {
  return rows.length <= STORE_CHUNK && new Set(rows.map(keyOf)).size === rows.length
}

/** For a dry run: the stored content hash of each key that exists. Reads only. */
export async function existingHashes(db: Db, keys: ReadonlyArray<{ sourceSystem: string; externalId: string }>): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (let start = 0; start < keys.length; start += STORE_CHUNK) {
    const chunk = keys.slice(start, start + STORE_CHUNK).map((k) => ({ source_system: k.sourceSystem, external_id: k.externalId }))
    const rows = await sql<{ sourceSystem: string; externalId: string; contentHash: string }>`
      select e.source_system, e.external_id, e.content_hash
      from event e join jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as k(source_system text, external_id text)
        on e.source_system = k.source_system and e.external_id = k.external_id
    `.execute(db)
    for (const r of rows.rows) out.set(keyOf(r), r.contentHash)
  }
  return out
}

export { keyOf as eventKey }

export interface EventFilter {
  source?: Source
  category?: string
  township?: string
  sourceSystem?: string
  externalId?: string
  from?: Date
  to?: Date
  q?: string
  /** Position after which to continue (newest first). */
  after?: { occurredAt: Date; id: number }
  limit: number
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

export async function listEvents(db: Db, f: EventFilter): Promise<EventRow[]> {
  let q = db.selectFrom('event').selectAll()
  if (f.source) q = q.where('source', '=', f.source)
  if (f.category) q = q.where('category', '=', f.category)
  if (f.township) q = q.where('township', '=', f.township)
  if (f.sourceSystem) q = q.where('sourceSystem', '=', f.sourceSystem)
  if (f.externalId) q = q.where('externalId', '=', f.externalId)
  if (f.from) q = q.where('occurredAt', '>=', f.from)
  if (f.to) q = q.where('occurredAt', '<', f.to)
  if (f.q) {
    const pattern = `%${escapeLike(f.q)}%`
    q = q.where((eb) => eb.or([eb('title', 'ilike', pattern), eb('summary', 'ilike', pattern)]))
  }
  if (f.after) {
    const { occurredAt, id } = f.after
    q = q.where((eb) => eb.or([eb('occurredAt', '<', occurredAt), eb.and([eb('occurredAt', '=', occurredAt), eb('id', '<', id)])]))
  }
  return q.orderBy('occurredAt', 'desc').orderBy('id', 'desc').limit(f.limit).execute()
}

export async function findEvent(db: Db, id: number) {
  const event = await db.selectFrom('event').selectAll().where('id', '=', id).executeTakeFirst()
  if (!event) return undefined
  const history = await db.selectFrom('eventHistory').selectAll().where('eventId', '=', id).orderBy('version', 'desc').execute()
  return { event, history }
}

export async function countEvents(db: Db): Promise<number> {
  const row = await db.selectFrom('event').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Every region (county, townships, villages, grids), by code: what ingest resolves codes against. */
export async function listRegions(db: Db): Promise<Array<Pick<Region, 'code' | 'level' | 'name' | 'parentCode' | 'tags' | 'weight' | 'retiredAt'>>> {
  return db.selectFrom('region').select(['code', 'level', 'name', 'parentCode', 'tags', 'weight', 'retiredAt']).orderBy('code').execute()
}

/** Sets stored events' receivedAt to their reportedAt (the demo's history arrived when it was reported). */
export async function markReceivedWhenReported(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return
  await db.updateTable('event').set((eb) => ({ receivedAt: eb.ref('reportedAt') })).where('id', 'in', [...ids]).execute()
}

/** Townships with an event from `submittedBy` that occurred at or after `since`. */
export async function townshipsWithEventsSince(db: Db, since: Date, submittedBy: string): Promise<string[]> {
  const rows = await db.selectFrom('event').select('township').distinct().where('occurredAt', '>=', since).where('submittedBy', '=', submittedBy).execute()
  return rows.map((r) => r.township)
}
