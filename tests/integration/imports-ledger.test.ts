import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { countEvents } from '../../server/modules/events/repository.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

// A ledger as townships keep them, on the public 矛盾纠纷排查化解台账 template's conventions: a
// merged title row, a 填报单位（盖章）row, a header over two rows under merged cells, 序号 instead of
// an ID, no 来源 or 乡镇 column (one township's sheet), everyday words and every date form.

const { app, database } = await build()
const duty = await signIn(app, ['duty'])

function multipart(file: Buffer, fields: Record<string, string>, filename: string) {
  const boundary = '----shaowang-ledger-boundary'
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

async function upload(file: Buffer, fields: Record<string, string> = {}, filename = 'ledger.xlsx') {
  const body = multipart(file, fields, filename)
  return app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...duty.headers, ...body.headers }, payload: body.payload })
}

const DEFAULTS = JSON.stringify({ source: '矛盾纠纷', sourceSystem: '青石镇矛盾纠纷排查台账', township: '青石镇' })

type Value = string | number | Date
/** 序号, 排查时间, 纠纷发生时间, 所属村（社区）, 当事人姓名, 联系电话, 纠纷类型, 纠纷简要情况, 涉及人数, 紧急程度, 化解情况, 备注 */
const ROWS: Value[][] = [
  [1, '2026.11.4', '2026.11.3', '西苑社区', '张三、李四', '13800000001、13800000002', '邻里纠纷', '因排水沟堵塞发生争执', 2, '一般', '调解成功', ''],
  [2, '20261104', '20261103', '阳苑社区', '王五', '13800000003', '婚姻家庭纠纷', '离婚后子女抚养费争议', 2, '紧急', '调解中', '已约谈'],
  [3, '2026年11月4日', '2026年11月3日 14时30分', '新塘村', '赵六、钱七', '13800000004', '合同纠纷', '工程款结算分歧', 2, '一般', '未化解', ''],
  [4, '2026/11/4 9:00', '2026/11/3 14:30', '马洲村', '孙八', '', '土地承包经营纠纷', '承包地边界不清', 5, '特急', '调解中', '群体性苗头'],
  [5, 46330, 46329.6041666667, '西苑社区', '周九', '13800000005', '邻里纠纷', '噪音扰民', 1, '一般', '调解成功', ''],
  [6, new Date(Date.UTC(2026, 10, 4, 10, 0)), new Date(Date.UTC(2026, 10, 3, 8, 15)), '阳苑社区', '吴十', '13800000006', '劳资纠纷', '拖欠务工工资', 12, '特急', '调解中', ''],
  [7, '2026-11-04', '2026-11-03', '新塘村', '郑一', '', '婚姻家庭纠纷', '赡养老人分歧', 3, '较急', '调解成功', ''],
  [8, '2026.11.04 16:00', '2026.11.02 8:05', '马洲村', '冯二', '13800000007', '土地承包经营纠纷', '流转费用争议', 4, '紧急', '未化解', ''],
  [9, '2026年11月5日', '2026年11月4日', '西苑社区', '陈三', '13800000008', '合同纠纷', '买卖合同违约', 2, '一般', '调解成功', ''],
  [10, '2026/11/5', '2026/11/4 20:10', '阳苑社区', '楚四、卫五', '13800000009、13800000010', '邻里纠纷', '宅前通道占用', 2, '一般', '调解中', ''],
]

async function ledgerXlsx(rows: Value[][] = ROWS): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('排查台账')
  sheet.getRow(1).values = ['青石镇矛盾纠纷排查化解台账']
  sheet.mergeCells('A1:L1')
  sheet.getRow(2).values = ['填报单位（盖章）：青石镇综治中心', null, null, null, null, null, '填报时间：2026年11月5日']
  sheet.mergeCells('A2:F2')
  sheet.mergeCells('G2:L2')
  sheet.getRow(3).values = ['序号', '排查时间', '纠纷发生时间', '所属村（社区）', '当事人', null, '纠纷类型', '纠纷简要情况', '涉及人数', '紧急程度', '化解情况', '备注']
  sheet.getRow(4).values = [null, null, null, null, '姓名', '联系电话']
  for (const col of ['A', 'B', 'C', 'D', 'G', 'H', 'I', 'J', 'K', 'L']) sheet.mergeCells(`${col}3:${col}4`)
  sheet.mergeCells('E3:F3')
  rows.forEach((values, i) => {
    const row = sheet.getRow(5 + i)
    row.values = values
    // Real date cells carry a date format; serials sit in General cells as plain numbers.
    values.forEach((v, c) => {
      if (v instanceof Date) row.getCell(c + 1).numFmt = 'yyyy-mm-dd hh:mm'
    })
  })
  const footer = 5 + rows.length
  sheet.getRow(footer).values = ['填表人：李明          审核人：王强          联系电话：0000-0000000']
  sheet.mergeCells(`A${footer}:L${footer}`)
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

