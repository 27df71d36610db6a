import type { LedgerCell } from './ledger-time.ts'
import type { GridCell, GridRow } from './sheet.ts'
import { broken, ofType, openZip, parsePart, partText, relationships, Stop, XlsxRefusal, type Zip } from './xlsx-parts.ts'

// A bounded XLSX reader (README, "Ledger imports"): the one sheet a ledger is read from is parsed
// as it inflates, row by row, and reading stops once it has more rows than an import may hold; at
// most MAX_COLUMNS cells of a row are kept. A whole-workbook reader (exceljs) builds every cell of
// every sheet first, some hundreds of bytes each. What it reads is what a ledger needs: the sheets
// and their visibility, the 1904 date system, shared strings, which styles are dates, cell values
// (a formula's cached result) and merged ranges.

/** No ledger has more columns; a cell beyond is ignored. */
export const MAX_COLUMNS = 256
/** A ledger merges a title, a header, a footer, perhaps each record's cells: far fewer than this. */
export const MAX_MERGES = 50_000

export const XLSX_TOO_MANY_MERGES_MESSAGE = `工作表的合并单元格太多（最多 ${MAX_MERGES} 处）：请取消不必要的合并后再导入`

interface SheetRef {
  name: string
  state: string
  path: string
}

interface Workbook {
  sheets: SheetRef[]
  date1904: boolean
  sharedStrings: string[]
  dateStyles: Set<number>
}

/** Built-in number formats that are dates or times (the ones exceljs, and so this import before, reads as dates). */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47])

/** A custom format is a date when, quoted text and [..] sections aside, it has a date or time letter. */
const isDateFormat = (code: string) => /[ymdhMsb]/.test(code.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''))

async function readWorkbook(zip: Zip): Promise<Workbook> {
  const root = await relationships(zip, '')
  const bookPath = ofType(root, 'officeDocument') ?? 'xl/workbook.xml'
  const rels = await relationships(zip, bookPath)
  const sheets: SheetRef[] = []
  let date1904 = false
  await parsePart(zip, bookPath, {
    open(name, a) {
      if (name === 'workbookPr') date1904 = a['date1904'] === '1' || a['date1904'] === 'true'
      if (name === 'sheet') {
        const id = Object.entries(a).find(([k]) => k === 'id' || k.endsWith(':id'))?.[1]
        const rel = id ? rels.get(id) : undefined
        // Chart sheets and dialog sheets hold no rows.
        if (rel && rel.type.endsWith('/worksheet')) sheets.push({ name: a['name'] ?? '', state: a['state'] ?? 'visible', path: rel.target })
      }
    },
  })

  const sharedStrings: string[] = []
  const stringsPath = ofType(rels, 'sharedStrings')
  if (stringsPath) {
    let current = ''
    let inText = false
    let phonetic = 0
    await parsePart(
      zip,
      stringsPath,
      {
        open(name) {
          if (name === 'si') current = ''
          else if (name === 'rPh') phonetic++
          else if (name === 't' && phonetic === 0) inText = true
        },
        text(t) {
          if (inText) current += t
        },
        close(name) {
          if (name === 't') inText = false
          else if (name === 'rPh') phonetic--
          else if (name === 'si') sharedStrings.push(current)
        },
      },
      false,
    )
  }

  const dateStyles = new Set<number>()
  const stylesPath = ofType(rels, 'styles')
  if (stylesPath) {
    const custom = new Map<number, string>()
    const xfs: number[] = []
    let inCellXfs = false
    await parsePart(
      zip,
      stylesPath,
      {
        open(name, a) {
          if (name === 'numFmt') custom.set(Number(a['numFmtId']), a['formatCode'] ?? '')
          else if (name === 'cellXfs') inCellXfs = true
          else if (name === 'xf' && inCellXfs) xfs.push(Number(a['numFmtId'] ?? 0))
        },
        close(name) {
          if (name === 'cellXfs') inCellXfs = false
        },
      },
      false,
    )
    xfs.forEach((id, index) => {
      const code = custom.get(id)
      if (code !== undefined ? isDateFormat(code) : BUILTIN_DATE_FORMATS.has(id)) dateStyles.add(index)
    })
  }
  return { sheets, date1904, sharedStrings, dateStyles }
}

interface Merge {
  top: number
  left: number
  bottom: number
  right: number
}

/** A1 → {row: 1, col: 1}. */
function decodeAddress(ref: string): { row: number; col: number } | null {
  const m = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(ref)
  if (!m) return null
  let col = 0
  for (const ch of m[1]!.toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64)
  return { row: Number(m[2]), col }
}

const colOf = (ref: string | undefined) => (ref ? /^\$?([A-Za-z]{1,3})/.exec(ref)?.[1] : undefined)

