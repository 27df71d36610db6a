import { describe, expect, it } from 'vitest'
import { build } from '../helpers/app.ts'
import { feedToken, pairKiosk, signIn } from '../helpers/auth.ts'

// Code tables (docs/architecture.md §4, "Code tables"; README "Code tables"): read by everyone
// signed in, written by the administrator, audited, refused field by field.

const { app, database } = await build()
const admin = await signIn(app, ['admin'])

interface Entry {
  kind: string
  source: string | null
  code: string
  labelZh: string
  labelEn: string
  synonyms: string[]
  retired: boolean
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Array<{ field: string; message: string }> }
}

const list = async (cookie = admin.cookie) => (await app.inject({ url: '/api/v1/code-tables', headers: { cookie } })).json() as { items: Entry[] }
const post = (kind: string, payload: unknown, headers = admin.headers) => app.inject({ method: 'POST', url: `/api/v1/code-tables/${kind}`, headers, payload: payload as object })
const patch = (path: string, payload: unknown, headers = admin.headers) => app.inject({ method: 'PATCH', url: `/api/v1/code-tables/${path}`, headers, payload: payload as object })
const audit = async (target: string) => ((await app.inject({ url: `/api/v1/audit?target=${encodeURIComponent(target)}`, headers: { cookie: admin.cookie } })).json() as { items: Array<{ action: string; actor: string; to: unknown }> }).items
const fieldsOf = (body: ErrorBody) => (body.error.fields ?? []).map((f) => f.field)

describe('GET /api/v1/code-tables', () => {
  it('serves the seeded taxonomy with labels and synonyms to every signed-in role and to a paired wall', async () => {
    for (const roles of [['leader'], ['township'], ['analyst'], ['duty']] as const) {
      const who = await signIn(app, [...roles], roles[0] === 'township' ? { township: '990100001' } : {})
      const { items } = await list(who.cookie)
      const neighbour = items.find((e) => e.kind === 'category' && e.source === 'dispute' && e.code === 'neighbour')
      expect(neighbour).toMatchObject({ labelZh: '邻里', labelEn: 'Neighbours', retired: false })
      expect(neighbour!.synonyms).toContain('邻里纠纷')
    }
    const wall = await pairKiosk(app)
    expect((await list(wall.cookie)).items.find((e) => e.kind === 'severity' && e.code === '4')).toMatchObject({ labelZh: '重大', source: null })
    expect((await app.inject({ url: '/api/v1/code-tables' })).statusCode).toBe(401)
  })
})

