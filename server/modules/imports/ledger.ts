import chardet from 'chardet'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { CATEGORIES, type Source, SOURCES } from '../../domain/taxonomy.ts'
import type { FieldError } from '../../http-errors.ts'
import type { RegionCache } from '../events/regions.ts'
import { instantOf, isoInZone, parseIsoDateTime } from '../events/time.ts'

// Ledgers (台账): CSV or XLSX spreadsheets kept by mediators, petition offices and police
// stations. Each row becomes an API event object and goes through the same pipeline.

export type Cell = string | number | boolean | Date | null

export interface Sheet {
  format: 'csv' | 'xlsx'
  encoding: string | null
  header: string[]
  /** rowNumber: the spreadsheet's 1-based row number (the header is row 1 when first). */
  rows: Array<{ rowNumber: number; cells: Cell[] }>
}

export class LedgerError extends Error {}

/**
 * Fields a column can fill. `townshipName` takes a township's name or code; `party.*` columns
 * may hold several parties separated by 、 or ; (matched by position).
 */
export const TARGETS = [
  'source', 'externalId', 'sourceSystem', 'township', 'townshipName', 'village', 'grid', 'category', 'severity', 'peopleCount',
  'occurredAt', 'reportedAt', 'status', 'title', 'summary', 'party.name', 'party.idNumber', 'party.phone',
  'attributes.form', 'attributes.firstTime', 'attributes.repeat', 'attributes.skipLevel', 'attributes.abnormal',
  'attributes.flags', 'attributes.mediation', 'attributes.policeStation',
] as const
export type Target = (typeof TARGETS)[number] | `attributes.${string}`

/** The default Chinese headers (documented in README). API field names work as headers too. */
export const DEFAULT_HEADERS: Record<string, Target> = {
  来源: 'source',
  编号: 'externalId',
  来源系统: 'sourceSystem',
  乡镇代码: 'township',
  乡镇: 'townshipName',
  '乡镇(街道)': 'townshipName',
  村社区代码: 'village',
  网格: 'grid',
  网格代码: 'grid',
  类别: 'category',
  严重程度: 'severity',
  涉及人数: 'peopleCount',
  发生时间: 'occurredAt',
  上报时间: 'reportedAt',
  状态: 'status',
  标题: 'title',
  摘要: 'summary',
  当事人姓名: 'party.name',
  身份证号: 'party.idNumber',
  联系电话: 'party.phone',
  信访形式: 'attributes.form',
  初信初访: 'attributes.firstTime',
  重信重访: 'attributes.repeat',
  越级: 'attributes.skipLevel',
  非正常上访: 'attributes.abnormal',
  纠纷标记: 'attributes.flags',
  调解方式: 'attributes.mediation',
  派出所: 'attributes.policeStation',
}

const SOURCE_WORDS: Record<string, Source> = { 矛盾纠纷: 'dispute', 纠纷: 'dispute', 信访: 'petition', 警情: 'incident' }
const STATUS_WORDS: Record<string, string> = {
  待处理: 'open', 未办结: 'open', 受理: 'open', 已受理: 'open',
  办理中: 'in_progress', 处理中: 'in_progress', 调处中: 'in_progress',
  已办结: 'resolved', 已化解: 'resolved', 已调解: 'resolved',
  已关闭: 'closed', 已回访: 'closed', 已结案: 'closed',
}
const SEVERITY_WORDS: Record<string, number> = { 轻微: 1, 一般: 2, 较大: 3, 重大: 4 }
const FORM_WORDS: Record<string, string> = { 来信: 'letter', 来访: 'visit', 网上: 'online', 网上信访: 'online', 热线: 'hotline', '12345': 'hotline' }
const FLAG_WORDS: Record<string, string> = { 群体性: 'group', 疑难: 'difficult', 民转刑: 'civil_to_criminal', 极端倾向: 'extreme' }
const MEDIATION_WORDS: Record<string, string> = { 人民调解: 'people', 行政调解: 'administrative', 司法调解: 'judicial' }
const YES = new Set(['是', '有', 'Y', 'y', 'yes', 'true', '1', '√'])
const NO = new Set(['否', '无', 'N', 'n', 'no', 'false', '0', '×'])

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

const isZip = (b: Buffer) => b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04

export async function readSheet(buffer: Buffer, maxRows: number): Promise<Sheet> {
  if (isZip(buffer)) return readXlsx(buffer, maxRows)
  const { text, encoding } = decodeText(buffer)
  const firstLine = text.slice(0, text.search(/\r?\n|$/))
  const delimiter = !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ','
  let records: Array<{ record: string[]; info: { lines: number } }>
  try {
    records = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, delimiter, bom: true }) as unknown as typeof records
  } catch (err) {
    throw new LedgerError(`the file is not a readable CSV: ${(err as Error).message}`)
  }
  const [head, ...rest] = records
  if (!head) throw new LedgerError('the file is empty')
  const rows = rest.filter((r) => r.record.some((c) => c.trim() !== ''))
  if (rows.length > maxRows) throw new LedgerError(`at most ${maxRows} rows per import (got ${rows.length}); split the file`)
  return { format: 'csv', encoding, header: head.record.map((h) => h.trim()), rows: rows.map((r) => ({ rowNumber: r.info.lines, cells: r.record })) }
}

