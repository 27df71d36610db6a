import { readFileSync } from 'node:fs'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { countEvents } from '../../server/modules/events/repository.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const { app, database } = await build()
const duty = await signIn(app, ['duty'])
const SAMPLE = readFileSync(new URL('../../db/seed/sample-ledger.csv', import.meta.url))

/** A multipart body by hand: the fields, then the file. */
function multipart(file: Buffer, fields: Record<string, string> = {}, filename = 'ledger.csv') {
  const boundary = '----shaowang-test-boundary'
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  }
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

async function upload(file: Buffer, fields: Record<string, string> = {}, who = duty, filename?: string) {
  const body = multipart(file, fields, filename)
  return app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...who.headers, ...body.headers }, payload: body.payload })
}

const HEADER = '来源,编号,乡镇,村社区代码,类别,严重程度,涉及人数,发生时间,状态,标题,当事人姓名,联系电话'

describe('POST /api/v1/imports', () => {
  it('a dry run of the sample ledger reports every row and writes nothing', async () => {
    const before = await countEvents(database.db)
    const res = await upload(SAMPLE, { dryRun: 'true' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ dryRun: true, format: 'csv', encoding: 'utf-8', rows: 30, accepted: 30, updated: 0, duplicates: 0, headerRows: [1], rejected: [] })
    expect(res.json().outcomes).toHaveLength(30)
    expect(res.json().outcomes[0]).toEqual({ row: 2, outcome: 'accepted' })
    expect(res.json().columns).toContainEqual({ column: '来源', field: 'source' })
    expect(await countEvents(database.db)).toBe(before)
    const audits = await database.db.selectFrom('audit').select('action').where('action', '=', 'events.import').execute()
    expect(audits).toEqual([])
  })

  it('imports the sample ledger (UTF-8), then finds only duplicates in it, and in its GBK copy', async () => {
    const first = await upload(SAMPLE)
    expect(first.json()).toMatchObject({ dryRun: false, rows: 30, accepted: 30, updated: 0, duplicates: 0, rejected: [] })
    expect(await countEvents(database.db)).toBe(30)
    const stored = await database.db.selectFrom('event').selectAll().where('externalId', '=', 'TZ-2026-0001').executeTakeFirstOrThrow()
    expect(stored).toMatchObject({ source: 'dispute', sourceSystem: '县矛盾纠纷调处平台', township: '990100001', category: 'neighbour', severity: 2, peopleCount: 2, status: 'resolved', partyCount: 2, submittedBy: `import:${duty.username}` })
    // Ledger times are the centre's local time.
    expect(stored.occurredAt.toISOString()).toBe('2026-10-01T00:00:00.000Z')

    const again = await upload(SAMPLE)
    expect(again.json()).toMatchObject({ accepted: 0, updated: 0, duplicates: 30, rejected: [] })
    const gbk = iconv.encode(SAMPLE.toString('utf8'), 'gbk')
    const fromGbk = await upload(gbk)
    expect(fromGbk.json()).toMatchObject({ encoding: 'gb18030', rows: 30, accepted: 0, duplicates: 30, rejected: [] })
    const bom = await upload(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), SAMPLE]))
    expect(bom.json()).toMatchObject({ encoding: 'utf-8', duplicates: 30 })
    expect(await countEvents(database.db)).toBe(30)
    const audits = await database.db.selectFrom('audit').select(['action', 'actor']).where('action', '=', 'events.import').execute()
    expect(audits).toHaveLength(4)
  })

  it('reports broken rows exactly (spreadsheet row numbers, column headers) and stores the good ones', async () => {
    const csv = [
      HEADER,
      '矛盾纠纷,B-1,城关街道,,邻里,一般,2,2026-10-05 09:30,待处理,好的一行,张三,10012345678',
      '矛盾纠纷,B-2,城关街道,,邻里,一般,2,2026-13-45 09:30,待处理,坏日期,,',
      '信访,B-3,不存在镇,,劳动社保,一般,1,2026-10-05 10:00,待处理,未知乡镇,,',
      '警情,B-4,990100099,,治安,轻微,1,2026-10-05 10:00,待处理,未知乡镇代码,,',
      '',
      '警情,B-5,城关街道,,偷窃,轻微,1,2026-10-05 10:00,待处理,未知类别,,',
      '矛盾纠纷,B-6,青石镇,990100001001,邻里,很严重,0,2026-10-05 10:00,待处理,村不在乡镇,,',
      '矛盾纠纷,B-1,城关街道,,邻里,一般,2,2026-10-05 09:30,待处理,好的一行,张三,10012345678',
      '矛盾纠纷,B-7,城关街道,,邻里,一般,1,2999-01-01 00:00,待处理,将来,,',
      '矛盾纠纷,B-1,城关街道,,邻里,一般,2,2026-10-05 09:30,已办结,好的一行,张三,10012345678',
    ].join('\n')
    const res = await upload(Buffer.from(csv))
    expect(res.statusCode).toBe(200)
    const report = res.json()
    expect(report).toMatchObject({ rows: 9, accepted: 1, updated: 1, duplicates: 1 })
    expect(report.rejected).toEqual([
      { row: 3, field: '发生时间', message: expect.stringMatching(/^应为日期或日期时间，.*而不是“2026-13-45 09:30”$/) },
      { row: 4, field: '乡镇', message: '没有名为“不存在镇”的乡镇（街道）' },
      { row: 5, field: '乡镇', message: '乡镇（街道）代码 990100099 不存在' },
      { row: 7, field: '类别', message: expect.stringMatching(/^不是警情的类别：“偷窃”；可用 治安、刑事/) },
      { row: 8, field: '严重程度', message: '应为 1–4 或 轻微/一般/较大/重大（紧急、特急等亦可），而不是“很严重”' },
      { row: 8, field: '涉及人数', message: '应为不小于 1 的整数，而不是“0”' },
      // The conversion errors above do not hide the pipeline's: the village is not in the township.
      { row: 8, field: '村社区代码', message: '村（社区）990100001001 不在乡镇（街道）990100002' },
      { row: 10, field: '发生时间', message: '不能晚于现在（最多超前 5 分钟）' },
    ])
    const b1 = await database.db.selectFrom('event').selectAll().where('externalId', '=', 'B-1').executeTakeFirstOrThrow()
    expect(b1).toMatchObject({ sourceSystem: 'ledger', status: 'resolved', version: 2 })
    expect(await database.db.selectFrom('event').select('externalId').where('externalId', 'in', ['B-2', 'B-3', 'B-4', 'B-5', 'B-6', 'B-7']).execute()).toEqual([])
  })

  it('reports a village outside the township by its column', async () => {
    const csv = [HEADER, '矛盾纠纷,C-1,青石镇,990100001001,邻里,一般,1,2026-10-05 10:00,待处理,村不在乡镇,,'].join('\n')
    expect((await upload(Buffer.from(csv))).json().rejected).toEqual([{ row: 2, field: '村社区代码', message: '村（社区）990100001001 不在乡镇（街道）990100002' }])
  })

  it('reads XLSX ledgers, with Excel dates as the centre\'s local time', async () => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('台账')
    sheet.addRow(['来源', '编号', '乡镇代码', '类别', '涉及人数', '发生时间', '标题', '信访形式', '越级'])
    sheet.addRow(['信访', 'X-1', '990100003', '劳动社保', 6, new Date(Date.UTC(2026, 9, 20, 14, 30)), '集体反映欠薪', '来访', '是'])
    sheet.addRow(['信访', 'X-2', '990100003', '劳动社保', 1, new Date(Date.UTC(2026, 9, 21, 9, 0)), '咨询', '传真', '否'])
    const file = Buffer.from(await workbook.xlsx.writeBuffer())
    const res = await upload(file, {}, duty, 'ledger.xlsx')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ format: 'xlsx', encoding: null, rows: 2, accepted: 1, rejected: [{ row: 3, field: '信访形式', message: '应为 来信、来访、网上 或 热线，而不是“传真”' }] })
    const x1 = await database.db.selectFrom('event').selectAll().where('externalId', '=', 'X-1').executeTakeFirstOrThrow()
    expect(x1.occurredAt.toISOString()).toBe('2026-10-20T06:30:00.000Z')
    expect(x1.attributes).toEqual({ form: 'visit', skipLevel: true })
  })

  it('takes a column mapping for other headers', async () => {
    const csv = ['类型,单号,镇街代码,事项类别,时间', 'incident,M-1,990100004,traffic,2026-10-06T08:00:00+08:00'].join('\n')
    const mapping = JSON.stringify({ 类型: 'source', 单号: 'externalId', 镇街代码: 'township', 事项类别: 'category', 时间: 'occurredAt' })
    const res = await upload(Buffer.from(csv), { mapping })
    expect(res.json()).toMatchObject({ rows: 1, accepted: 1, rejected: [] })
    // Below a title row, the mapped header is still found.
    const titled = await upload(Buffer.from(`某县警情登记表,,,,\n${csv.replace('M-1', 'M-2')}`), { mapping })
    expect(titled.json()).toMatchObject({ headerRows: [2], rows: 1, accepted: 1, rejected: [] })
    const wrong = await upload(Buffer.from(csv), { mapping: JSON.stringify({ 没有这列: 'source' }) })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().error.fields).toEqual(expect.arrayContaining([{ field: 'mapping', message: '表头里没有“没有这列”这一列' }]))
    expect((await upload(Buffer.from(csv), { mapping: 'not json' })).statusCode).toBe(400)
  })

  it('refuses a ledger without the needed columns, an empty file, and wrong callers', async () => {
    const noCols = await upload(Buffer.from('甲,乙\n1,2\n'))
    expect(noCols.statusCode).toBe(400)
    expect(noCols.json().error.message).toContain('没有“来源”列')
    expect((await upload(Buffer.alloc(0))).statusCode).toBe(400)
    const leader = await signIn(app, ['leader'])
    expect((await upload(SAMPLE, {}, leader)).statusCode).toBe(403)
    const plain = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: duty.headers, payload: { file: 'x' } })
    expect(plain.statusCode).toBe(415)
  })

  it('reads a ledger whose extra headers are the names of object properties, and maps nothing to them', async () => {
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']
    const csv = `${HEADER},${names.join(',')}\ndispute,PROTO-1,990100001,,neighbour,1,1,2026-11-01 10:00,open,噪音,张三,13800000000,a,b,c,d,e\n`
    for (const mapping of [undefined, JSON.stringify(Object.fromEntries(names.map((n) => [n, n])))]) {
      const res = await upload(Buffer.from(csv), { dryRun: 'true', ...(mapping ? { mapping } : {}) })
      expect(res.statusCode, res.body).toBeLessThan(500)
      if (!mapping) {
        expect(res.json()).toMatchObject({ rows: 1, accepted: 1, rejected: [] })
        for (const n of names) expect(res.json().columns).not.toContainEqual(expect.objectContaining({ column: n, field: expect.any(String) }))
      } else {
        expect(res.statusCode).toBe(400)
      }
    }
  })
})