const MERGE_CELL = /<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([^"']+)["']/g
const VALUE_TAG = /<(?:[\w.-]+:)?(?:v|is)\b/
/** No tag this scan looks for is longer: text between tags is dropped, not carried. */
const MAX_CARRY = 4096

/**
 * The first pass over a sheet: its merged ranges (they follow the rows in the XML) and whether it
 * holds anything. A scan of the inflating text, not a parse: the parse is the second pass.
 */
async function scanSheet(zip: Zip, path: string): Promise<{ merges: Merge[]; hasValues: boolean }> {
  const entry = zip.entries.get(path.toLowerCase())
  if (!entry) throw broken()
  const merges: Merge[] = []
  let hasValues = false
  let carry = ''
  const scan = (text: string) => {
    if (!hasValues && VALUE_TAG.test(text)) hasValues = true
    for (const m of text.matchAll(MERGE_CELL)) {
      const [from, to = from] = m[1]!.split(':')
      const tl = decodeAddress(from!)
      const br = decodeAddress(to!)
      if (!tl || !br) throw broken()
      const merge = { top: Math.min(tl.row, br.row), left: Math.min(tl.col, br.col), bottom: Math.max(tl.row, br.row), right: Math.max(tl.col, br.col) }
      if (merge.left > MAX_COLUMNS) continue
      if (merges.length >= MAX_MERGES) throw new XlsxRefusal(XLSX_TOO_MANY_MERGES_MESSAGE)
      merges.push(merge)
    }
  }
  for await (const text of partText(zip, entry)) {
    const all = carry + text
    // A tag may straddle two chunks: what follows the last '<' waits for the next one.
    const cut = all.lastIndexOf('<')
    scan(cut < 0 ? all : all.slice(0, cut))
    carry = cut < 0 || all.length - cut > MAX_CARRY ? '' : all.slice(cut)
  }
  scan(carry)
  return { merges, hasValues: hasValues || merges.length > 0 }
}

const excelToDate = (serial: number, date1904: boolean) => new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000))

/**
 * The second pass: the sheet's rows with values, as the grid the header search reads. A cell in a
 * merged range carries its range's top-left cell and value; rows a merged range covers are rows
 * even where the XML has none. More than `maxRows` rows: a XlsxRefusal (tooMany) at that row.
 */
async function readRows(zip: Zip, book: Workbook, path: string, merges: Merge[], maxRows: number, tooMany: string): Promise<GridRow[]> {
  const grid: GridRow[] = []
  merges.sort((a, b) => a.top - b.top)
  let nextMerge = 0
  let active: Merge[] = []
  const masterValues = new Map<string, LedgerCell>()
  const lastMergedRow = merges.reduce((m, r) => Math.max(m, r.bottom), 0)

  /** Brings the merged ranges covering row `r` into `active` (rows only ever increase). */
  const activate = (r: number) => {
    while (nextMerge < merges.length && merges[nextMerge]!.top <= r) active.push(merges[nextMerge++]!)
    active = active.filter((m) => m.bottom >= r)
  }

  const emit = (rowNumber: number, values: Map<number, LedgerCell>, width: number, hasValue: boolean) => {
    activate(rowNumber)
    const masters = new Map<number, { row: number; col: number }>()
    for (const m of active) {
      width = Math.max(width, m.right)
      if (m.top === rowNumber) masterValues.set(`${m.top}:${m.left}`, values.get(m.left) ?? null)
      for (let c = m.left; c <= Math.min(m.right, MAX_COLUMNS); c++) {
        if (masters.has(c)) throw broken() // overlapping merged ranges
        masters.set(c, { row: m.top, col: m.left - 1 })
        if (c !== m.left || rowNumber !== m.top) {
          values.set(c, masterValues.get(`${m.top}:${m.left}`) ?? null)
          hasValue = true // a covered cell counts, as in Excel's own row count
        }
      }
    }
    if (!hasValue) return
    if (grid.length >= maxRows) throw new XlsxRefusal(tooMany, true)
    const cells: GridCell[] = []
    for (let c = 1; c <= Math.min(width, MAX_COLUMNS); c++) {
      const master = masters.get(c)
      const value = values.get(c) ?? null
      cells.push(master ? { value, master } : { value })
    }
    grid.push({ rowNumber, cells })
  }

  /** Rows after `from` and before `to` that only merged ranges make. */
  const mergedRowsBetween = (from: number, to: number) => {
    for (let r = from + 1; r < to; r++) {
      activate(r)
      if (active.length === 0) {
        if (nextMerge >= merges.length) return
        r = Math.max(r, merges[nextMerge]!.top - 1)
        continue
      }
      emit(r, new Map(), 0, false)
    }
  }

  let lastRow = 0
  let row: { number: number; values: Map<number, LedgerCell>; width: number; hasValue: boolean } | null = null
  let cell: { col: number; type: string; style: number; v: string | null; inline: string | null; formula: boolean } | null = null
  let capture: 'v' | 'is' | null = null
  let phonetic = 0
  let lastCol = 0

  await parsePart(zip, path, {
    open(name, a) {
      switch (name) {
        case 'row': {
          const n = a['r'] ? Number(a['r']) : lastRow + 1
          if (!Number.isInteger(n) || n <= lastRow) throw broken()
          mergedRowsBetween(lastRow, n)
          row = { number: n, values: new Map(), width: 0, hasValue: false }
          lastCol = 0
          break
        }
        case 'c': {
          if (!row) break
          const letters = colOf(a['r'])
          let col = lastCol + 1
          if (letters) {
            col = 0
            for (const ch of letters.toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64)
          }
          lastCol = col
          cell = { col, type: a['t'] ?? 'n', style: Number(a['s'] ?? 0), v: null, inline: null, formula: false }
          break
        }
        case 'v':
          if (cell) {
            cell.v = ''
            capture = 'v'
          }
          break
        case 'f':
          if (cell) cell.formula = true
          break
        case 'is':
          if (cell) cell.inline = ''
          break
        case 't':
          // Inline text is the <t> of <is>, or of its runs; whitespace between the runs is not.
          if (cell && cell.inline !== null) capture = 'is'
          break
        case 'rPh':
          phonetic++
          break
      }
    },
    text(t) {
      if (!cell || phonetic > 0) return
      if (capture === 'v') cell.v += t
      else if (capture === 'is') cell.inline += t
    },
    close(name) {
      switch (name) {
        case 'v':
          if (capture === 'v') capture = null
          break
        case 't':
          if (capture === 'is') capture = null
          break
        case 'rPh':
          phonetic--
          break
        case 'c': {
          if (!row || !cell) break
          const value = cellValue(cell, book)
          row.width = Math.max(row.width, cell.col)
          if (value !== null) row.hasValue = true
          if (cell.col <= MAX_COLUMNS) row.values.set(cell.col, value)
          cell = null
          break
        }
        case 'row':
          if (row) {
            emit(row.number, row.values, row.width, row.hasValue)
            lastRow = row.number
            row = null
          }
          break
        case 'sheetData':
          // Nothing after the rows is needed but the merged ranges, read already.
          mergedRowsBetween(lastRow, lastMergedRow + 1)
          throw new Stop()
      }
    },
  })
  return grid
}

