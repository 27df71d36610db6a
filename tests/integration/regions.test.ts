import ExcelJS from 'exceljs'
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { build } from '../helpers/app.ts'
import { feedToken, type SignedIn, signIn } from '../helpers/auth.ts'
import { baseUrl, closeAllClients, connectLive, tokenOf } from '../helpers/live.ts'

// The region tree managed through the API (docs/architecture.md §3): create, rename, move, tag,
// retire; every change audited, in the ingest's checks and the engine at once, and pushed live.

const { app } = await build({ listen: true })
const admin = await signIn(app, ['admin'])
const feed = await feedToken(app)

type Json = Record<string, any>
const get = async (url: string, who: SignedIn = admin) => (await app.inject({ url, headers: { cookie: who.cookie } })).json() as Json
const send = (method: 'POST' | 'PATCH', url: string, payload: unknown, who: SignedIn = admin) => app.inject({ method, url, headers: who.headers, payload: payload as Json })
const postEvent = (payload: Json, token = feed) => app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` }, payload })
const audits = async (action: string, target: string) => ((await get(`/api/v1/audit?action=${action}&target=${encodeURIComponent(target)}`)).items as Json[]) ?? []
const event = (externalId: string, place: Json) => ({ source: 'dispute', externalId, category: 'neighbour', occurredAt: new Date(Date.now() - 60_000).toISOString(), ...place })

describe('regions: the tree through the API', () => {
  it('creates a township, a village and a grid under their parents, audited, and takes their events at once', async () => {
    const created = await send('POST', '/api/v1/regions', { code: '990100013000', name: '新港街道', tags: ['border'] })
    expect(created.statusCode, created.body).toBe(201)
    // The code table's 12-digit form of a township is stored as its 9-digit code.
    expect(created.json()).toMatchObject({ code: '990100013', parentCode: '990100', level: 'township', name: '新港街道', kind: 'subdistrict', tags: ['border'], retiredAt: null })
    expect((await send('POST', '/api/v1/regions', { code: '990100013001', name: '海湾社区' })).json()).toMatchObject({ parentCode: '990100013', level: 'village', kind: 'community' })
    expect((await send('POST', '/api/v1/regions', { code: '990100013001-01', name: '海湾社区第一网格', parentCode: '990100013001' })).json()).toMatchObject({ level: 'grid', kind: 'grid' })

    const { items } = await get('/api/v1/regions')
    expect(items.filter((r: Json) => r.code.startsWith('990100013')).map((r: Json) => r.code)).toEqual(['990100013', '990100013001', '990100013001-01'])
    expect((await audits('region.create', 'region:990100013'))[0]).toMatchObject({ actor: admin.username, to: { code: '990100013', name: '新港街道', parentCode: '990100' } })

    // Every screen's township list has it, and the ingest takes an event naming only the grid.
    expect(((await get('/api/v1/townships')) as unknown as Json[]).map((t) => t.code)).toContain('990100013')
    const posted = await postEvent(event('new-grid-1', { grid: '990100013001-01' }))
    expect(posted.json()).toMatchObject({ accepted: 1, rejected: [] })
  })

  it('renames, retags and moves a region, each change audited from → to', async () => {
    const renamed = await send('PATCH', '/api/v1/regions/990100013', { name: '新港镇', tags: ['border', 'resettlement'] })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect(renamed.json()).toMatchObject({ name: '新港镇', tags: ['border', 'resettlement'] })
    expect((await audits('region.update', 'region:990100013'))[0]).toMatchObject({ from: { name: '新港街道', tags: ['border'] }, to: { name: '新港镇', tags: ['border', 'resettlement'] } })
    expect(((await get('/api/v1/townships/990100013')) as Json).name).toBe('新港镇')

    // A village moves to another township: its events from now on belong there.
    const moved = await send('PATCH', '/api/v1/regions/990100013001', { parentCode: '990100012' })
    expect(moved.json()).toMatchObject({ parentCode: '990100012' })
    expect((await audits('region.update', 'region:990100013001'))[0]).toMatchObject({ from: { parentCode: '990100013' }, to: { parentCode: '990100012' } })
    expect((await postEvent(event('moved-1', { village: '990100013001' }))).json()).toMatchObject({ accepted: 1 })
    const stored = await get('/api/v1/events?externalId=moved-1')
    expect(stored.items[0].township.code ?? stored.items[0].township).toBe('990100012')
  })

  it('refuses bad input with the field and the reason, and changes nothing', async () => {
    const before = (await get('/api/v1/regions')).items.length
    const cases: Array<[Json, string, RegExp]> = [
      [{ code: '99010001', name: 'x' }, 'code', /region code/],
      [{ code: '990100014', name: '' }, 'name', /empty/],
      [{ code: '990100014', name: 'x', parentCode: '990200' }, 'parentCode', /lies in 990100/],
      [{ code: '990200001', name: '外县镇' }, 'code', /990200 does not exist/],
      [{ code: '990100014001', name: '无镇村' }, 'code', /990100014 does not exist/],
      [{ code: '990100014', name: '某镇', kind: 'community' }, 'kind', /town, township, subdistrict/],
      [{ code: '990100014', name: '某镇', tags: ['Border!'] }, 'tags.0', /lowercase/],
    ]
    for (const [body, field, message] of cases) {
      const res = await send('POST', '/api/v1/regions', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      const fields = res.json().error.fields as Json[]
      expect(fields, JSON.stringify(body)).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]))
    }
    const duplicate = await send('POST', '/api/v1/regions', { code: '990100001', name: '城关街道' })
    expect(duplicate.statusCode).toBe(409)
    expect(duplicate.json().error.fields[0]).toMatchObject({ field: 'code' })

    const wrongLevel = await send('PATCH', '/api/v1/regions/990100001001', { parentCode: '990100' })
    expect(wrongLevel.statusCode).toBe(400)
    expect(wrongLevel.json().error.fields[0]).toMatchObject({ field: 'parentCode', message: expect.stringMatching(/a village goes under a township; 990100 is a county/) })
    expect((await send('PATCH', '/api/v1/regions/990100001001', {})).statusCode).toBe(400)
    expect((await send('PATCH', '/api/v1/regions/990100099', { name: 'x' })).statusCode).toBe(404)
    expect((await get('/api/v1/regions')).items.length).toBe(before)
  })

  it('retires a township: its stored events stay, new ones (naming it or a village in it) are refused with a clear message', async () => {
    const township = '990100011'
    const kept = await postEvent(event('before-retire', { township }))
    expect(kept.json()).toMatchObject({ accepted: 1 })
    const id = (await get(`/api/v1/events?externalId=before-retire`)).items[0].id

    const retired = await send('POST', `/api/v1/regions/${township}/retire`, { note: '撤乡并镇' })
    expect(retired.statusCode, retired.body).toBe(200)
    expect(retired.json().retiredAt).toEqual(expect.any(String))
    expect((await audits('region.retire', `region:${township}`))[0]).toMatchObject({ note: '撤乡并镇', from: { retiredAt: null } })

    // In a batch: the valid item is stored, the retired township's is refused by field.
    const batch = await postEvent([event('after-retire', { township }), event('elsewhere', { township: '990100002' })] as unknown as Json)
    expect(batch.json()).toMatchObject({ accepted: 1 })
    expect(batch.json().rejected).toEqual([{ index: 0, errors: [{ field: 'township', message: expect.stringMatching(/^township 990100011 was retired on \d{4}-\d{2}-\d{2}: it takes no new events$/) }] }])
    const village = app.regions.children(township)[0]!.code
    expect((await postEvent(event('village-after', { village }))).json().rejected[0].errors).toEqual([{ field: 'village', message: expect.stringMatching(/lies in township 990100011, retired on/) }])
    const zero = await app.inject({ method: 'POST', url: '/api/v1/zero-reports', headers: { authorization: `Bearer ${feed}` }, payload: { township, date: new Date().toISOString().slice(0, 10) } })
    expect(zero.statusCode).toBe(400)

    // Its history stays: the event, the township and its place in the tree.
    expect((await app.inject({ url: `/api/v1/events/${id}`, headers: { cookie: admin.cookie } })).statusCode).toBe(200)
    expect(((await get(`/api/v1/townships/${township}`)) as Json).code).toBe(township)
    expect((await send('POST', `/api/v1/regions/${township}/retire`, {})).statusCode).toBe(409)
    expect((await send('POST', '/api/v1/regions', { code: '990100011099', name: '新村' })).json().error.fields[0].message).toMatch(/retired: reinstate it first/)

    const back = await send('POST', `/api/v1/regions/${township}/reinstate`, {})
    expect(back.json().retiredAt).toBeNull()
    expect((await postEvent(event('after-reinstate', { township }))).json()).toMatchObject({ accepted: 1 })
  })

  it('pushes regions:updated to a connected screen on every change', async () => {
    const duty = await signIn(app, ['duty'])
    const client = await connectLive(baseUrl(app), { token: tokenOf(duty.cookie) })
    await send('PATCH', '/api/v1/regions/990100013', { name: '新港镇（改）' })
    const message = await client.waitFor(() => client.of('regions:updated').find((m) => m.codes.includes('990100013')), 'regions:updated')
    expect(message).toEqual({ codes: ['990100013'], townships: true })
    closeAllClients()
  })

  it('lets only the administrator read or change the tree', async () => {
    for (const role of ['analyst', 'duty', 'leader', 'township'] as const) {
      const who = await signIn(app, [role], role === 'township' ? { township: '990100001' } : {})
      expect((await app.inject({ url: '/api/v1/regions', headers: { cookie: who.cookie } })).statusCode, role).toBe(403)
      expect((await send('POST', '/api/v1/regions', { code: '990100015', name: '某镇' }, who)).statusCode, role).toBe(403)
      expect((await send('PATCH', '/api/v1/regions/990100001', { name: 'x' }, who)).statusCode, role).toBe(403)
      expect((await send('POST', '/api/v1/regions/990100001/retire', {}, who)).statusCode, role).toBe(403)
    }
    expect((await app.inject({ url: '/api/v1/regions' })).statusCode).toBe(401)
    expect(((await get('/api/v1/townships/990100001')) as Json).name).toBe('城关街道')
  })
})

describe('a county from nothing (DEMO=0): a township made through the API is scored without a restart', () => {
  it('takes and scores the new township’s events, with its tags', async () => {
    const { app: empty } = await build({ demoCounty: false })
    const boss = await signIn(empty, ['admin'])
    const analyst = await signIn(empty, ['analyst'])
    const token = await feedToken(empty)
    const draft = await empty.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { ...DEFAULT_RULE_SET, comment: 'test' } })
    await empty.inject({ method: 'POST', url: `/api/v1/rulesets/${draft.json().id}/publish`, headers: analyst.headers, payload: { comment: 'live' } })
    await vi.waitFor(() => expect(empty.engine.running).toBe(true))

    const refused = await empty.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` }, payload: event('n-0', { township: '880100001', source: 'incident', category: 'mass', peopleCount: 30, severity: 4 }) })
    expect(refused.json().rejected[0].errors[0].message).toBe('township 880100001 does not exist')

    expect((await empty.inject({ method: 'POST', url: '/api/v1/regions', headers: boss.headers, payload: { code: '880100', name: '新设县' } })).statusCode).toBe(201)
    expect((await empty.inject({ method: 'POST', url: '/api/v1/regions', headers: boss.headers, payload: { code: '880100001', name: '一号镇', tags: ['border'] } })).statusCode).toBe(201)
    const posted = await empty.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` }, payload: event('n-1', { township: '880100001', source: 'incident', category: 'mass', peopleCount: 30, severity: 4 }) })
    expect(posted.json()).toMatchObject({ accepted: 1, rejected: [] })
    await vi.waitFor(async () => {
      const t = (await empty.inject({ url: '/api/v1/townships/880100001', headers: { cookie: boss.cookie } })).json()
      expect(t.score).toBeGreaterThan(0)
      expect(t.explanation.signals.length).toBeGreaterThan(0)
      // The engine knows the township as created, tags and all: the default rules weigh a border township ×1.2.
      expect(t.explanation.signals.every((s: Json) => s.factor === 1.2)).toBe(true)
    })
  })
})

// --- the national code table (统计用区划代码和城乡划分代码) ---

type TableRow = [string, string, string]
/** Two townships' villages, as the table is published: province and prefecture rows above the county. */
const TABLE: TableRow[] = [
  ['770000000000', '', '示例省'],
  ['770100000000', '', '示例市'],
  ['770102000000', '', '临川区'],
  ['770102001000', '', '河东街道'],
  ['770102001001', '111', '河东社区居委会'],
  ['770102001002', '111', '滨江社区居委会'],
  ['770102002000', '', '石桥镇'],
  ['770102002201', '220', '石桥村委会'],
  ['770102002202', '220', '上塘村委会'],
  ['770102002203', '210', '下塘村委会'],
]

const csvOf = (rows: TableRow[]) => ['2026年统计用区划代码和城乡划分代码（临川区）', '统计用区划代码,城乡分类代码,名称', ...rows.map((r) => r.join(','))].join('\n')

async function xlsxOf(rows: TableRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('区划代码')
  sheet.getRow(1).values = ['2026年统计用区划代码和城乡划分代码']
  sheet.mergeCells('A1:C1')
  sheet.getRow(2).values = ['统计用区划代码', '城乡分类代码', '名称']
  // Codes as numbers, as a spreadsheet holds them when nobody set the column to text.
  rows.forEach((r, i) => (sheet.getRow(3 + i).values = [Number(r[0]), r[1] ? Number(r[1]) : null, r[2]]))
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

function multipart(file: Buffer | string, filename: string, fields: Record<string, string> = {}) {
  const boundary = '----shaowang-regions'
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`), Buffer.from(file), Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

