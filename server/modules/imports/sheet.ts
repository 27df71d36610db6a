import chardet from 'chardet'
import { parse } from 'csv-parse/sync'
import iconv from 'iconv-lite'
import { normalizeHeader } from './headers.ts'
import type { LedgerCell } from './ledger-time.ts'
import { readXlsxGrid } from './xlsx.ts'
import { XlsxRefusal } from './xlsx-parts.ts'
import { checkZip, ZipRefusal } from './zip-guard.ts'

// Reading a ledger file into a header and data rows (docs/architecture.md §4, "ledgers"). Real ledgers
// open with a title row (XX镇矛盾纠纷排查化解台账), a 填报单位（盖章）… 填报时间… row, and a
// header that may span two rows under merged cells; the header is found by what it says, not by
// where it is. Messages are Chinese: the ledger's owner reads them.

export type Cell = LedgerCell

export interface Sheet {
  format: 'csv' | 'xlsx'
  encoding: string | null
  /** The column names: one header row, or two combined (当事人 over 姓名 → 当事人姓名). */
  header: string[]
  /** The spreadsheet row numbers (1-based) of the header. */
  headerRows: number[]
  /** rowNumber: the spreadsheet's 1-based row number. */
  rows: Array<{ rowNumber: number; cells: Cell[] }>
  /** The workbook counts serials from 1904-01-01 (old Mac Excel). */
  date1904: boolean
}

export class LedgerError extends Error {
  readonly tooMany: boolean
  constructor(message: string, tooMany = false) {
    super(message)
    this.tooMany = tooMany
  }
}

/** A cell of the grid: its value and, when it lies in a merged range, that range's top-left cell. */
export interface GridCell {
  value: Cell
  master?: { row: number; col: number }
}
export interface GridRow {
  rowNumber: number
  cells: GridCell[]
}

/** UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030 (a superset of GBK) or Big5. */
export function decodeText(buffer: Buffer): { text: string; encoding: string } {
  if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) return { text: buffer.subarray(3).toString('utf8'), encoding: 'utf-8' }
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return { text: iconv.decode(buffer.subarray(2), 'utf-16le'), encoding: 'utf-16le' }
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return { text: iconv.decode(buffer.subarray(2), 'utf-16be'), encoding: 'utf-16be' }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buffer), encoding: 'utf-8' }
  } catch {
    // Not UTF-8: a Chinese spreadsheet saved by Excel or WPS on Windows is GBK/GB18030.
    const detected = chardet.detect(buffer)
    const encoding = detected === 'Big5' ? 'big5' : 'gb18030'
    return { text: iconv.decode(buffer, encoding), encoding }
  }
}

const startsWith = (b: Buffer, bytes: number[]) => b.length >= bytes.length && bytes.every((x, i) => b[i] === x)
const isZip = (b: Buffer) => startsWith(b, [0x50, 0x4b, 0x03, 0x04])
/** The OLE2 compound file of Excel 97-2003 (.xls) and WPS (.et). */
const isOle2 = (b: Buffer) => startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])

export const XLS_MESSAGE =
  '这是 Excel 97-2003 工作簿（.xls）或 WPS 表格（.et），本系统只读取 .xlsx 和 CSV：请用 Excel 或 WPS 打开它，点“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”，再导入另存后的 .xlsx 文件'
export const NOT_A_SHEET_MESSAGE = '文件不是 CSV 或 XLSX 表格（内容无法识别）：请上传 .xlsx 工作簿或 CSV 文件'

/** Text that is not text: NUL or other control bytes a spreadsheet's CSV never has. */
function looksBinary(text: string): boolean {
  const sample = text.slice(0, 8192)
  if (sample.includes('\u0000')) return true
  let odd = 0
  for (const ch of sample) {
    const code = ch.codePointAt(0)!
    if ((code >= 1 && code <= 8) || (code >= 14 && code <= 31) || code === 0xfffd) odd++
  }
  return odd > Math.max(2, sample.length / 100)
}

