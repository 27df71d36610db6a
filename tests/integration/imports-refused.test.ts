// What a ledger's owner gets back (README, "Ledger imports"): the refused rows as an XLSX — each
// row as it was written, with every reason beside it — to fix and import again; and the list of
// imports, who imported which file when, with its counts.
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const { app, database } = await build()
const duty = await signIn(app, ['duty'])
const admin = await signIn(app, ['admin'])

function multipart(file: Buffer, fields: Record<string, string>, filename: string) {
  const boundary = '----shaowang-refused'
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

const post = (url: string, file: Buffer, filename: string, fields: Record<string, string> = {}, who = duty) => {
  const body = multipart(file, fields, filename)
  return app.inject({ method: 'POST', url, headers: { ...who.headers, ...body.headers }, payload: body.payload })
}

async function readWorkbook(buffer: Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer)
  const rows: unknown[][] = []
  workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
  return rows
}

const HEADER = '来源,编号,乡镇,类别,严重程度,涉及人数,发生时间,状态,标题'
const LEDGER = [
  '青石镇矛盾纠纷排查化解台账',
  HEADER,
  '矛盾纠纷,R-1,城关街道,邻里,一般,2,2026-10-05 09:30,待处理,好的一行',
  '矛盾纠纷,R-2,城关街道,邻里,一般,2,2026-13-45 09:30,待处理,坏日期',
  '信访,R-3,不存在镇,劳动社保,很严重,0,2026-10-05 10:00,待处理,三处错',
  '矛盾纠纷,R-4,城关街道,邻里,一般,1,2026-10-06 08:00,待处理,又一好行',
].join('\n')

describe('the refused rows, to fix and import again', () => {
  it('come back as an XLSX of the rows as written, with every reason of each', async () => {
    const res = await post('/api/v1/imports/refused', Buffer.from(LEDGER), '青石镇台账.csv')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('spreadsheetml')
    expect(decodeURIComponent(String(res.headers['content-disposition']))).toContain('青石镇台账-未通过.xlsx')
    const rows = await readWorkbook(res.rawPayload)
    expect(rows[0]).toEqual([...HEADER.split(','), '未通过原因'])
    expect(rows.map((r) => r[1])).toEqual(['编号', 'R-2', 'R-3'])
    // Written as in the ledger, the bad values too.
    expect(rows[1]!.slice(0, 9)).toEqual(LEDGER.split('\n')[3]!.split(','))
    expect(rows[1]![9]).toMatch(/^发生时间：应为日期或日期时间/)
    const threeReasons = String(rows[2]![9]).split('；')
    expect(threeReasons).toHaveLength(3)
    expect(threeReasons).toEqual([expect.stringMatching(/^乡镇：没有名为“不存在镇”的乡镇/), expect.stringMatching(/^严重程度：/), expect.stringMatching(/^涉及人数：/)])
    // Nothing was stored: it is a dry run.
    expect(await database.db.selectFrom('event').select('id').where('externalId', 'like', 'R-%').execute()).toEqual([])
  })

  it('the returned workbook, fixed, imports: the reason column is ignored', async () => {
    const res = await post('/api/v1/imports/refused', Buffer.from(LEDGER), 'ledger.csv')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
    const ws = workbook.worksheets[0]!
    ws.getRow(2).getCell(7).value = '2026-10-05 09:30'
    ws.getRow(3).getCell(3).value = '城关街道'
    ws.getRow(3).getCell(5).value = '一般'
    ws.getRow(3).getCell(6).value = 3
    const fixed = Buffer.from(await workbook.xlsx.writeBuffer())
    const again = await post('/api/v1/imports', fixed, 'ledger-fixed.xlsx')
    expect(again.json()).toMatchObject({ format: 'xlsx', rows: 2, accepted: 2, rejected: [] })
    expect(again.json().columns.map((c: { column: string }) => c.column)).not.toContain('未通过原因')
  })

  it('refuses what an import refuses, with the same field-level reasons', async () => {
    const bad = await post('/api/v1/imports/refused', Buffer.from(LEDGER), 'ledger.csv', { defaults: '{"nope": 1}' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.fields).toEqual([expect.objectContaining({ field: 'defaults.nope' })])
    const empty = await post('/api/v1/imports/refused', Buffer.alloc(0), 'ledger.csv')
    expect(empty.statusCode).toBe(400)
  })
})

describe('the list of imports', () => {
  it('lists each import (not the dry runs) newest first: who, when, the file and its counts', async () => {
    const before = (await app.inject({ url: '/api/v1/imports', headers: { cookie: admin.cookie } })).json().items.length
    await post('/api/v1/imports', Buffer.from(LEDGER), '试运行.csv', { dryRun: 'true' })
    await post('/api/v1/imports', Buffer.from(LEDGER), '青石镇十一月台账.csv')
    await post('/api/v1/imports', Buffer.from(LEDGER), '青石镇十一月台账（重传）.csv', {}, admin)
    const res = await app.inject({ url: '/api/v1/imports', headers: { cookie: duty.cookie } })
    expect(res.statusCode).toBe(200)
    const items = res.json().items
    expect(items).toHaveLength(before + 2)
    expect(items[0]).toMatchObject({ by: admin.username, fileName: '青石镇十一月台账（重传）.csv', rows: 4, accepted: 0, duplicates: 2, rejectedRows: 2 })
    expect(items[1]).toMatchObject({ by: duty.username, fileName: '青石镇十一月台账.csv', rows: 4, accepted: 2, updated: 0, duplicates: 0, rejectedRows: 2 })
    expect(new Date(items[0].at).getTime()).toBeGreaterThanOrEqual(new Date(items[1].at).getTime())
    expect(items.map((i: { fileName: string }) => i.fileName)).not.toContain('试运行.csv')
    const leader = await signIn(app, ['leader'])
    expect((await app.inject({ url: '/api/v1/imports', headers: { cookie: leader.cookie } })).statusCode).toBe(403)
  })
})