describe('regions: import from the statistical code table', () => {
  for (const format of ['csv', 'xlsx'] as const) {
    it(`${format}: a dry run previews, the import applies in one go, a later table renames, adds and retires`, async () => {
      const { app: county } = await build({ demoCounty: false, listen: true })
      const boss = await signIn(county, ['admin'])
      const token = await feedToken(county)
      const upload = async (rows: TableRow[], dryRun: boolean) => {
        const body = multipart(format === 'csv' ? csvOf(rows) : await xlsxOf(rows), `table.${format}`, dryRun ? { dryRun: '1' } : {})
        return county.inject({ method: 'POST', url: '/api/v1/regions/import', headers: { ...boss.headers, ...body.headers }, payload: body.payload })
      }
      const regions = async () => ((await county.inject({ url: '/api/v1/regions', headers: { cookie: boss.cookie } })).json().items as Json[])

      const preview = await upload(TABLE, true)
      expect(preview.statusCode, preview.body).toBe(200)
      expect(preview.json()).toMatchObject({ dryRun: true, format, headerRows: [2], counties: ['770102'], skipped: ['770000', '770100'], unchanged: 0, renamed: [], retired: [], moved: [] })
      expect(preview.json().added.map((a: Json) => `${a.level}:${a.code}`)).toEqual([
        'county:770102', 'township:770102001', 'village:770102001001', 'village:770102001002', 'township:770102002', 'village:770102002201', 'village:770102002202', 'village:770102002203',
      ])
      expect(await regions()).toEqual([])

      const duty = await signIn(county, ['duty'])
      const client = await connectLive(baseUrl(county), { token: tokenOf(duty.cookie) })
      const applied = await upload(TABLE, false)
      expect(applied.statusCode, applied.body).toBe(200)
      expect(applied.json().dryRun).toBe(false)
      const stored = await regions()
      expect(stored.map((r) => r.code)).toEqual(['770102', '770102001', '770102001001', '770102001002', '770102002', '770102002201', '770102002202', '770102002203'])
      expect(stored.find((r) => r.code === '770102002203')).toMatchObject({ parentCode: '770102002', level: 'village', name: '下塘村委会', kind: 'village', urbanRural: '210' })
      expect(stored.find((r) => r.code === '770102001')).toMatchObject({ kind: 'subdistrict', parentCode: '770102' })
      await client.waitFor(() => client.of('regions:updated').find((m) => m.townships), 'regions:updated')
      closeAllClients()
      const importAudit = (await county.inject({ url: '/api/v1/audit?action=region.import', headers: { cookie: boss.cookie } })).json().items
      expect(importAudit[0]).toMatchObject({ to: { fileName: `table.${format}`, added: 8 } })
      expect((await county.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` }, payload: event('imp-1', { village: '770102002201' }) })).json()).toMatchObject({ accepted: 1 })

      // Next year's table: 石桥镇 renamed, 上塘村 gone (merged), a new community.
      const next: TableRow[] = TABLE.filter((r) => r[0] !== '770102002202').map((r): TableRow => (r[0] === '770102002000' ? [r[0], r[1], '石桥街道'] : r))
      next.push(['770102001003', '112', '新城社区居委会'])
      const diff = (await upload(next, true)).json()
      expect(diff).toMatchObject({
        added: [{ code: '770102001003', level: 'village', name: '新城社区居委会', parentCode: '770102001' }],
        renamed: [{ code: '770102002', level: 'township', from: '石桥镇', to: '石桥街道' }],
        retired: [{ code: '770102002202', level: 'village', name: '上塘村委会' }],
        unchanged: 6,
      })
      expect((await regions()).find((r) => r.code === '770102002202')!.retiredAt).toBeNull()
      expect((await upload(next, false)).statusCode).toBe(200)
      const after = await regions()
      expect(after.find((r) => r.code === '770102002')).toMatchObject({ name: '石桥街道', kind: 'subdistrict' })
      expect(after.find((r) => r.code === '770102002202')!.retiredAt).toEqual(expect.any(String))
      expect(after.find((r) => r.code === '770102001003')).toBeDefined()
      const refused = await county.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${token}` }, payload: event('imp-2', { village: '770102002202' }) })
      expect(refused.json().rejected[0].errors[0]).toMatchObject({ field: 'village', message: expect.stringMatching(/was retired on/) })
      // Importing the same table again changes nothing.
      expect((await upload(next, true)).json()).toMatchObject({ added: [], renamed: [], moved: [], retired: [], reinstated: [], unchanged: 8 })
    })
  }

  it('refuses a table with bad rows, naming every row and why, and imports nothing', async () => {
    const { app: county } = await build({ demoCounty: false })
    const boss = await signIn(county, ['admin'])
    const rows: TableRow[] = [...TABLE, ['77010200100', '', '缺一位'], ['770102003001', '220', '无镇村'], ['770102001001', '111', '重复社区']]
    const body = multipart(csvOf(rows), 'bad.csv')
    const res = await county.inject({ method: 'POST', url: '/api/v1/regions/import', headers: { ...boss.headers, ...body.headers }, payload: body.payload })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('bad_region_file')
    expect(res.json().error.fields).toEqual([
      { field: 'file', message: expect.stringMatching(/^第 13 行：统计用区划代码“77010200100”应为 12 位数字$/) },
      { field: 'file', message: expect.stringMatching(/^第 14 行：所属乡镇（街道） 770102003 不在文件中/) },
      { field: 'file', message: expect.stringMatching(/^第 15 行：代码 770102001001 与第 7 行重复$/) },
    ])
    expect((await county.inject({ url: '/api/v1/regions', headers: { cookie: boss.cookie } })).json().items).toEqual([])
    const noCode = multipart('名称,备注\n某镇,x\n', 'x.csv')
    const missing = await county.inject({ method: 'POST', url: '/api/v1/regions/import', headers: { ...boss.headers, ...noCode.headers }, payload: noCode.payload })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error.fields[0].message).toMatch(/找不到列：统计用区划代码/)
  })
})
