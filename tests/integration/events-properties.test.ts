import fc from 'fast-check'
import type { KyselyPlugin } from 'kysely'
import { describe, expect, it } from 'vitest'
import { EVENT_STATUSES, isCategory, SOURCES } from '../../server/domain/taxonomy.ts'
import { isDatabaseUnavailable } from '../../server/http-errors.ts'
import { countEvents } from '../../server/modules/events/repository.ts'
import { IngestService } from '../../server/modules/events/service.ts'
import { build } from '../helpers/app.ts'
import { eventArbitraries } from '../helpers/arbitraries.ts'
import { feedToken } from '../helpers/auth.ts'

const { app, database } = await build()
const token = await feedToken(app, 'property-feed')
const post = (payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: payload })

const townships = app.regions.townships().map((t) => t.code)
const villages = townships.flatMap((t) => app.regions.children(t).map((v) => v.code))
const grids = villages.slice(0, 40).flatMap((v) => app.regions.children(v).map((g) => g.code))
const { nearValid } = eventArbitraries({ townships, villages, grids })

let run = 0
const totals = { accepted: 0, updated: 0, duplicates: 0, rejected: 0 }

describe('POST /api/v1/events under arbitrary input', () => {
  it('never answers 500 to arbitrary bodies, JSON or ndjson', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.string({ unit: 'binary', maxLength: 200 })), fc.boolean(), async (body, ndjson) => {
        const res = await post(body, ndjson ? 'application/x-ndjson' : 'application/json')
        expect([202, 400, 413]).toContain(res.statusCode)
        if (res.statusCode !== 202) expect(res.json().error.code).toEqual(expect.any(String))
      }),
      { numRuns: 150 },
    )
  })

  it('stores only valid events, and its counts are what the store holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(nearValid(['a', 'b', 'c', 'd', 'e', 'f']), { minLength: 1, maxLength: 15 }), fc.nat(3), fc.boolean(), async (generated, repeats, asNdjson) => {
        // Re-sends of the same items (duplicates, or updates when the key changed content in between).
        const items = [...generated, ...generated.slice(0, repeats)]
        const system = `prop-${++run}`
        const withSystem = items.map((i) => ({ ...i, sourceSystem: system }))
        const res = asNdjson ? await post(withSystem.map((i) => JSON.stringify(i)).join('\n'), 'application/x-ndjson') : await post(JSON.stringify(withSystem))
        expect(res.statusCode).toBe(202)
        const body = res.json() as { accepted: number; updated: number; duplicates: number; rejected: Array<{ index: number }> }
        expect(body.accepted + body.updated + body.duplicates + body.rejected.length).toBe(items.length)
        totals.accepted += body.accepted
        totals.updated += body.updated
        totals.duplicates += body.duplicates
        totals.rejected += body.rejected.length
        const rows = await database.db.selectFrom('event').selectAll().where('sourceSystem', '=', system).execute()
        expect(rows).toHaveLength(body.accepted)
        const history = rows.length ? await database.db.selectFrom('eventHistory').select('eventId').where('eventId', 'in', rows.map((r) => r.id)).execute() : []
        expect(history).toHaveLength(body.updated)
        expect(rows.reduce((n, r) => n + r.version - 1, 0)).toBe(body.updated)
        const now = Date.now()
        for (const r of rows) {
          expect(SOURCES).toContain(r.source)
          expect(isCategory(r.source, r.category)).toBe(true)
          expect(app.regions.get(r.township)?.level).toBe('township')
          if (r.village) expect(app.regions.get(r.village)?.township).toBe(r.township)
          if (r.grid) expect(app.regions.get(r.grid)?.parentCode).toBe(r.village)
          expect(r.severity).toBeGreaterThanOrEqual(1)
          expect(r.severity).toBeLessThanOrEqual(4)
          expect(Number.isInteger(r.peopleCount) && r.peopleCount >= 1).toBe(true)
          expect(EVENT_STATUSES).toContain(r.status)
          expect(r.occurredAt.getTime()).toBeLessThanOrEqual(now + 5 * 60_000)
          expect([...(r.title ?? '')].length).toBeLessThanOrEqual(200)
        }
      }),
      { numRuns: 60 },
    )
    // The generator exercised every outcome, so the property was not vacuous.
    expect(totals.accepted).toBeGreaterThan(20)
    expect(totals.updated).toBeGreaterThan(0)
    expect(totals.duplicates).toBeGreaterThan(0)
    expect(totals.rejected).toBeGreaterThan(20)
  })
})

describe('a database failure in the middle of a batch', () => {
  it('stores nothing of the batch and is recognised as an outage', async () => {
    // Fail the second chunk's statement, as a dropped connection would.
    let inserts = 0
    const failing: KyselyPlugin = {
      transformQuery(args) {
        if (JSON.stringify(args.node).includes('insert into event (') && ++inserts === 2) throw new Error('Connection terminated unexpectedly')
        return args.node
      },
      transformResult: async (args) => args.result,
    }
    const service = new IngestService({ db: database.db.withPlugin(failing), regions: app.regions, codes: () => app.codeTables.book, keys: app.personalData, bus: app.bus, tz: 'Asia/Shanghai', now: () => new Date() })
    const published: unknown[] = []
    const off = app.bus.on('events:accepted', (e) => void published.push(e))
    const before = await countEvents(database.db)
    const items = Array.from({ length: 1500 }, (_, i) => ({ source: 'incident', externalId: `outage-${i}`, township: townships[0], category: 'traffic', occurredAt: new Date().toISOString() }))
    const error = await service.ingest(items, { feedId: null, name: 'test', defaultSourceSystem: 'outage' }).catch((e: unknown) => e)
    off()
    expect(inserts).toBe(2)
    expect(isDatabaseUnavailable(error)).toBe(true)
    expect(await countEvents(database.db)).toBe(before)
    expect(published).toEqual([])
  })
})