describe('POST /api/v1/code-tables/:kind', () => {
  it('adds a category for a source: listed at once, audited', async () => {
    const res = await post('category', { source: 'dispute', code: 'forest_rights', labelZh: '山林权属', labelEn: 'Forest rights', synonyms: ['山林确权纠纷', '林木纠纷'] })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ kind: 'category', source: 'dispute', code: 'forest_rights', retired: false })
    expect((await list()).items.find((e) => e.code === 'forest_rights')).toMatchObject({ synonyms: ['山林确权纠纷', '林木纠纷'] })
    expect(app.codeTables.book.resolve('category', 'dispute', '林木纠纷')?.code).toBe('forest_rights')
    const rows = await audit('code:category:dispute:forest_rights')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ action: 'code-table.create', actor: admin.username })
  })

  it('is the administrator’s alone', async () => {
    for (const roles of [['analyst'], ['duty'], ['leader']] as const) {
      const who = await signIn(app, [...roles])
      expect((await post('category', { source: 'dispute', code: 'sneaky', labelZh: '偷加', labelEn: 'Sneaky' }, who.headers)).statusCode).toBe(403)
    }
    expect((await list()).items.some((e) => e.code === 'sneaky')).toBe(false)
  })

  it('refuses bad input field by field, and changes nothing', async () => {
    const before = (await list()).items.length
    const bad = await post('category', { source: 'dispute', code: 'Bad Code!', labelZh: '', labelEn: 'x'.repeat(61), synonyms: ['ok', 7] })
    expect(bad.statusCode).toBe(400)
    expect(fieldsOf(bad.json())).toEqual(expect.arrayContaining(['code', 'labelZh', 'labelEn', 'synonyms.1']))
    const noSource = await post('category', { code: 'no_source', labelZh: '无来源', labelEn: 'No source' })
    expect(noSource.statusCode).toBe(400)
    expect(fieldsOf(noSource.json())).toEqual(['source'])
    const sourceOnForm = await post('petition_form', { source: 'petition', code: 'wechat', labelZh: '微信', labelEn: 'WeChat' })
    expect(sourceOnForm.statusCode).toBe(400)
    expect(fieldsOf(sourceOnForm.json())).toEqual(['source'])
    const fixed = await post('status', { code: 'pending', labelZh: '挂起', labelEn: 'Pending' })
    expect(fixed.statusCode).toBe(400)
    expect(fieldsOf(fixed.json())).toEqual(['code'])
    const kind = await post('colour', { code: 'red', labelZh: '红', labelEn: 'Red' })
    expect(kind.statusCode).toBe(400)
    expect(fieldsOf(kind.json())).toEqual(['kind'])
    const unknownKey = await post('dispute_flag', { code: 'loud', labelZh: '吵闹', labelEn: 'Loud', colour: 'red' })
    expect(unknownKey.statusCode).toBe(400)
    expect((await list()).items.length).toBe(before)
  })

  it('refuses a code that exists and a word that already stands for another code (409, by field)', async () => {
    const again = await post('category', { source: 'dispute', code: 'neighbour', labelZh: '邻居', labelEn: 'Neighbours again' })
    expect(again.statusCode).toBe(409)
    expect(fieldsOf(again.json())).toEqual(['code'])
    const clash = await post('category', { source: 'dispute', code: 'village_affairs', labelZh: '村务', labelEn: 'Village affairs', synonyms: ['村务纠纷', '邻里纠纷', '村务纠纷'] })
    expect(clash.statusCode).toBe(409)
    const body = clash.json() as ErrorBody
    expect(body.error.fields).toEqual([
      { field: 'synonyms.1', message: expect.stringContaining('neighbour') },
      { field: 'synonyms.2', message: expect.stringContaining('twice') },
    ])
    const byLabel = await post('petition_form', { code: 'letters', labelZh: '来信', labelEn: 'Letters' })
    expect(byLabel.statusCode).toBe(409)
    expect(fieldsOf(byLabel.json())).toEqual(['labelZh'])
    // Another source's words are its own.
    expect((await post('category', { source: 'petition', code: 'neighbourhood', labelZh: '邻里纠纷', labelEn: 'Neighbourhood' })).statusCode).toBe(201)
    expect((await list()).items.some((e) => e.code === 'village_affairs' || e.code === 'letters')).toBe(false)
  })
})