export async function readSheet(buffer: Buffer, maxRows: number, isKnown: (header: string) => boolean): Promise<Sheet> {
  if (buffer.length === 0) throw new LedgerError('文件是空的')
  if (isOle2(buffer)) throw new LedgerError(XLS_MESSAGE)
  if (isZip(buffer)) return finish(await readXlsx(buffer, maxRows), 'xlsx', null, maxRows, isKnown)
  const { text, encoding } = decodeText(buffer)
  if (looksBinary(text)) throw new LedgerError(NOT_A_SHEET_MESSAGE)
  const firstLine = text.slice(0, text.search(/\r?\n|$/))
  const delimiter = !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ','
  let records: Array<{ record: string[]; info: { lines: number } }>
  try {
    records = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, delimiter, bom: true }) as unknown as typeof records
  } catch (err) {
    const line = (err as { lines?: number }).lines
    throw new LedgerError(`CSV 文件无法解析${line ? `（第 ${line} 行附近，多半是引号不成对）` : ''}：请用 Excel 或 WPS 打开检查后另存为 CSV 或 .xlsx`)
  }
  const grid = records.map((r) => ({ rowNumber: r.info.lines, cells: r.record.map((v) => ({ value: v })) }))
  return finish({ grid, date1904: false }, 'csv', encoding, maxRows, isKnown)
}

/** Rows a sheet may have beyond the records an import holds: title, header, 填报单位 and footer rows. */
const XLSX_ROW_SLACK = 1000

async function readXlsx(buffer: Buffer, maxRows: number): Promise<{ grid: GridRow[]; date1904: boolean }> {
  try {
    // A decompression bomb is refused before any part is parsed; then only the ledger's sheet is
    // read, as it inflates, up to the rows an import may hold (README, "Ledger imports").
    await checkZip(buffer)
    return await readXlsxGrid(buffer, maxRows + HEADER_SEARCH_ROWS + XLSX_ROW_SLACK, tooManyRows(maxRows, null))
  } catch (err) {
    if (err instanceof ZipRefusal) throw new LedgerError(err.message, err.tooLarge)
    if (err instanceof XlsxRefusal) throw new LedgerError(err.message, err.tooMany)
    throw err
  }
}

const tooManyRows = (maxRows: number, rows: number | null) => `一次最多导入 ${maxRows} 行（这个文件${rows === null ? `超过 ${maxRows}` : `有 ${rows}`} 行）：请拆成几个文件`

const text = (c: GridCell | undefined): string => (c === undefined || c.value === null ? '' : c.value instanceof Date ? c.value.toISOString() : String(c.value)).trim()
const isBlankRow = (r: GridRow) => r.cells.every((c) => text(c) === '')

/** A cell that only repeats the merged cell above it (a header cell spanning both header rows). */
const continuesAbove = (c: GridCell | undefined, rowNumber: number) => c?.master !== undefined && c.master.row < rowNumber

/** The names a header of one row gives its columns. */
function singleNames(row: GridRow): string[] {
  return row.cells.map((c) => normalizeHeader(text(c)))
}

/** The names a row holds itself, without what merged cells above repeat into it. */
function ownNames(row: GridRow): string[] {
  return row.cells.map((c) => (continuesAbove(c, row.rowNumber) ? '' : normalizeHeader(text(c))))
}