async function readXlsx(buffer: Buffer, maxRows: number): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook()
  try {
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer)
  } catch (err) {
    throw new LedgerError(`the file is not a readable XLSX workbook: ${(err as Error).message}`)
  }
  const sheet = workbook.worksheets[0]
  if (!sheet) throw new LedgerError('the workbook has no worksheet')
  const all: Array<{ rowNumber: number; cells: Cell[] }> = []
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: Cell[] = []
    for (let c = 1; c <= row.cellCount; c++) {
      const cell = row.getCell(c)
      const v = cell.value
      if (v === null || v === undefined) cells.push(null)
      else if (v instanceof Date || typeof v === 'number' || typeof v === 'boolean') cells.push(v)
      else if (typeof v === 'object' && 'result' in v && (v.result instanceof Date || typeof v.result === 'number')) cells.push(v.result as Date | number)
      else cells.push(cell.text)
    }
    all.push({ rowNumber, cells })
  })
  const [head, ...rest] = all
  if (!head) throw new LedgerError('the worksheet is empty')
  const rows = rest.filter((r) => r.cells.some((c) => c !== null && String(c).trim() !== ''))
  if (rows.length > maxRows) throw new LedgerError(`at most ${maxRows} rows per import (got ${rows.length}); split the file`)
  return { format: 'xlsx', encoding: null, header: head.cells.map((c) => (c === null ? '' : String(c).trim())), rows }
}

/** Column index → target, from the default headers and API field names, or an explicit mapping. */
export function resolveColumns(header: string[], mapping: Record<string, string> | null): { columns: Map<number, Target>; errors: FieldError[] } {
  const columns = new Map<number, Target>()
  const errors: FieldError[] = []
  const valid = (t: string): t is Target => (TARGETS as readonly string[]).includes(t) || /^attributes\.[A-Za-z][A-Za-z0-9_]{0,63}$/.test(t)
  if (mapping) {
    for (const [column, target] of Object.entries(mapping)) {
      const index = header.indexOf(column.trim())
      if (index < 0) errors.push({ field: 'mapping', message: `column "${column}" is not in the header row` })
      else if (!valid(target)) errors.push({ field: 'mapping', message: `"${target}" is not a field (one of ${TARGETS.join(', ')})` })
      else columns.set(index, target)
    }
  } else {
    header.forEach((h, i) => {
      const target = DEFAULT_HEADERS[h] ?? (valid(h) ? h : undefined)
      if (target) columns.set(i, target)
    })
  }
  const targets = new Set(columns.values())
  for (const needed of ['source', 'externalId', 'category', 'occurredAt'] as const) {
    if (!targets.has(needed)) errors.push({ field: 'mapping', message: `no column for ${needed}${mapping ? '' : ` (default header ${Object.entries(DEFAULT_HEADERS).find(([, t]) => t === needed)?.[0]})`}` })
  }
  if (!['township', 'townshipName', 'village', 'grid'].some((t) => targets.has(t as Target))) {
    errors.push({ field: 'mapping', message: 'no column for the township (乡镇代码 or 乡镇), village or grid' })
  }
  return { columns, errors }
}

const cellText = (c: Cell): string => (c === null ? '' : c instanceof Date ? c.toISOString() : String(c)).trim()

/** A ledger time: an Excel date (wall clock), or text such as 2026-11-20 14:30 / 2026/11/20 / with an offset. */
function ledgerTime(c: Cell, tz: string): string | null {
  if (c instanceof Date) {
    // exceljs gives the wall-clock time the cell shows, as if it were UTC.
    const w = { year: c.getUTCFullYear(), month: c.getUTCMonth() + 1, day: c.getUTCDate(), hour: c.getUTCHours(), minute: c.getUTCMinutes(), second: c.getUTCSeconds() }
    return isoInZone(instantOf(w, tz), tz)
  }
  let t = cellText(c).replace(/年|\//g, '-').replace(/月/, '-').replace(/日\s*/, ' ').replace(/\s+/, ' ').trim()
  if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(t)) t += ' 00:00'
  t = t.replace(/^(\d{4})-(\d{1,2})-(\d{1,2})/, (_, y: string, m: string, d: string) => `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`)
  t = t.replace(/ (\d):/, ' 0$1:')
  const parsed = parseIsoDateTime(t, tz)
  return parsed ? isoInZone(parsed.ms, tz) : null
}

const splitList = (s: string) => s.split(/[、;；,，]/).map((x) => x.trim())

/**
 * One row → an API event object, or the conversion errors (by column header). What the
 * conversion cannot judge (codes that do not exist, times in the future) the pipeline checks.
 */