/** What a cell holds, as the ledger reads it: a number, a date (a number in a date style), a boolean or text. */
function cellValue(cell: { type: string; style: number; v: string | null; inline: string | null; formula: boolean }, book: Workbook): LedgerCell {
  const { v } = cell
  switch (cell.type) {
    case 's': {
      if (v === null || v.trim() === '') return null
      return book.sharedStrings[Number(v)] ?? ''
    }
    case 'inlineStr':
      return cell.inline ?? v
    case 'str':
    case 'e':
      return v ?? (cell.formula ? '' : null)
    case 'b':
      return v === null || v.trim() === '' ? (cell.formula ? '' : null) : Number(v) !== 0
    case 'd': {
      if (v === null) return null
      const d = new Date(v)
      return Number.isNaN(d.getTime()) ? v : d
    }
    default: {
      if (v === null || v.trim() === '') return cell.formula ? '' : null
      const n = Number(v)
      if (Number.isNaN(n)) return v
      return book.dateStyles.has(cell.style) ? excelToDate(n, book.date1904) : n
    }
  }
}

/**
 * The ledger's sheet — the first visible one holding anything, else the first — as a grid of rows
 * with values, stopping with a XlsxRefusal (tooMany, `tooManyMessage`) past `maxRows` rows.
 */
export async function readXlsxGrid(buffer: Buffer, maxRows: number, tooManyMessage: string): Promise<{ grid: GridRow[]; date1904: boolean }> {
  const zip = await openZip(buffer)
  try {
    const book = await readWorkbook(zip)
    if (book.sheets.length === 0) throw new XlsxRefusal('工作簿里没有工作表')
    let chosen: { sheet: SheetRef; merges: Merge[] } | null = null
    for (const sheet of book.sheets) {
      if (sheet.state === 'hidden' || sheet.state === 'veryHidden') continue
      const scan = await scanSheet(zip, sheet.path)
      if (scan.hasValues) {
        chosen = { sheet, merges: scan.merges }
        break
      }
    }
    if (!chosen) chosen = { sheet: book.sheets[0]!, merges: (await scanSheet(zip, book.sheets[0]!.path)).merges }
    const grid = await readRows(zip, book, chosen.sheet.path, chosen.merges, maxRows, tooManyMessage)
    return { grid, date1904: book.date1904 }
  } finally {
    zip.zip.close()
  }
}