/** The names a header over two rows gives: 当事人 over 姓名 → 当事人姓名, unless a shorter name is the known one. */
function pairNames(top: GridRow, bottom: GridRow, isKnown: (h: string) => boolean): string[] | null {
  const width = Math.max(top.cells.length, bottom.cells.length)
  const names: string[] = []
  let carried = ''
  for (let c = 0; c < width; c++) {
    const b = bottom.cells[c]
    // A data row is no header: numbers and dates belong to rows below.
    if (b && b.value !== null && typeof b.value !== 'string' && !continuesAbove(b, bottom.rowNumber)) return null
    let t = normalizeHeader(text(top.cells[c]))
    const s = normalizeHeader(text(b))
    if (t) carried = t
    else if (s) t = carried // CSV has no merges: 当事人,, over ,姓名,电话
    if (continuesAbove(b, bottom.rowNumber) || !s) names.push(t)
    else if (!t) names.push(s)
    else names.push([t + s, s, t].find(isKnown) ?? t + s)
  }
  return names
}

/** How many distinct known fields the names hold (a merged title repeated over columns counts once). */
function score(names: string[], isKnown: (h: string) => boolean): number {
  return new Set(names.filter((n) => n && isKnown(n))).size
}

/** The first rows a header is looked for in. */
const HEADER_SEARCH_ROWS = 30

/**
 * Where the header is: the row (or pair of rows) among the first ones naming the most known fields,
 * at least two; else the first non-empty row (a sheet with other headers and an explicit mapping).
 */
export function locateHeader(grid: GridRow[], isKnown: (header: string) => boolean): { index: number; span: 1 | 2; names: string[] } | null {
  let best: { index: number; span: 1 | 2; names: string[]; score: number } | null = null
  const rows = grid.slice(0, HEADER_SEARCH_ROWS)
  rows.forEach((row, i) => {
    if (isBlankRow(row)) return
    const one = singleNames(row)
    const s1 = score(one, isKnown)
    if (!best || s1 > best.score) best = { index: i, span: 1, names: one, score: s1 }
    const next = grid[i + 1]
    const two = next && !isBlankRow(next) ? pairNames(row, next, isKnown) : null
    const s2 = two ? score(two, isKnown) : 0
    // Two rows only when both add names: not a title over a header, nor a header over data.
    if (two && next && s2 > s1 && s2 > score(ownNames(next), isKnown) && s2 > best.score) best = { index: i, span: 2, names: two, score: s2 }
  })
  const found = best as { index: number; span: 1 | 2; names: string[]; score: number } | null
  if (found && found.score >= 2) return { index: found.index, span: found.span, names: found.names }
  const first = grid.findIndex((r) => !isBlankRow(r))
  return first < 0 ? null : { index: first, span: 1, names: singleNames(grid[first]!) }
}

/** Rows under the table that are no records: 填表人/审核人 signatures, totals, notes. */
const FOOTER = /^(填表人|填报人|审核人|审核|制表人|制表|负责人|单位负责人|分管领导|联系人|说明|注|备注|合计|总计|小计)\s*[:：\s]/

function isRecord(row: GridRow): boolean {
  const filled = row.cells.filter((c) => text(c) !== '')
  if (filled.length === 0) return false
  if (FOOTER.test(text(filled[0]))) return false
  // One merged cell across the row: a section title or a note, not a record.
  const masters = new Set(filled.map((c) => (c.master ? `${c.master.row}:${c.master.col}` : null)))
  return !(masters.size === 1 && !masters.has(null) && filled.length > 1)
}

function finish(read: { grid: GridRow[]; date1904: boolean }, format: 'csv' | 'xlsx', encoding: string | null, maxRows: number, isKnown: (h: string) => boolean): Sheet {
  const located = locateHeader(read.grid, isKnown)
  if (!located) throw new LedgerError(format === 'csv' ? '文件是空的' : '工作表是空的')
  const { index, span, names } = located
  const rows = read.grid.slice(index + span).filter(isRecord)
  if (rows.length > maxRows) throw new LedgerError(tooManyRows(maxRows, rows.length), true)
  return {
    format,
    encoding,
    header: names,
    headerRows: read.grid.slice(index, index + span).map((r) => r.rowNumber),
    rows: rows.map((r) => ({ rowNumber: r.rowNumber, cells: r.cells.map((c) => c.value) })),
    date1904: read.date1904,
  }
}
