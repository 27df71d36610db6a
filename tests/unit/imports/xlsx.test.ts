// The bounded XLSX reader (server/modules/imports/xlsx.ts) reads what a ledger's cells show, as the
// whole-workbook reader did: a formula's cached result, rich text and hyperlinks as their text,
// errors as #N/A, numbers in date styles as dates (1904 system too), merged ranges (rows they cover
// even where the XML has none), and the first visible sheet holding anything.
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { headerTarget } from '../../../server/modules/imports/headers.ts'
import { readSheet } from '../../../server/modules/imports/sheet.ts'

const known = (h: string) => headerTarget(h) !== undefined

async function oddWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.properties.date1904 = true
  wb.addWorksheet('隐藏', { state: 'hidden' }).addRow(['来源', '编号', '类别'])
  wb.addWorksheet('深度隐藏', { state: 'veryHidden' }).addRow(['来源', '编号', '类别'])
  wb.addWorksheet('空')
  const s = wb.addWorksheet('台账')
  s.getRow(1).values = ['标题']
  s.mergeCells('A1:H1')
  s.getRow(3).values = ['来源', '编号', '乡镇代码', '类别', '涉及人数', '发生时间', '标题', '越级']
  s.getRow(4).values = ['矛盾纠纷', { richText: [{ text: 'R-' }, { font: { bold: true }, text: '1' }] }, '990100001', '邻里', { formula: '1+1', result: 2 }, new Date(Date.UTC(2026, 9, 1, 8, 30)), { text: '链接', hyperlink: 'http://example.invalid' }, true]
  s.getRow(5).values = ['矛盾纠纷', 'R-2', 990100001, '邻里', { error: '#N/A' }, 46329.6041666667, { formula: 'A1', result: 'txt' }, false]
  s.getCell('F5').numFmt = 'yyyy"年"m"月"d"日"'
  s.getRow(6).values = ['矛盾纠纷', 'R-3', '990100001', '邻里', 3, { formula: 'TODAY()', result: new Date(Date.UTC(2026, 9, 2)) }, '  空格  ', '']
  s.getCell('F6').numFmt = 'yyyy-mm-dd'
  s.mergeCells('A8:A10')
  s.getCell('A8').value = '矛盾纠纷'
  s.getRow(9).values = [null, 'R-4', '990100001', '邻里', 1, '2026-10-03', 't', '是']
  s.getCell('Z12').value = 'far'
  s.getRow(14).values = ['填表人：某某']
  s.mergeCells('A14:H15')
  return Buffer.from(await wb.xlsx.writeBuffer())
}

describe('reading an XLSX ledger', () => {
  it('reads cells as they show, merged ranges, and the first visible sheet holding anything', async () => {
    const read = await readSheet(await oddWorkbook(), 100, known)
    expect(read).toMatchObject({ format: 'xlsx', date1904: true, headerRows: [3], header: ['来源', '编号', '乡镇代码', '类别', '涉及人数', '发生时间', '标题', '越级'] })
    const iso = (r: (typeof read.rows)[number]) => r.cells.map((c) => (c instanceof Date ? c.toISOString() : c))
    expect(read.rows.map((r) => ({ row: r.rowNumber, cells: iso(r) }))).toEqual([
      { row: 4, cells: ['矛盾纠纷', 'R-1', '990100001', '邻里', 2, '2026-10-01T08:30:00.000Z', '链接', true] },
      // A serial in a date style is a date, in the workbook's 1904 system.
      { row: 5, cells: ['矛盾纠纷', 'R-2', 990100001, '邻里', '#N/A', '2030-11-04T14:30:00.000Z', 'txt', false] },
      { row: 6, cells: ['矛盾纠纷', 'R-3', '990100001', '邻里', 3, '2026-10-02T00:00:00.000Z', '  空格  ', ''] },
      // A8:A10 merged: rows 8 and 10 exist only through it, and carry its value.
      { row: 8, cells: ['矛盾纠纷'] },
      { row: 9, cells: ['矛盾纠纷', 'R-4', '990100001', '邻里', 1, '2026-10-03', 't', '是'] },
      { row: 10, cells: ['矛盾纠纷'] },
      { row: 12, cells: [...Array.from({ length: 25 }, () => null), 'far'] },
    ])
  })

  it('stops reading past the rows an import holds and says so', async () => {
    const wb = new ExcelJS.Workbook()
    const s = wb.addWorksheet('台账')
    s.addRow(['来源', '编号', '类别'])
    for (let i = 0; i < 3000; i++) s.addRow(['矛盾纠纷', `N-${i}`, '邻里'])
    const file = Buffer.from(await wb.xlsx.writeBuffer())
    await expect(readSheet(file, 10, known)).rejects.toThrow('一次最多导入 10 行（这个文件超过 10 行）：请拆成几个文件')
    // Within the slack a sheet is read whole, and the count is exact.
    await expect(readSheet(file, 2500, known)).rejects.toThrow('一次最多导入 2500 行（这个文件有 3000 行）：请拆成几个文件')
  })
})