describe('PATCH /api/v1/code-tables/:kind/:code', () => {
  it('replaces synonyms, relabels, retires and restores; each change audited', async () => {
    const res = await patch('category/neighbour?source=dispute', { synonyms: ['邻里纠纷', '邻居矛盾'], labelEn: 'Neighbour disputes' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ labelEn: 'Neighbour disputes', synonyms: ['邻里纠纷', '邻居矛盾'] })
    expect(app.codeTables.book.resolve('category', 'dispute', '邻居矛盾')?.code).toBe('neighbour')
    expect(app.codeTables.book.resolve('category', 'dispute', '相邻关系纠纷')).toBeUndefined()
    const retired = await patch('petition_form/hotline', { retired: true })
    expect(retired.json()).toMatchObject({ retired: true })
    expect(app.codeTables.book.isValid('petition_form', '', 'hotline', { active: true })).toBe(false)
    expect(app.codeTables.book.isValid('petition_form', '', 'hotline', { active: false })).toBe(true)
    expect((await patch('petition_form/hotline', { retired: false })).json()).toMatchObject({ retired: false })
    const severity = await patch('severity/4', { synonyms: ['特急', '特别紧急', '十万火急'] })
    expect(severity.statusCode).toBe(200)
    expect(app.codeTables.book.resolve('severity', '', '十万火急')?.code).toBe('4')
    expect((await audit('code:petition_form:hotline')).map((r) => r.action)).toEqual(['code-table.update', 'code-table.update'])
    expect(await audit('code:category:dispute:neighbour')).toHaveLength(1)
  })

  it('refuses what would make a word stand for two codes, a fixed code retired, an unknown code, and empty bodies', async () => {
    const clash = await patch('category/family?source=dispute', { synonyms: ['家事', '劳资纠纷'] })
    expect(clash.statusCode).toBe(409)
    expect(clash.json()).toMatchObject({ error: { fields: [{ field: 'synonyms.1', message: expect.stringContaining('wages') }] } })
    expect(app.codeTables.book.resolve('category', 'dispute', '家事')).toBeUndefined()
    const fixed = await patch('status/open', { retired: true })
    expect(fixed.statusCode).toBe(400)
    expect(fieldsOf(fixed.json())).toEqual(['retired'])
    expect((await patch('category/nothing_here?source=dispute', { labelZh: '无' })).statusCode).toBe(404)
    const noSource = await patch('category/family', { labelZh: '家庭' })
    expect(noSource.statusCode).toBe(400)
    expect(fieldsOf(noSource.json())).toEqual(['source'])
    expect((await patch('category/family?source=dispute', {})).statusCode).toBe(400)
    const analyst = await signIn(app, ['analyst'])
    expect((await patch('category/family?source=dispute', { labelZh: '家庭' }, analyst.headers)).statusCode).toBe(403)
  })

  it('two administrators giving one new word to two codes at the same time: one is stored, the other is a 409', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post('dispute_flag', { code: `race_${i}`, labelZh: `竞争${i}`, labelEn: `Race ${i}`, synonyms: ['同时提交的说法'] })),
    )
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409])
    const holders = (await list()).items.filter((e) => e.synonyms.includes('同时提交的说法'))
    expect(holders).toHaveLength(1)
  })

  it('another server process on the same database sees a change once it looks (docs/architecture.md: the poll)', async () => {
    const { app: other } = await build({ database })
    expect(other.codeTables.book.resolve('category', 'dispute', '山林确权纠纷')?.code).toBe('forest_rights')
    expect((await post('dispute_flag', { code: 'elderly', labelZh: '涉老', labelEn: 'Elderly involved' })).statusCode).toBe(201)
    expect(other.codeTables.book.entry('dispute_flag', '', 'elderly')).toBeUndefined()
    expect(await other.codeTables.refreshIfChanged()).toBe(true)
    expect(other.codeTables.book.resolve('dispute_flag', '', '涉老')?.code).toBe('elderly')
    expect(await other.codeTables.refreshIfChanged()).toBe(false)
  })
})

const TOWNSHIP = '990100002'
const feed = await feedToken(app, 'code-tables-feed')

