import { describe, expect, it } from 'vitest'
import type { RiskEvent } from '../../server/domain/event.ts'
import { build } from '../helpers/app.ts'
import { feedToken, signIn } from '../helpers/auth.ts'

const { app, database } = await build()
const token = await feedToken(app, 'mediation-platform')
const duty = await signIn(app, ['duty'])
const leader = await signIn(app, ['leader'])
const officer = await signIn(app, ['township'], { township: '990100001' })

const T1 = '990100001'
const V1 = '990100001001'
const G1 = '990100001001-01'
const T2 = '990100002'

let seq = 0
const nextId = (prefix = 'E') => `${prefix}-${++seq}`
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString()

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { source: 'dispute', externalId: nextId(), township: T1, category: 'neighbour', occurredAt: minutesAgo(30), ...overrides }
}

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}`, ...headers }, payload: payload as never })
const postRaw = (body: string, contentType: string) =>
  app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body })
const get = (url: string, who = duty) => app.inject({ url, headers: { cookie: who.cookie } })

async function stored(sourceSystem: string, externalId: string) {
  return database.db.selectFrom('event').selectAll().where('sourceSystem', '=', sourceSystem).where('externalId', '=', externalId).executeTakeFirst()
}

describe('POST /api/v1/events: shapes', () => {
  it('takes one object and answers 202 with the counts', async () => {
    const e = event({ title: '<b>邻里</b> 噪音纠纷' })
    const res = await post(e)
    expect(res.statusCode).toBe(202)
    expect(res.json()).toEqual({ accepted: 1, updated: 0, duplicates: 0, rejected: [] })
    const row = await stored('mediation-platform', e['externalId'] as string)
    expect(row).toMatchObject({ source: 'dispute', township: T1, severity: 1, peopleCount: 1, status: 'open', title: '<b>邻里</b> 噪音纠纷', version: 1, submittedBy: 'mediation-platform' })
  })

  it('takes an array; valid items are stored even when others are rejected', async () => {
    const good = [event(), event({ source: 'petition', category: 'labour' })]
    const res = await post([good[0], { source: 'dispute' }, good[1], 'text'])
    expect(res.statusCode).toBe(202)
    const body = res.json()
    expect(body).toMatchObject({ accepted: 2, updated: 0, duplicates: 0 })
    expect(body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3])
    expect(body.rejected[0].errors).toEqual(
      expect.arrayContaining([
        { field: 'externalId', message: 'required' },
        { field: 'category', message: 'required' },
        { field: 'occurredAt', message: 'required' },
        { field: 'township', message: 'required (or give village or grid)' },
      ]),
    )
    expect(body.rejected[1].errors).toEqual([{ field: '(item)', message: 'must be an event object' }])
    for (const g of good) expect(await stored('mediation-platform', g['externalId'] as string)).toBeDefined()
  })

  it('takes ndjson; a malformed line is rejected with its index, blank lines are skipped', async () => {
    const a = event()
    const b = event()
    const res = await postRaw(`${JSON.stringify(a)}\n{not json\n\n${JSON.stringify(b)}\n`, 'application/x-ndjson')
    expect(res.statusCode).toBe(202)
    expect(res.json()).toEqual({ accepted: 2, updated: 0, duplicates: 0, rejected: [{ index: 1, errors: [{ field: '(line)', message: 'this line is not valid JSON' }] }] })
  })

  it('rejects a body that is not ndjson at all, or not JSON, whole with 400', async () => {
    const nd = await postRaw('hello\nworld', 'application/x-ndjson')
    expect(nd.statusCode).toBe(400)
    expect(nd.json().error.code).toBe('malformed_json')
    const js = await postRaw('{"source": "dispute",', 'application/json')
    expect(js.statusCode).toBe(400)
    expect(js.json().error).toEqual({ code: 'malformed_json', message: 'request body is not valid JSON' })
    const scalar = await postRaw('42', 'application/json')
    expect(scalar.statusCode).toBe(400)
    expect(scalar.json().error.code).toBe('bad_request')
  })

  it('caps a batch at 5,000 events (413) and a body at 10 MiB (413)', async () => {
    const many = Array.from({ length: 5001 }, () => ({ source: 'dispute' }))
    const res = await post(many)
    expect(res.statusCode).toBe(413)
    expect(res.json().error).toMatchObject({ code: 'batch_too_large', message: 'a batch may hold at most 5000 events (got 5001); split it' })
    const huge = await postRaw(JSON.stringify([{ summary: 'x'.repeat(11 * 1024 * 1024) }]), 'application/json')
    expect(huge.statusCode).toBe(413)
    expect(huge.json().error.code).toBe('payload_too_large')
  })

  it('needs a feed token: 401 without, 403 for a signed-in user', async () => {
    const anon = await app.inject({ method: 'POST', url: '/api/v1/events', payload: event() })
    expect(anon.statusCode).toBe(401)
    const user = await app.inject({ method: 'POST', url: '/api/v1/events', headers: duty.headers, payload: event() })
    expect(user.statusCode).toBe(403)
  })
})

describe('POST /api/v1/events: validation (docs/architecture.md §4)', () => {
  const rejectedWith = async (overrides: Record<string, unknown>) => {
    const res = await post(event(overrides))
    expect(res.statusCode).toBe(202)
    const body = res.json()
    expect(body.accepted + body.updated + body.duplicates).toBe(0)
    return body.rejected[0].errors as Array<{ field: string; message: string }>
  }

  it('names an unknown township, village or grid code', async () => {
    expect(await rejectedWith({ township: '990100099' })).toEqual([{ field: 'township', message: 'township 990100099 does not exist' }])
    expect(await rejectedWith({ township: undefined, village: '990100001999' })).toEqual([{ field: 'village', message: 'village 990100001999 does not exist' }])
    expect(await rejectedWith({ grid: '990100001001-99' })).toEqual([{ field: 'grid', message: 'grid 990100001001-99 does not exist' }])
    expect(await rejectedWith({ township: '12345' })).toEqual([{ field: 'township', message: 'must be a 9-digit township code' }])
  })

  it('derives the township (and village) from a grid or village, and rejects inconsistent ones', async () => {
    const fromGrid = event({ township: undefined, grid: G1 })
    expect((await post(fromGrid)).json().accepted).toBe(1)
    expect(await stored('mediation-platform', fromGrid['externalId'] as string)).toMatchObject({ township: T1, village: V1, grid: G1 })
    const fromVillage = event({ township: undefined, village: V1 })
    expect((await post(fromVillage)).json().accepted).toBe(1)
    expect(await stored('mediation-platform', fromVillage['externalId'] as string)).toMatchObject({ township: T1, village: V1, grid: null })
    expect(await rejectedWith({ township: T2, village: V1 })).toEqual([{ field: 'village', message: `village ${V1} is not in township ${T2}` }])
    expect(await rejectedWith({ village: '990100001002', grid: G1 })).toEqual([{ field: 'grid', message: `grid ${G1} is not in village 990100001002` }])
  })

  it('checks the category against the source taxonomy', async () => {
    const errors = await rejectedWith({ source: 'incident', category: 'neighbour' })
    expect(errors).toEqual([{ field: 'category', message: expect.stringMatching(/^unknown incident category "neighbour"; one of public_order, criminal/) }])
    expect(await rejectedWith({ source: 'rumour' })).toEqual([{ field: 'source', message: 'must be one of dispute, petition, incident' }])
  })

  it('wants occurredAt with an offset, not more than 5 minutes ahead', async () => {
    const noOffset = await rejectedWith({ occurredAt: '2026-11-20T14:30:00' })
    expect(noOffset).toEqual([{ field: 'occurredAt', message: 'must be an ISO-8601 date-time with an offset, e.g. 2026-11-20T14:30:00+08:00' }])
    expect(await rejectedWith({ occurredAt: new Date(Date.now() + 6 * 60_000).toISOString() })).toEqual([{ field: 'occurredAt', message: 'must not be more than 5 minutes in the future' }])
    expect(await rejectedWith({ occurredAt: '2026-02-30T10:00:00+08:00' })).toHaveLength(1)
    const soon = event({ occurredAt: new Date(Date.now() + 4 * 60_000).toISOString() })
    expect((await post(soon)).json().accepted).toBe(1)
  })

  it('checks severity, peopleCount, status, lengths and types', async () => {
    expect(await rejectedWith({ severity: 5 })).toEqual([{ field: 'severity', message: 'must be from 1 to 4' }])
    expect(await rejectedWith({ severity: 2.5 })).toEqual([{ field: 'severity', message: 'must be a whole number from 1 to 4' }])
    // A string is a severity code, label or synonym (the code tables, docs/architecture.md §4).
    expect(await rejectedWith({ severity: '5' })).toEqual([{ field: 'severity', message: expect.stringMatching(/^must be a whole number from 1 to 4, or a severity label or synonym/) }])
    expect(await rejectedWith({ severity: true })).toEqual([{ field: 'severity', message: 'must be a whole number from 1 to 4, or a severity label' }])
    expect(await rejectedWith({ peopleCount: 0 })).toEqual([{ field: 'peopleCount', message: 'must be at least 1' }])
    expect(await rejectedWith({ peopleCount: 2.5 })).toEqual([{ field: 'peopleCount', message: 'must be a whole number of at least 1' }])
    expect(await rejectedWith({ status: 'done' })).toEqual([{ field: 'status', message: 'must be one of open, in_progress, resolved, closed (or a label or synonym such as 调解中)' }])
    expect(await rejectedWith({ title: '题'.repeat(201) })).toEqual([{ field: 'title', message: 'must be at most 200 characters' }])
    expect(await rejectedWith({ summary: 's'.repeat(4001) })).toEqual([{ field: 'summary', message: 'must be at most 4000 characters' }])
    expect(await rejectedWith({ externalId: 'x'.repeat(129) })).toEqual([{ field: 'externalId', message: 'must be at most 128 characters' }])
    expect(await rejectedWith({ sourceSystem: 's'.repeat(65) })).toEqual([{ field: 'sourceSystem', message: 'must be at most 64 characters' }])
    expect(await rejectedWith({ title: 'a\u0000b' })).toEqual([{ field: 'title', message: 'must not contain NUL characters' }])
    expect(await rejectedWith({ colour: 'red' })).toEqual([{ field: '(item)', message: 'unknown field(s): colour' }])
    // 200 Chinese characters are fine: lengths count characters, not bytes.
    expect((await post(event({ title: '题'.repeat(200) }))).json().accepted).toBe(1)
  })

  it('checks the attributes named for each source and keeps other keys as given', async () => {
    expect(await rejectedWith({ source: 'petition', category: 'labour', attributes: { form: 'fax' } })).toEqual([
      { field: 'attributes.form', message: 'must be one of letter, visit, online, hotline' },
    ])
    expect(await rejectedWith({ attributes: { flags: ['group', 'noisy'] } })).toEqual([{ field: 'attributes.flags.1', message: 'must be among group, difficult, civil_to_criminal, extreme' }])
    expect(await rejectedWith({ source: 'petition', category: 'labour', attributes: { skipLevel: 'yes' } })).toEqual([{ field: 'attributes.skipLevel', message: 'must be true or false' }])
    expect(await rejectedWith({ attributes: [1] })).toEqual([{ field: 'attributes', message: 'must be an object' }])
    const e = event({ source: 'petition', category: 'labour', attributes: { form: 'visit', firstTime: true, ticket: 'XF-2026-1' } })
    expect((await post(e)).json().accepted).toBe(1)
    expect((await stored('mediation-platform', e['externalId'] as string))!.attributes).toEqual({ form: 'visit', firstTime: true, ticket: 'XF-2026-1' })
  })

  it('checks parties', async () => {
    expect(await rejectedWith({ parties: [{}] })).toEqual([{ field: 'parties.0', message: 'a party needs at least one of name, idNumber, phone' }])
    expect(await rejectedWith({ parties: [{ name: '张三', email: 'a@b' }] })).toEqual([{ field: 'parties.0', message: 'unknown party field(s): email; a party has name, idNumber, phone' }])
    expect(await rejectedWith({ parties: [{ phone: 'call me' }] })).toEqual([{ field: 'parties.0.phone', message: 'must be a phone number (digits, +, -, spaces, parentheses)' }])
    expect(await rejectedWith({ parties: Array.from({ length: 51 }, () => ({ name: '张三' })) })).toEqual([{ field: 'parties', message: 'at most 50 parties' }])
  })

  it('defaults sourceSystem to the feed name, reportedAt to the time received', async () => {
    const e = event()
    const before = Date.now()
    await post(e)
    const row = (await stored('mediation-platform', e['externalId'] as string))!
    expect(row.reportedAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(row.receivedAt.getTime()).toBe(row.reportedAt.getTime())
  })
})

describe('idempotency on (sourceSystem, externalId)', () => {
  it('identical content is a duplicate; new content an update kept in history', async () => {
    const e = event({ sourceSystem: 'xf-system', reportedAt: minutesAgo(20), parties: [{ name: '李四', phone: '13812345678' }] })
    expect((await post(e)).json()).toMatchObject({ accepted: 1 })
    expect((await post(e)).json()).toEqual({ accepted: 0, updated: 0, duplicates: 1, rejected: [] })
    // The same content in another key order is still the same content.
    expect((await post(Object.fromEntries(Object.entries(e).reverse()))).json()).toMatchObject({ duplicates: 1 })
    expect((await post({ ...e, status: 'resolved' })).json()).toEqual({ accepted: 0, updated: 1, duplicates: 0, rejected: [] })
    const row = (await stored('xf-system', e['externalId'] as string))!
    expect(row).toMatchObject({ status: 'resolved', version: 2 })
    const detail = (await get(`/api/v1/events/${row.id}`)).json()
    expect(detail.history).toEqual([{ version: 1, changedAt: expect.any(String), changedBy: 'mediation-platform', content: expect.objectContaining({ status: 'open', parties: [{ name: '李四', phone: '13812345678' }] }) }])
  })

  it('the keyed party hashes stay in the server: no role reads them, not in the event nor in its history', async () => {
    const e = event({ parties: [{ name: '赵六', idNumber: '990100199001015678' }] })
    await post(e)
    await post({ ...e, status: 'resolved' })
    const row = (await stored('mediation-platform', e['externalId'] as string))!
    expect(row.partyHashes).toHaveLength(1)
    for (const who of [duty, leader, officer]) {
      const body = (await get(`/api/v1/events/${row.id}`, who)).body
      expect(JSON.parse(body).history).toHaveLength(1)
      expect(body).not.toContain('partyHashes')
      expect(body).not.toContain(row.partyHashes[0]!)
    }
  })

  it('the same key twice in one batch: the second copy updates the first', async () => {
    const e = event()
    const res = await post([e, { ...e, status: 'in_progress' }, { ...e, status: 'in_progress' }])
    expect(res.json()).toEqual({ accepted: 1, updated: 1, duplicates: 1, rejected: [] })
    expect(await stored('mediation-platform', e['externalId'] as string)).toMatchObject({ status: 'in_progress', version: 2 })
  })

  it('without reportedAt a re-send is still a duplicate', async () => {
    const e = event()
    await post(e)
    expect((await post(e)).json().duplicates).toBe(1)
  })
})

describe('concurrent requests (stored in groups)', () => {
  it('carrying the same key, they come out as if sent one after another', async () => {
    // Requests in flight together are stored in shared transactions (group commit): whatever the
    // grouping, one copy is new and the rest see it.
    const same = event()
    const copies = await Promise.all(Array.from({ length: 8 }, () => post(same)))
    expect(copies.map((r) => r.statusCode)).toEqual(Array(8).fill(202))
    const totals = copies.map((r) => r.json()).reduce((t, b) => ({ accepted: t.accepted + b.accepted, duplicates: t.duplicates + b.duplicates }), { accepted: 0, duplicates: 0 })
    expect(totals).toEqual({ accepted: 1, duplicates: 7 })

    const changing = event()
    const statuses = ['open', 'in_progress', 'resolved', 'closed']
    const versions = await Promise.all(statuses.map((status) => post({ ...changing, status })))
    const bodies = versions.map((r) => r.json())
    expect(bodies.filter((b) => b.accepted === 1)).toHaveLength(1)
    expect(bodies.filter((b) => b.updated === 1)).toHaveLength(3)
    const row = (await stored('mediation-platform', changing['externalId'] as string))!
    expect(row.version).toBe(4)
    const history = await database.db.selectFrom('eventHistory').select('version').where('eventId', '=', row.id).orderBy('version').execute()
    expect(history.map((h) => h.version)).toEqual([1, 2, 3])
  })

  it('each get their own counts and rejections', async () => {
    const requests = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? [event(), { source: 'dispute', externalId: nextId() }] : [event(), event()]))
    const answers = await Promise.all(requests.map((body) => post(body)))
    answers.forEach((res, i) => {
      expect(res.statusCode).toBe(202)
      expect(res.json()).toMatchObject(i % 3 === 0 ? { accepted: 1, rejected: [{ index: 1 }] } : { accepted: 2, rejected: [] })
    })
    for (const body of requests) for (const e of body) if ('category' in e) expect(await stored('mediation-platform', e['externalId'] as string)).toBeDefined()
  })
  it('each is authenticated by its own feed token, looked up together with the others', async () => {
    const [a, b, revoked] = await Promise.all(['grouped-a', 'grouped-b', 'grouped-revoked'].map((name) => feedToken(app, name)))
    await database.db.updateTable('feed').set({ revokedAt: new Date() }).where('name', '=', 'grouped-revoked').execute()
    const tokens = [a, b, revoked, 'not-a-token', a, b]
    const items = tokens.map(() => event())
    const answers = await Promise.all(tokens.map((t, i) => app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${t}` }, payload: items[i] })))
    expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 401, 401, 202, 202])
    const by = await Promise.all([0, 1, 4, 5].map((i) => stored(i % 2 ? 'grouped-b' : 'grouped-a', items[i]!['externalId'] as string)))
    expect(by.map((r) => r?.submittedBy)).toEqual(['grouped-a', 'grouped-b', 'grouped-a', 'grouped-b'])
  })
})