/** The same ledger as WPS saves it as CSV: GBK, no merges, the header's second row beside the first. */
function ledgerCsvGbk(): Buffer {
  const cell = (v: Value) => (v instanceof Date ? v.toISOString().slice(0, 16).replace('T', ' ') : String(v))
  const lines = [
    '青石镇矛盾纠纷排查化解台账,,,,,,,,,,,',
    '填报单位（盖章）：青石镇综治中心,,,,,,填报时间：2026年11月5日,,,,,',
    '序号,排查时间,纠纷发生时间,所属村（社区）,当事人,,纠纷类型,纠纷简要情况,涉及人数,紧急程度,化解情况,备注',
    ',,,,姓名,联系电话,,,,,,',
    ...ROWS.map((r) => r.map(cell).join(',')),
    '填表人：李明,,,,,,,,,,,',
  ]
  return iconv.encode(lines.join('\r\n'), 'gbk')
}

describe('a real township ledger', () => {
  it('previews ten of ten rows, stores nothing, then imports them; its GBK CSV twin and a re-import are duplicates', async () => {
    const file = await ledgerXlsx()
    const preview = await upload(file, { defaults: DEFAULTS, dryRun: 'true' })
    expect(preview.statusCode, preview.body).toBe(200)
    expect(preview.json()).toMatchObject({ dryRun: true, format: 'xlsx', headerRows: [3, 4], rows: 10, accepted: 10, updated: 0, duplicates: 0, rejected: [] })
    expect(preview.json().outcomes).toEqual(ROWS.map((_, i) => ({ row: 5 + i, outcome: 'accepted' })))
    expect(preview.json().columns).toEqual(
      expect.arrayContaining([
        { column: '序号', field: 'externalId' },
        { column: '当事人姓名', field: 'party.name' },
        { column: '当事人联系电话', field: 'party.phone' },
        { column: '纠纷发生时间', field: 'occurredAt' },
        { column: '所属村(社区)', field: 'villageName' },
      ]),
    )
    expect(await countEvents(database.db)).toBe(0)

    const imported = await upload(file, { defaults: DEFAULTS })
    expect(imported.json()).toMatchObject({ dryRun: false, rows: 10, accepted: 10, rejected: [] })
    const stored = await database.db.selectFrom('event').selectAll().where('sourceSystem', '=', '青石镇矛盾纠纷排查台账').orderBy('occurredAt').execute()
    expect(stored).toHaveLength(10)
    const byId = new Map(stored.map((e) => [e.externalId, e]))
    const at = (id: string) => byId.get(id)!.occurredAt.toISOString()
    // Every form read as Beijing time.
    expect(at('1')).toBe('2026-11-02T16:00:00.000Z')
    expect(at('2')).toBe('2026-11-02T16:00:00.000Z')
    expect(at('3')).toBe('2026-11-03T06:30:00.000Z')
    expect(at('4')).toBe('2026-11-03T06:30:00.000Z')
    expect(at('5')).toBe('2026-11-03T06:30:00.000Z')
    expect(at('6')).toBe('2026-11-03T00:15:00.000Z')
    expect(at('8')).toBe('2026-11-02T00:05:00.000Z')
    expect(at('10')).toBe('2026-11-04T12:10:00.000Z')
    expect(byId.get('4')!.reportedAt?.toISOString()).toBe('2026-11-04T01:00:00.000Z')
    expect(byId.get('5')!.reportedAt?.toISOString()).toBe('2026-11-03T16:00:00.000Z')
    expect(byId.get('1')).toMatchObject({ source: 'dispute', township: '990100002', village: '990100002001', category: 'neighbour', severity: 2, status: 'resolved', peopleCount: 2, partyCount: 2 })
    expect(byId.get('2')).toMatchObject({ village: '990100002002', category: 'family', severity: 3, status: 'in_progress' })
    expect(byId.get('3')).toMatchObject({ village: '990100002003', category: 'debt', status: 'open' })
    expect(byId.get('4')).toMatchObject({ village: '990100002004', category: 'land', severity: 4, peopleCount: 5 })
    expect(byId.get('6')).toMatchObject({ category: 'wages', severity: 4, peopleCount: 12 })
    expect(byId.get('7')).toMatchObject({ severity: 2, status: 'resolved' })

    expect((await upload(file, { defaults: DEFAULTS })).json()).toMatchObject({ accepted: 0, duplicates: 10, rejected: [] })
    const twin = await upload(ledgerCsvGbk(), { defaults: DEFAULTS }, 'ledger.csv')
    expect(twin.json()).toMatchObject({ format: 'csv', encoding: 'gb18030', headerRows: [3, 4], rows: 10, accepted: 0, duplicates: 10, rejected: [] })

    // A changed status previews as an update, and only that row.
    const changed = ROWS.map((r) => [...r])
    changed[1]![10] = '调解成功'
    const update = await upload(await ledgerXlsx(changed), { defaults: DEFAULTS, dryRun: 'true' })
    expect(update.json()).toMatchObject({ accepted: 0, updated: 1, duplicates: 9 })
    expect(update.json().outcomes[1]).toEqual({ row: 6, outcome: 'updated' })
  })

  it('reports every reason of a refused row at once, in Chinese, and stores the other rows', async () => {
    const rows = ROWS.map((r) => [...r])
    rows[0]![0] = 101
    rows[2] = [103, '2026.11.4', '昨天下午', '不存在村', '某人', '12a', '吵架', '', 0, '一般', '调解中', '']
    for (let i = 0; i < rows.length; i++) if (i !== 2) rows[i]![0] = 100 + i + 1
    const res = await upload(await ledgerXlsx(rows), { defaults: DEFAULTS })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ rows: 10, accepted: 9 })
    expect(res.json().outcomes[2]).toEqual({ row: 7, outcome: 'rejected' })
    expect(res.json().rejected).toEqual([
      { row: 7, field: '纠纷发生时间', message: expect.stringMatching(/^应为日期或日期时间.*而不是“昨天下午”$/) },
      { row: 7, field: '涉及人数', message: '应为不小于 1 的整数，而不是“0”' },
      { row: 7, field: '纠纷类型', message: expect.stringMatching(/^不是矛盾纠纷的类别：“吵架”/) },
      { row: 7, field: '所属村(社区)', message: '青石镇没有名为“不存在村”的村（社区）' },
      { row: 7, field: '当事人联系电话', message: '应为电话号码（数字、+、-、空格、括号）' },
    ])
    expect(await database.db.selectFrom('event').select('externalId').where('externalId', '=', '103').execute()).toEqual([])
  })

  it('refuses .xls and files that are no spreadsheet with a Chinese message, never the file\'s bytes', async () => {
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256))])
    const old = await upload(xls, { defaults: DEFAULTS }, '台账.xls')
    expect(old.statusCode).toBe(400)
    expect(old.json().error).toMatchObject({ code: 'bad_ledger', fields: [{ field: 'file', message: expect.stringContaining('另存为') }] })
    expect(old.json().error.message).toMatch(/Excel 97-2003.*\.xlsx/)
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))
    const bad = await upload(garbage, {}, 'photo.jpg')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.message).toBe('文件不是 CSV 或 XLSX 表格（内容无法识别）：请上传 .xlsx 工作簿或 CSV 文件')
    // No control characters, replacement characters or escaped bytes of the file in what the owner reads.
    const odd = (text: string) => [...text].filter((ch) => ch.codePointAt(0)! < 0x20 || ch === '\ufffd').length
    for (const res of [old, bad]) {
      expect(odd(res.json().error.message)).toBe(0)
      expect(res.body).not.toMatch(/\\u00/)
    }
  })

  it('checks the defaults like any input: a 400 naming the field, with the reason', async () => {
    const file = await ledgerXlsx()
    const cases: Array<[string, string, RegExp]> = [
      ['{"sorce": "矛盾纠纷"}', 'defaults.sorce', /不是可设默认值的字段/],
      ['{"source": "外星来客", "township": "青石镇"}', 'defaults.source', /矛盾纠纷、信访 或 警情/],
      ['{"source": "矛盾纠纷", "township": "不存在镇"}', 'defaults.township', /没有名为“不存在镇”的乡镇/],
      ['{"severity": true}', 'defaults.severity', /应为文字或数字/],
      ['{"sourceSystem": "   "}', 'defaults.sourceSystem', /不能为空/],
      ['["矛盾纠纷"]', 'defaults', /JSON 对象/],
      ['not json', 'defaults', /不是有效的 JSON/],
    ]
    const before = await countEvents(database.db)
    for (const [defaults, field, message] of cases) {
      const res = await upload(file, { defaults })
      expect(res.statusCode, defaults).toBe(400)
      expect(res.json().error.fields, defaults).toEqual([{ field, message: expect.stringMatching(message) }])
    }
    // Without defaults the one-township sheet lacks its source and township: said, with the way out.
    const none = await upload(file)
    expect(none.statusCode).toBe(400)
    expect(none.json().error.message).toMatch(/没有“来源”列：请加一列，或在 defaults 里给出 source/)
    expect(none.json().error.message).toMatch(/只有“序号”时，请在 defaults 里给出 sourceSystem/)
    expect(await countEvents(database.db)).toBe(before)
  })
})
