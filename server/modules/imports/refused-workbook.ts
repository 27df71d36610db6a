// The refused rows of a ledger as a workbook its owner can fix and import again (docs/architecture.md
// §4, "ledgers"): the header as found, each refused row as it was written, and one more column with
// every reason of that row. Dates stay dates, numbers numbers, so the fixed file reads as before.
import ExcelJS from 'exceljs'
import type { RefusedReason, Sheet } from './run.ts'

export const REASON_HEADER = '未通过原因'
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

export async function refusedWorkbook(sheet: Sheet, rejected: readonly RefusedReason[]): Promise<Buffer> {
  const reasons = new Map<number, string[]>()
  for (const r of rejected) {
    const list = reasons.get(r.row) ?? []
    list.push(r.field && r.field !== '(row)' ? `${r.field}：${r.message}` : r.message)
    reasons.set(r.row, list)
  }
  const workbook = new ExcelJS.Workbook()
  const ws = workbook.addWorksheet('未通过的行')
  ws.addRow([...sheet.header, REASON_HEADER]).font = { bold: true }
  for (const row of sheet.rows) {
    const why = reasons.get(row.rowNumber)
    if (!why) continue
    const cells = sheet.header.map((_, i) => row.cells[i] ?? null)
    ws.addRow([...cells, why.join('；')])
  }
  ws.getColumn(sheet.header.length + 1).width = 60
  return Buffer.from(await workbook.xlsx.writeBuffer())
}