describe('the bus', () => {
  it('publishes accepted and updated events after the commit, with keyed party hashes', async () => {
    const accepted: RiskEvent[][] = []
    const updated: RiskEvent[][] = []
    const offA = app.bus.on('events:accepted', (events) => {
      accepted.push(events)
    })
    const offU = app.bus.on('events:updated', (events) => {
      updated.push(events)
    })
    const seen: number[] = []
    const offCheck = app.bus.on('events:accepted', (events) => {
      // Listeners run after the commit: the rows are there.
      void database.db.selectFrom('event').select('id').where('id', 'in', events.map((e) => e.id)).execute().then((rows) => seen.push(rows.length))
    })
    const party = { name: '王五', idNumber: '990100199001011234' }
    const a = event({ parties: [party] })
    const b = event({ source: 'petition', category: 'demolition', parties: [{ ...party, name: '王 五' }] })
    await post([a, b, { source: 'nope' }])
    await post({ ...a, status: 'closed' })
    offA()
    offU()
    offCheck()
    expect(accepted).toHaveLength(1)
    expect(accepted[0]!.map((e) => e.externalId)).toEqual([a['externalId'], b['externalId']])
    const [ea, eb] = accepted[0]!
    expect(ea!.partyHashes).toHaveLength(1)
    expect(ea!.partyHashes).toEqual(eb!.partyHashes)
    expect(ea!.partyHashes[0]).not.toContain('990100199001011234')
    expect(typeof ea!.occurredAt).toBe('number')
    expect(updated).toHaveLength(1)
    expect(updated[0]![0]).toMatchObject({ externalId: a['externalId'], status: 'closed' })
    await new Promise((r) => setImmediate(r))
    await database.db.selectFrom('event').select('id').limit(1).execute()
    expect(seen).toEqual([2])
  })
})