describe('ingest reads the code tables', () => {
  const send = (items: unknown) => app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${feed}` }, payload: items as object })
  const event = (externalId: string, fields: Record<string, unknown>) => ({ source: 'dispute', externalId, township: TOWNSHIP, category: 'neighbour', occurredAt: new Date(Date.now() - 3_600_000).toISOString(), ...fields })
  const stored = (externalId: string) => app.db.selectFrom('event').select(['category', 'status', 'severity', 'attributes']).where('externalId', '=', externalId).executeTakeFirst()

  it('POST /events takes a label or synonym wherever it takes a code, and stores the code', async () => {
    const res = await send([
      event('syn-1', { category: '婚姻家庭纠纷', status: '调解中', severity: '特急', attributes: { flags: ['群体性纠纷', 'difficult'] } }),
      event('syn-2', { category: ' 邻里 ', status: '调解成功', severity: 2 }),
      { source: 'petition', externalId: 'syn-3', township: TOWNSHIP, category: '涉法涉诉类', occurredAt: new Date().toISOString(), attributes: { form: '１２３４５' } },
    ])
    expect(res.json()).toMatchObject({ accepted: 3, rejected: [] })
    expect(await stored('syn-1')).toMatchObject({ category: 'family', status: 'in_progress', severity: 4, attributes: { flags: ['group', 'difficult'] } })
    expect(await stored('syn-2')).toMatchObject({ category: 'neighbour', status: 'resolved', severity: 2 })
    expect(await stored('syn-3')).toMatchObject({ category: 'litigation', attributes: { form: 'hotline' } })
  })

  it('refuses an unknown word with the field, naming the codes', async () => {
    const res = await send([event('syn-bad', { category: '宇宙纠纷', status: '飞走了', severity: '超级急', attributes: { flags: ['吵架'] } })])
    const errors = (res.json() as { rejected: Array<{ errors: Array<{ field: string; message: string }> }> }).rejected[0]!.errors
    expect(errors.map((e) => e.field).sort()).toEqual(['attributes.flags.0', 'category', 'severity', 'status'])
    expect(errors.find((e) => e.field === 'category')!.message).toContain('neighbour')
  })

  it('a category added through the API is accepted at once, by its code and by its synonyms', async () => {
    expect((await send([event('new-cat-0', { category: '宗族纠纷' })])).json()).toMatchObject({ accepted: 0 })
    expect((await post('category', { source: 'dispute', code: 'clan', labelZh: '宗族', labelEn: 'Clan', synonyms: ['宗族纠纷'] })).statusCode).toBe(201)
    expect((await send([event('new-cat-1', { category: '宗族纠纷' }), event('new-cat-2', { category: 'clan' })])).json()).toMatchObject({ accepted: 2 })
    expect((await stored('new-cat-1'))?.category).toBe('clan')
  })

  it('a retired category is refused for new events; stored ones keep it, stay readable and can still be updated', async () => {
    expect((await send([event('ret-1', { category: 'property' })])).json()).toMatchObject({ accepted: 1 })
    expect((await patch('category/property?source=dispute', { retired: true })).statusCode).toBe(200)
    const refused = await send([event('ret-2', { category: '物业纠纷' }), event('ret-3', { category: 'property', severity: 'x' })])
    const body = refused.json() as { accepted: number; rejected: Array<{ index: number; errors: Array<{ field: string; message: string }> }> }
    expect(body.accepted).toBe(0)
    expect(body.rejected[0]!.errors).toEqual([{ field: 'category', message: '"物业纠纷" is retired (property 物业): no longer accepted for new events' }])
    expect(body.rejected[1]!.errors.map((e) => e.field).sort()).toEqual(['category', 'severity'])
    // The stored event: listed, filtered and read as before; a status change to it is taken.
    const reader = await signIn(app, ['duty'])
    const listed = (await app.inject({ url: '/api/v1/events?category=property&source=dispute', headers: { cookie: reader.cookie } })).json() as { items: Array<{ externalId: string; category: string }> }
    expect(listed.items.map((e) => e.externalId)).toContain('ret-1')
    expect((await send([event('ret-1', { category: 'property', status: 'resolved' })])).json()).toMatchObject({ updated: 1, rejected: [] })
    expect(await stored('ret-1')).toMatchObject({ category: 'property', status: 'resolved' })
    // Restored, it is accepted again.
    await patch('category/property?source=dispute', { retired: false })
    expect((await send([event('ret-2', { category: '物业纠纷' })])).json()).toMatchObject({ accepted: 1 })
  })

  it('a ledger reads a synonym added in the admin screen, and says in Chinese that a retired category is retired', async () => {
    const duty = await signIn(app, ['duty'])
    expect((await patch('category/land?source=dispute', { synonyms: ['土地承包经营纠纷', '荒山承包纠纷'] })).statusCode).toBe(200)
    expect((await patch('dispute_flag/extreme', { retired: true })).statusCode).toBe(200)
    const csv = `编号,来源,乡镇代码,类别,发生时间,状态,严重程度,纠纷标记\nL-1,矛盾纠纷,${TOWNSHIP},荒山承包纠纷,2026-01-05 10:00,调解中,特急,群体性\nL-2,矛盾纠纷,${TOWNSHIP},邻里纠纷,2026-01-05 11:00,未化解,紧急,极端倾向\n`
    const boundary = '----code-tables-boundary'
    const payload = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="ledger.csv"\r\ncontent-type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`)
    const res = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...duty.headers, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload })
    expect(res.statusCode, res.body).toBe(200)
    const report = res.json() as { accepted: number; rejected: Array<{ row: number; field: string; message: string }> }
    expect(report.accepted).toBe(1)
    expect(report.rejected).toEqual([{ row: 3, field: '纠纷标记', message: '“极端倾向”（extreme）已停用：新事件不能再用（已有事件保留）' }])
    expect(await stored('L-1')).toMatchObject({ category: 'land', status: 'in_progress', severity: 4, attributes: { flags: ['group'] } })
  })
})
