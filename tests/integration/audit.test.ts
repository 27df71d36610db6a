import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { recordAudit } from '../../server/modules/audit/repository.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const { app } = await build()
const admin = await signIn(app, ['admin'])
const get = (query: string) => app.inject({ url: `/api/v1/audit${query}`, headers: { cookie: admin.cookie } })

type Page = { items: Array<{ id: number; at: string; actor: string; action: string; target: string | null; from: unknown; to: unknown }>; nextCursor: string | null }

describe('audit log API', () => {
  it('lists newest first and pages with a cursor until the end', async () => {
    for (let i = 0; i < 7; i++) await recordAudit(app.db, { actor: 'pager', actorKind: 'system', action: 'test.page', target: `n:${i}`, to: { i } })
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await get(`?actor=pager&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.statusCode).toBe(200)
      const page = res.json() as Page
      seen.push(...page.items.map((it) => it.target!))
      cursor = page.nextCursor
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toEqual(['n:6', 'n:5', 'n:4', 'n:3', 'n:2', 'n:1', 'n:0'])
  })

  it('filters by actor, action (exact or prefix*), target and time', async () => {
    await recordAudit(app.db, { actor: 'filter-a', actorKind: 'user', action: 'widget.create', target: 'w:1' })
    await recordAudit(app.db, { actor: 'filter-a', actorKind: 'user', action: 'widget.delete', target: 'w:2' })
    await recordAudit(app.db, { actor: 'filter-b', actorKind: 'user', action: 'widget.create', target: 'w:3' })
    const targets = async (q: string) => ((await get(q)).json() as Page).items.map((i) => i.target)
    expect(await targets('?actor=filter-a')).toEqual(['w:2', 'w:1'])
    expect(await targets('?action=widget.create')).toEqual(['w:3', 'w:1'])
    expect(await targets('?action=widget.*&actor=filter-a')).toEqual(['w:2', 'w:1'])
    expect(await targets('?target=w:2')).toEqual(['w:2'])
    const future = encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())
    expect(await targets(`?actor=filter-a&from=${future}`)).toEqual([])
    expect(await targets(`?actor=filter-a&to=${future}`)).toEqual(['w:2', 'w:1'])
  })

  it('names the bad parameter', async () => {
    expect((await get('?from=yesterday')).json().error.fields[0].field).toBe('from')
    expect((await get('?limit=0')).json().error.fields[0].field).toBe('limit')
    expect((await get('?cursor=nonsense')).json().error.fields).toEqual([{ field: 'cursor', message: 'not a cursor from this API' }])
  })

  it('records every admin write with who, what, from → to and where from', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/users', headers: admin.headers, payload: { username: 'audited', password: 'correct-horse-battery', roles: ['duty'] }, remoteAddress: '198.51.100.4' })
    expect(created.statusCode).toBe(201)
    await app.inject({ method: 'PATCH', url: `/api/v1/users/${created.json().id}`, headers: admin.headers, payload: { roles: ['duty', 'leader'] } })
    const page = (await get('?target=user:audited')).json() as Page
    expect(page.items.map((i) => i.action)).toEqual(['user.update', 'user.create'])
    expect(page.items[0]).toMatchObject({ actor: admin.username, from: { roles: ['duty'] }, to: { roles: ['duty', 'leader'] } })
    expect(page.items[1]).toMatchObject({ actor: admin.username, to: { roles: ['duty'] }, ip: '198.51.100.4' })
  })

  it('writes the audit row in the same transaction as the change', async () => {
    // A change whose audit row cannot be written must not happen: break the audit table for one request.
    await app.db.schema.alterTable('audit').addCheckConstraint('audit_no_feed_create', sql`action <> 'feed.create'`).execute()
    try {
      const res = await app.inject({ method: 'POST', url: '/api/v1/feeds', headers: admin.headers, payload: { name: 'never-stored' } })
      expect(res.statusCode).toBe(500)
      expect(await app.db.selectFrom('feed').select('id').where('name', '=', 'never-stored').execute()).toHaveLength(0)
    } finally {
      await app.db.schema.alterTable('audit').dropConstraint('audit_no_feed_create').execute()
    }
  })

  it('is for administrators only', async () => {
    const analyst = await signIn(app, ['analyst'])
    expect((await app.inject({ url: '/api/v1/audit', headers: { cookie: analyst.cookie } })).statusCode).toBe(403)
  })
})