describe('GET /api/v1/events', () => {
  it('lists newest first with a cursor until nextCursor is null', async () => {
    const sys = 'paging'
    const batch = Array.from({ length: 7 }, (_, i) => event({ sourceSystem: sys, occurredAt: minutesAgo(1000 + (i % 3)) }))
    await post(batch)
    const seen: Array<{ id: number; occurredAt: string }> = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await get(`/api/v1/events?sourceSystem=${sys}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.statusCode).toBe(200)
      const body = res.json() as { items: Array<{ id: number; occurredAt: string }>; nextCursor: string | null }
      seen.push(...body.items)
      cursor = body.nextCursor
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toHaveLength(7)
    expect(new Set(seen.map((s) => s.id)).size).toBe(7)
    const sorted = [...seen].sort((x, y) => y.occurredAt.localeCompare(x.occurredAt) || y.id - x.id)
    expect(seen).toEqual(sorted)
  })

  it('filters by source, category, township, externalId, time and text (wildcards are literal)', async () => {
    const sys = 'filters'
    const items = [
      event({ sourceSystem: sys, externalId: 'f-1', title: '工资 100% 拖欠', source: 'dispute', category: 'wages', occurredAt: '2026-01-10T10:00:00+08:00' }),
      event({ sourceSystem: sys, externalId: 'f-2', title: '工资拖欠', summary: '一般', source: 'petition', category: 'labour', township: T2, occurredAt: '2026-01-11T10:00:00+08:00' }),
      event({ sourceSystem: sys, externalId: 'f-3', title: '邻里', source: 'incident', category: 'public_order', occurredAt: '2026-01-12T10:00:00+08:00' }),
    ]
    await post(items)
    const ids = async (query: string) => ((await get(`/api/v1/events?sourceSystem=${sys}&${query}`)).json().items as Array<{ externalId: string }>).map((i) => i.externalId)
    expect(await ids('source=petition')).toEqual(['f-2'])
    expect(await ids('category=wages')).toEqual(['f-1'])
    expect(await ids(`township=${T2}`)).toEqual(['f-2'])
    expect(await ids('externalId=f-3')).toEqual(['f-3'])
    expect(await ids('from=2026-01-11T00:00:00%2B08:00&to=2026-01-12T00:00:00%2B08:00')).toEqual(['f-2'])
    expect(await ids('from=2026-01-11')).toEqual(['f-3', 'f-2'])
    expect(await ids(`q=${encodeURIComponent('100%')}`)).toEqual(['f-1'])
    expect(await ids(`q=${encodeURIComponent('%')}`)).toEqual(['f-1'])
    expect(await ids(`q=${encodeURIComponent('工资')}`)).toEqual(['f-2', 'f-1'])
    const bad = await get('/api/v1/events?limit=501')
    expect(bad.statusCode).toBe(400)
    expect((await get('/api/v1/events?cursor=garbage')).statusCode).toBe(400)
    expect((await get('/api/v1/events?from=yesterday')).statusCode).toBe(400)
  })

  it('never shows parties in lists; a township officer sees only their township', async () => {
    const sys = 'scope'
    await post([event({ sourceSystem: sys, parties: [{ name: '赵六' }] }), event({ sourceSystem: sys, township: T2 })])
    const all = (await get(`/api/v1/events?sourceSystem=${sys}`)).json()
    expect(all.items).toHaveLength(2)
    expect(JSON.stringify(all)).not.toContain('赵六')
    expect(all.items.find((i: { township: string }) => i.township === T1)).toMatchObject({ partyCount: 1 })
    expect(all.items[0]).not.toHaveProperty('parties')
    const mine = (await get(`/api/v1/events?sourceSystem=${sys}`, officer)).json()
    expect(mine.items.map((i: { township: string }) => i.township)).toEqual([T1])
    expect((await get(`/api/v1/events?township=${T2}`, officer)).statusCode).toBe(403)
    const other = all.items.find((i: { township: string }) => i.township === T2)
    expect((await get(`/api/v1/events/${other.id}`, officer)).statusCode).toBe(404)
    expect((await app.inject('/api/v1/events')).statusCode).toBe(401)
  })

  it('shows parties plainly to duty and admin, masked to others', async () => {
    const e = event({ sourceSystem: 'detail', parties: [{ name: '张三丰', idNumber: '99010019900307123X', phone: '13812345678' }] })
    await post(e)
    const row = (await stored('detail', e['externalId'] as string))!
    expect(row.partiesEnc).not.toContain('张三丰')
    expect(JSON.stringify(row)).not.toContain('13812345678')
    const plain = (await get(`/api/v1/events/${row.id}`)).json()
    expect(plain).toMatchObject({ id: row.id, partiesMasked: false, parties: [{ name: '张三丰', idNumber: '99010019900307123X', phone: '13812345678' }], history: [] })
    const masked = (await get(`/api/v1/events/${row.id}`, leader)).json()
    expect(masked).toMatchObject({ partiesMasked: true, parties: [{ name: '张**', idNumber: '9901**********123X', phone: '138****5678' }] })
    expect((await get('/api/v1/events/999999999')).statusCode).toBe(404)
    expect((await get('/api/v1/events/abc')).statusCode).toBe(400)
  })
})

describe('POST /api/v1/zero-reports', () => {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())

  it('takes a feed token; the first report of the day stands', async () => {
    const reports: unknown[] = []
    const off = app.bus.on('zero-report:accepted', (r) => {
      reports.push(r)
    })
    const first = await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: { authorization: `Bearer ${token}` }, payload: { township: '990100005', date: today } })
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({ township: '990100005', date: today, created: true })
    const again = await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: duty.headers, payload: { township: '990100005', date: today } })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ date: today, created: false, reportedAt: first.json().reportedAt })
    off()
    expect(reports).toEqual([{ township: '990100005', date: today, at: expect.any(Number) }])
  })

  it('lets a township officer report only their own township, and checks the body', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: officer.headers, payload: { township: T1, date: today } })).statusCode).toBe(201)
    expect((await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: officer.headers, payload: { township: T2, date: today } })).statusCode).toBe(403)
    expect((await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: leader.headers, payload: { township: T2, date: today } })).statusCode).toBe(403)
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: duty.headers, payload: { township: '990100099', date: today } })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error.message).toBe('township 990100099 does not exist')
    const badDate = await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: duty.headers, payload: { township: T2, date: '2026-02-30' } })
    expect(badDate.statusCode).toBe(400)
    const future = await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: duty.headers, payload: { township: T2, date: '2999-01-01' } })
    expect(future.statusCode).toBe(400)
  })
})

describe('metrics and rate limit', () => {
  it('counts events by source and outcome', async () => {
    await post([event({ source: 'incident', category: 'fire' }), { source: 'incident' }])
    const text = (await app.inject('/metrics')).body
    expect(text).toMatch(/shaowang_events_ingested_total\{source="incident",outcome="accepted"\} [1-9]/)
    expect(text).toMatch(/shaowang_events_ingested_total\{source="incident",outcome="rejected"\} [1-9]/)
    expect(text).toMatch(/shaowang_events_ingested_total\{source="dispute",outcome="duplicate"\} [1-9]/)
  })

  it('limits each feed to 600 requests a minute with 429 in the one error shape', async () => {
    const busy = await feedToken(app, 'busy-feed')
    let last = null
    for (let i = 0; i < 601; i++) last = await app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${busy}` }, payload: [] })
    expect(last!.statusCode).toBe(429)
    expect(last!.json().error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('at most 600 a minute') })
    expect(last!.headers['retry-after']).toBeDefined()
    // Another feed is not affected.
    expect((await post([])).statusCode).toBe(202)
  })
})

describe('when the database is gone', () => {
  it('answers 503 with Retry-After', async () => {
    const { app: lonely, database: db2 } = await build()
    const lonelyToken = await feedToken(lonely)
    await db2.close()
    const res = await lonely.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${lonelyToken}` }, payload: event() })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    expect(res.json().error.code).toBe('unavailable')
  })
})