describe('group commit', () => {
  /** An IngestService whose first storing transaction waits for `release()`, so others queue behind it. */
  function heldService(options: { failStatement?: number } = {}) {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let statements = 0
    let transactions = 0
    let held = false
    const insertsOf = new Set<unknown>()
    const plugin: KyselyPlugin = {
      transformQuery(args) {
        if (JSON.stringify(args.node).includes('insert into event (')) {
          statements++
          if (statements === options.failStatement) throw new Error('Connection terminated unexpectedly')
          if (statements === 1) insertsOf.add(args.queryId)
        }
        return args.node
      },
      async transformResult(args) {
        if (insertsOf.has(args.queryId) && !held) {
          held = true
          await gate
        }
        return args.result
      },
    }
    const service = new IngestService({
      db: database.db.withPlugin(plugin),
      regions: app.regions,
      codes: () => app.codeTables.book,
      keys: app.personalData,
      bus: app.bus,
      tz: 'Asia/Shanghai',
      now: () => new Date(),
      // Asked once per storing transaction.
      handoff: () => void transactions++,
    })
    return { service, release, transactions: () => transactions, statements: () => statements }
  }
  const submitter = { feedId: null, name: 'test', defaultSourceSystem: 'group-commit' }
  const occurredAt = new Date(Date.now() - 60_000).toISOString()
  const item = (externalId: string, status = 'open') => ({ source: 'incident', externalId, township: townships[0], category: 'traffic', occurredAt, status })
  const tick = () => new Promise((r) => setTimeout(r, 20))

  it('stores requests that wait for a transaction together, with the outcomes of sending them one after another', async () => {
    const { service, release, transactions } = heldService()
    const published: string[] = []
    const offA = app.bus.on('events:accepted', (events) => void published.push(...events.map((e) => `accepted:${e.externalId}`)))
    const offU = app.bus.on('events:updated', (events) => void published.push(...events.map((e) => `updated:${e.externalId}`)))
    const key = `gc-same-${Date.now()}`
    const first = service.ingest([item(`${key}-held`)], submitter)
    await tick()
    const a = service.ingest([item(key)], submitter)
    const b = service.ingest([item(key), item(`${key}-other`)], submitter)
    const c = service.ingest([item(key, 'resolved')], submitter)
    let answered = 0
    for (const p of [first, a, b, c]) void p.then(() => answered++)
    await tick()
    expect(answered).toBe(0) // the first is still in flight; nobody was answered
    release()
    const [r0, ra, rb, rc] = await Promise.all([first, a, b, c])
    offA()
    offU()
    expect(transactions()).toBe(2) // the held one, then the group of three
    expect(r0.outcomes).toEqual(['accepted'])
    expect(ra.outcomes).toEqual(['accepted'])
    expect(rb.outcomes).toEqual(['duplicate', 'accepted'])
    expect(rc.outcomes).toEqual(['updated'])
    expect(rc.ids[0]).toBe(ra.ids[0])
    const row = await database.db.selectFrom('event').select(['status', 'version']).where('sourceSystem', '=', 'group-commit').where('externalId', '=', key).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'resolved', version: 2 })
    expect(published).toEqual([`accepted:${key}-held`, `accepted:${key}`, `accepted:${key}-other`, `updated:${key}`])
  })

  it('fails every request of a group the database fails, storing and publishing nothing of them', async () => {
    // The group is stored in two statements (a key comes twice); the second fails.
    const { service, release, statements } = heldService({ failStatement: 3 })
    const published: unknown[] = []
    const off = app.bus.on('events:accepted', (e) => void published.push(...e.map((x) => x.externalId)))
    const key = `gc-fail-${Date.now()}`
    const first = service.ingest([item(`${key}-held`)], submitter)
    await tick()
    const waiting = [service.ingest([item(`${key}-a`)], submitter), service.ingest([item(`${key}-b`), item(`${key}-a`, 'resolved')], submitter)].map((p) => p.catch((e: unknown) => e))
    await tick()
    release()
    expect((await first).outcomes).toEqual(['accepted'])
    const errors = await Promise.all(waiting)
    off()
    expect(statements()).toBe(3) // not retried request by request
    for (const error of errors) expect(isDatabaseUnavailable(error)).toBe(true)
    const rows = await database.db.selectFrom('event').select('externalId').where('sourceSystem', '=', 'group-commit').where('externalId', 'like', `${key}%`).execute()
    expect(rows.map((r) => r.externalId)).toEqual([`${key}-held`])
    expect(published).toEqual([`${key}-held`])
  })

})
