import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { headerTarget, normalizeHeader } from '../../../server/modules/imports/headers.ts'
import { type GridRow, locateHeader, NOT_A_SHEET_MESSAGE, readSheet, XLS_MESSAGE } from '../../../server/modules/imports/sheet.ts'

const known = (h: string) => headerTarget(h) !== undefined
const row = (rowNumber: number, ...values: Array<string | number | null>): GridRow => ({ rowNumber, cells: values.map((value) => ({ value })) })

describe('finding the header of a ledger', () => {
  it('normalizes headers: spaces, line breaks, full-width brackets, required marks', () => {
    expect(normalizeHeader(' 乡镇\n（街道）* ')).toBe('乡镇(街道)')
    expect(headerTarget('纠纷 类型')).toBe('category')
    expect(headerTarget('所属村（社区）')).toBe('villageName')
  })

  it('skips title and 填报单位 rows', () => {
    const grid = [
      row(1, '青石镇矛盾纠纷排查化解台账', null, null),
      row(2, '填报单位（盖章）：青石镇综治中心', null, '填报时间：2026年11月5日'),
      row(3, '编号', '纠纷类型', '发生时间'),
      row(4, 'A-1', '邻里纠纷', '2026.11.3'),
    ]
    expect(locateHeader(grid, known)).toEqual({ index: 2, span: 1, names: ['编号', '纠纷类型', '发生时间'] })
  })

  it('combines a header over two rows (CSV: no merges, the top carried right)', () => {
    const grid = [row(1, '编号', '当事人', '', '发生时间'), row(2, '', '姓名', '电话', ''), row(3, 'A-1', '张三', '13800000000', '2026.11.3')]
    expect(locateHeader(grid, known)).toEqual({ index: 0, span: 2, names: ['编号', '当事人姓名', '当事人电话', '发生时间'] })
  })

  it('never takes a data row for the second header row', () => {
    const grid = [row(1, '编号', '当事人', '发生时间'), row(2, 'A-1', '张三', 46329)]
    expect(locateHeader(grid, known)?.span).toBe(1)
  })

  it('falls back to the first non-empty row when nothing is known (explicit mapping, or an error about columns)', () => {
    expect(locateHeader([row(1, '', ''), row(2, '甲', '乙'), row(3, '1', '2')], known)).toEqual({ index: 1, span: 1, names: ['甲', '乙'] })
    expect(locateHeader([], known)).toBeNull()
  })

  it('reads a real XLSX: merged title, header over two merged rows, footer rows left out', async () => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('台账')
    sheet.getRow(1).values = ['青石镇矛盾纠纷排查化解台账']
    sheet.mergeCells('A1:E1')
    sheet.getRow(2).values = ['填报单位（盖章）：青石镇综治中心', null, null, '填报时间：2026年11月5日']
    sheet.getRow(3).values = ['编号', '当事人', null, '纠纷发生时间', '纠纷类型']
    sheet.getRow(4).values = [null, '姓名', '联系电话']
    sheet.mergeCells('A3:A4')
    sheet.mergeCells('B3:C3')
    sheet.mergeCells('D3:D4')
    sheet.mergeCells('E3:E4')
    sheet.getRow(5).values = ['A-1', '张三', '13800000000', 46329.6041666667, '邻里纠纷']
    sheet.getRow(6).values = ['填表人：李四', null, '审核人：王五']
    const read = await readSheet(Buffer.from(await workbook.xlsx.writeBuffer()), 100, known)
    expect(read).toMatchObject({ format: 'xlsx', headerRows: [3, 4], header: ['编号', '当事人姓名', '当事人联系电话', '纠纷发生时间', '纠纷类型'] })
    expect(read.rows).toEqual([{ rowNumber: 5, cells: ['A-1', '张三', '13800000000', 46329.6041666667, '邻里纠纷'] }])
  })

  it('refuses .xls and binary files in Chinese, with no bytes of the file in the message', async () => {
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512, 0x07)])
    await expect(readSheet(xls, 100, known)).rejects.toThrow(XLS_MESSAGE)
    expect(XLS_MESSAGE).toContain('另存为')
    expect(XLS_MESSAGE).toContain('.xlsx')
    const garbage = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256))
    await expect(readSheet(garbage, 100, known)).rejects.toThrow(NOT_A_SHEET_MESSAGE)
    const brokenZip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 0x01)])
    await expect(readSheet(brokenZip, 100, known)).rejects.toThrow(/^文件不是可读的 XLSX 工作簿/)
  })
})