export function rowToEvent(
  cells: Cell[],
  header: string[],
  columns: Map<number, Target>,
  ctx: { regions: RegionCache; tz: string },
): { item: Record<string, unknown>; errors: FieldError[]; fieldColumns: Map<string, string> } {
  const item: Record<string, unknown> = {}
  const errors: FieldError[] = []
  const fieldColumns = new Map<string, string>()
  const attributes: Record<string, unknown> = {}
  const partyColumns: Partial<Record<'name' | 'idNumber' | 'phone', string[]>> = {}
  const get = new Map<Target, { value: Cell; column: string }>()
  for (const [index, target] of columns) get.set(target, { value: cells[index] ?? null, column: header[index] ?? target })

  const sourceCell = get.get('source')
  let source: Source | undefined
  for (const [target, { value, column }] of get) {
    const text = cellText(value)
    if (text === '' && !(value instanceof Date)) continue
    const field = target.startsWith('party.') ? 'parties' : target === 'townshipName' ? 'township' : target
    fieldColumns.set(field, column)
    const fail = (message: string) => errors.push({ field: column, message })
    switch (target) {
      case 'source':
        source = (SOURCES as readonly string[]).includes(text) ? (text as Source) : SOURCE_WORDS[text]
        if (!source) fail(`must be 矛盾纠纷, 信访 or 警情 (or ${SOURCES.join(', ')}); got "${text}"`)
        else item['source'] = source
        break
      case 'townshipName': {
        const code = /^\d{9}$/.test(text) ? text : ctx.regions.townshipByName(text)
        if (!code) fail(`unknown township "${text}"`)
        else item['township'] = code
        break
      }
      case 'category':
        break // after the source is known
      case 'severity': {
        const n = typeof value === 'number' ? value : SEVERITY_WORDS[text] ?? (/^\d+$/.test(text) ? Number(text) : NaN)
        if (!Number.isInteger(n) || n < 1 || n > 4) fail(`must be 1–4 or 轻微/一般/较大/重大; got "${text}"`)
        else item['severity'] = n
        break
      }
      case 'peopleCount': {
        const n = typeof value === 'number' ? value : /^\d+\s*人?$/.test(text) ? Number.parseInt(text, 10) : NaN
        if (!Number.isInteger(n) || n < 1) fail(`must be a whole number of at least 1; got "${text}"`)
        else item['peopleCount'] = n
        break
      }
      case 'occurredAt':
      case 'reportedAt': {
        const iso = ledgerTime(value, ctx.tz)
        if (!iso) fail(`must be a date and time such as 2026-11-20 14:30; got "${text}"`)
        else item[target] = iso
        break
      }
      case 'status': {
        const status = STATUS_WORDS[text] ?? text
        item['status'] = status
        break
      }
      case 'party.name':
      case 'party.idNumber':
      case 'party.phone':
        partyColumns[target.slice(6) as 'name' | 'idNumber' | 'phone'] = splitList(text)
        break
      case 'attributes.form':
        attributes['form'] = FORM_WORDS[text] ?? text
        break
      case 'attributes.mediation':
        attributes['mediation'] = MEDIATION_WORDS[text] ?? text
        break
      case 'attributes.flags':
        attributes['flags'] = splitList(text)
          .filter(Boolean)
          .map((f) => FLAG_WORDS[f] ?? f)
        break
      case 'attributes.firstTime':
      case 'attributes.repeat':
      case 'attributes.skipLevel':
      case 'attributes.abnormal':
        if (typeof value === 'boolean') attributes[target.slice(11)] = value
        else if (YES.has(text)) attributes[target.slice(11)] = true
        else if (NO.has(text)) attributes[target.slice(11)] = false
        else fail(`must be 是 or 否; got "${text}"`)
        break
      default:
        if (target.startsWith('attributes.')) attributes[target.slice(11)] = typeof value === 'number' || typeof value === 'boolean' ? value : text
        else item[target] = text
    }
  }
  const categoryCell = get.get('category')
  const category = categoryCell ? cellText(categoryCell.value) : ''
  if (category) {
    const labels = source ? (CATEGORIES[source] as Record<string, { zh: string }>) : undefined
    const byLabel = labels ? Object.entries(labels).find(([, l]) => l.zh === category)?.[0] : undefined
    item['category'] = byLabel ?? category
  }
  if (!sourceCell || cellText(sourceCell.value) === '') fieldColumns.set('source', sourceCell?.column ?? 'source')
  if (Object.keys(attributes).length) item['attributes'] = attributes
  const count = Math.max(0, ...Object.values(partyColumns).map((l) => l.length))
  if (count) {
    const parties = []
    for (let i = 0; i < count; i++) {
      const p: Record<string, string> = {}
      for (const k of ['name', 'idNumber', 'phone'] as const) {
        const v = partyColumns[k]?.[i]
        if (v) p[k] = v
      }
      if (Object.keys(p).length) parties.push(p)
    }
    if (parties.length) item['parties'] = parties
  }
  return { item, errors, fieldColumns }
}
