// Ledgers as county offices actually save them (README, "Ledger imports"): tab-separated text,
// "Unicode text" (UTF-16 with a BOM, what Excel's 另存为 Unicode 文本 writes), Big5 from a
// traditional-script office, XLSX cells that hold formulas, and the row limit. Each reads the same
// rows as the UTF-8 CSV, or refuses the whole file with a reason and stores nothing.
import { readFileSync } from 'node:fs'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { MAX_LEDGER_ROWS } from '../../server/modules/imports/routes.ts'
import { countEvents } from '../../server/modules/events/repository.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const { app, database } = await build()
const duty = await signIn(app, ['duty'])
const SAMPLE = readFileSync(new URL('../../db/seed/sample-ledger.csv', import.meta.url), 'utf8')

function multipart(file: Buffer, fields: Record<string, string>, filename: string) {
  const boundary = '----shaowang-encodings'
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

async function preview(file: Buffer, filename = 'ledger.txt', fields: Record<string, string> = {}) {
  const body = multipart(file, { dryRun: 'true', ...fields }, filename)
  return app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...duty.headers, ...body.headers }, payload: body.payload })
}

/** What a dry run says of each row: the same for every form of the same ledger. */
const outcomes = (res: { json: () => { outcomes: unknown[] } }) => res.json().outcomes

const utf8 = await preview(Buffer.from(SAMPLE), 'ledger.csv')

describe('ledger encodings and forms', () => {
  it('the UTF-8 sample is the reference: 30 rows, all accepted', () => {
    expect(utf8.statusCode).toBe(200)
    expect(utf8.json()).toMatchObject({ format: 'csv', encoding: 'utf-8', rows: 30, accepted: 30, rejected: [] })
  })

  it('reads tab-separated text (Excel’s 文本文件(制表符分隔)) as the same rows', async () => {
    expect(SAMPLE).not.toContain('\t')
    const res = await preview(Buffer.from(SAMPLE.replaceAll(',', '\t')))
    expect(res.json()).toMatchObject({ rows: 30, accepted: 30, rejected: [] })
    expect(outcomes(res)).toEqual(outcomes(utf8))
  })

  it('reads Unicode text: UTF-16 little- and big-endian with their BOM, tab-separated as Excel writes it', async () => {
    const tsv = SAMPLE.replaceAll(',', '\t')
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(tsv, 'utf-16le')])
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(tsv, 'utf-16be')])
    for (const [file, encoding] of [[le, 'utf-16le'], [be, 'utf-16be']] as const) {
      const res = await preview(file)
      expect(res.json()).toMatchObject({ encoding, rows: 30, accepted: 30, rejected: [] })
      expect(outcomes(res)).toEqual(outcomes(utf8))
    }
  })

  it('reads Big5 (traditional script) and keeps its text as written', async () => {
    // Field names as headers (Big5 has no simplified 来源/乡镇); the text is traditional script.
    const title = '鄰里糾紛：鄉鎮調解委員會處理相鄰關係與排水溝堵塞問題，雙方當事人經過調解達成協議'
    const rows = ['source,externalId,township,category,occurredAt,title', `dispute,BIG5-1,990100001,neighbour,2026-10-01 08:00,${title}`, `dispute,BIG5-2,990100001,neighbour,2026-10-02 08:00,${title}（續）`]
    const file = iconv.encode(rows.join('\r\n'), 'big5')
    expect(iconv.decode(file, 'big5')).toContain(title)
    const res = await preview(file, 'ledger.csv', {})
    expect(res.json()).toMatchObject({ encoding: 'big5', rows: 2, accepted: 2, rejected: [] })
    const body = multipart(file, {}, 'ledger.csv')
    const stored = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...duty.headers, ...body.headers }, payload: body.payload })
    expect(stored.json()).toMatchObject({ accepted: 2 })
    const row = await database.db.selectFrom('event').select('title').where('externalId', '=', 'BIG5-1').executeTakeFirstOrThrow()
    expect(row.title).toBe(title)
  })

  it('reads an XLSX cell that holds a formula by its value', async () => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('台账')
    sheet.addRow(['来源', '编号', '乡镇', '类别', '涉及人数', '发生时间'])
    sheet.addRow(['矛盾纠纷', 'FORMULA-1', '990100001', '邻里', { formula: '2+3', result: 5 }, { formula: 'DATE(2026,10,1)', result: new Date(Date.UTC(2026, 9, 1)) }])
    const file = Buffer.from(await workbook.xlsx.writeBuffer())
    const body = multipart(file, {}, 'ledger.xlsx')
    const res = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...duty.headers, ...body.headers }, payload: body.payload })
    expect(res.json()).toMatchObject({ format: 'xlsx', accepted: 1, rejected: [] })
    const row = await database.db.selectFrom('event').select(['peopleCount', 'occurredAt']).where('externalId', '=', 'FORMULA-1').executeTakeFirstOrThrow()
    expect(row.peopleCount).toBe(5)
    // A date cell is the centre's wall-clock time (Asia/Shanghai in the tests): midnight there.
    expect(row.occurredAt.toISOString()).toBe('2026-09-30T16:00:00.000Z')
  })

  it(`refuses a ledger over ${MAX_LEDGER_ROWS} rows whole, saying how many it has, and stores none of it`, async () => {
    const header = SAMPLE.split('\n')[0]!.trimEnd()
    const line = (i: number) => `矛盾纠纷,LIMIT-${i},县矛盾纠纷调处平台,城关街道,990100001001,,邻里,一般,1,2026-10-01 08:00,,待处理,,,,,,`
    const make = (n: number) => Buffer.from([header, ...Array.from({ length: n }, (_, i) => line(i))].join('\n'))
    const before = await countEvents(database.db)
    const over = await preview(make(MAX_LEDGER_ROWS + 1), 'ledger.csv')
    expect(over.statusCode, over.body.slice(0, 300)).toBe(413)
    expect(over.json().error.message).toContain(String(MAX_LEDGER_ROWS + 1))
    const at = await preview(make(MAX_LEDGER_ROWS), 'ledger.csv')
    expect(at.json()).toMatchObject({ rows: MAX_LEDGER_ROWS, accepted: MAX_LEDGER_ROWS })
    expect(await countEvents(database.db)).toBe(before)
  })
})
