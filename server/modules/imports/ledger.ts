import type { CodeBook, CodeKind } from '../../domain/code-tables.ts'
import { codeFrom, MEDIATION_KINDS, MEDIATION_SYNONYMS, type Source, SOURCE_LABELS, sourceFrom } from '../../domain/taxonomy.ts'
import type { FieldError } from '../../http-errors.ts'
import type { RegionCache } from '../events/regions.ts'
import { headerTarget, isTarget, normalizeHeader, type Target } from './headers.ts'
import { ledgerTime } from './ledger-time.ts'
import type { Cell } from './sheet.ts'

// Ledgers (台账): CSV or XLSX spreadsheets kept by mediators, petition offices and police
// stations (docs/architecture.md §4). Each row becomes an API event object and goes through the
// same pipeline. Words are read through the code tables (docs/architecture.md §4: codes, labels
// and synonyms an administrator keeps); messages are Chinese.

export { TARGETS, type Target } from './headers.ts'

/** Fields an import may give once for every row (the multipart field `defaults`). */
export const DEFAULT_FIELDS = ['source', 'sourceSystem', 'township', 'village', 'category', 'severity', 'status', 'peopleCount'] as const
export type Defaults = Partial<Record<(typeof DEFAULT_FIELDS)[number], string | number>>

/** The target a default fills: a township or village may be given by name. */
function defaultTarget(field: (typeof DEFAULT_FIELDS)[number], value: string | number): Target {
  if (field === 'township') return 'townshipName'
  if (field === 'village') return /^\d{12}$/.test(String(value)) ? 'village' : 'villageName'
  return field
}

const YES = new Set(['是', '有', 'Y', 'y', 'yes', 'true', '1', '√', '✓'])
const NO = new Set(['否', '无', 'N', 'n', 'no', 'false', '0', '×', '✗'])

export interface Columns {
  columns: Map<number, Target>
  errors: FieldError[]
}

/** Column index → target, from the default headers and their synonyms, or an explicit mapping; defaults stand in for missing columns. */
export function resolveColumns(header: string[], mapping: Record<string, string> | null, defaults: Defaults = {}): Columns {
  const columns = new Map<number, Target>()
  const errors: FieldError[] = []
  const taken = new Set<Target>()
  const take = (i: number, t: Target) => {
    // Two columns for one field: the first, leftmost one counts (备注-like duplicates are common).
    if (taken.has(t)) return
    taken.add(t)
    columns.set(i, t)
  }
  if (mapping) {
    for (const [column, target] of Object.entries(mapping)) {
      const index = header.indexOf(normalizeHeader(column))
      if (index < 0) errors.push({ field: 'mapping', message: `表头里没有“${column}”这一列` })
      else if (!isTarget(target)) errors.push({ field: 'mapping', message: `“${target}”不是可导入的字段` })
      else take(index, target)
    }
  } else {
    header.forEach((h, i) => {
      const target = h ? headerTarget(h) : undefined
      if (target) take(i, target)
    })
  }
  const given = new Set(Object.keys(defaults))
  const has = (t: string) => taken.has(t as Target) || given.has(t)
  if (!has('externalId')) {
    const serial = header.indexOf('序号')
    if (serial >= 0 && has('sourceSystem')) take(serial, 'externalId')
    else if (serial >= 0) errors.push({ field: 'defaults', message: '没有“编号”列：只有“序号”时，请在 defaults 里给出 sourceSystem（如“青石镇矛盾纠纷排查台账”），因为序号只在一本台账内唯一' })
    else errors.push({ field: 'mapping', message: '没有“编号”列（每行的唯一编号，重复导入据此识别）' })
  }
  if (!has('source')) errors.push({ field: 'mapping', message: '没有“来源”列：请加一列，或在 defaults 里给出 source（矛盾纠纷、信访或警情）' })
  if (!has('category')) errors.push({ field: 'mapping', message: '没有“类别”列（如“纠纷类型”）' })
  if (!has('occurredAt')) errors.push({ field: 'mapping', message: '没有“发生时间”列' })
  if (!['township', 'townshipName', 'village', 'villageName', 'grid'].some(has)) {
    errors.push({ field: 'mapping', message: '没有乡镇列（“乡镇”或“乡镇代码”）、村（社区）或网格列：请加一列，或在 defaults 里给出 township' })
  }
  return { columns, errors }
}

const cellText = (c: Cell): string => (c === null ? '' : c instanceof Date ? c.toISOString() : String(c)).trim()
const splitList = (s: string) => s.split(/[、;；,，\n]/).map((x) => x.trim())
const quoted = (s: string) => `“${s.length > 40 ? `${s.slice(0, 40)}…` : s}”`

export interface RowContext {
  regions: RegionCache
  /** The code tables: categories, statuses, severities, petition forms and dispute flags, with their words. */
  codes: CodeBook
  tz: string
  date1904?: boolean
}

/** What converting a row builds up. */
interface Draft {
  item: Record<string, unknown>
  attributes: Record<string, unknown>
  parties: Partial<Record<'name' | 'idNumber' | 'phone', string[]>>
  source: Source | undefined
  villageName: string | null
}

/** The code a word stands for (a retired code too: the pipeline decides whether it may be used). */
const codeOf = (ctx: RowContext, kind: CodeKind, text: string, source = ''): string | undefined => ctx.codes.resolve(kind, source, text)?.code
/** The labels of a kind's codes in service, for a message. */
const labelsOf = (ctx: RowContext, kind: CodeKind, source = ''): string => ctx.codes.codes(kind, source).map((c) => ctx.codes.label(kind, source, c)?.zh ?? c).join('、')

/** One value for one target: sets it on the draft, or says in Chinese why it cannot. */
function convert(target: Target, value: Cell, draft: Draft, ctx: RowContext): string | null {
  const text = cellText(value)
  const { item, attributes } = draft
  switch (target) {
    case 'source':
      draft.source = sourceFrom(text)
      if (!draft.source) return `应为 矛盾纠纷、信访 或 警情，而不是${quoted(text)}`
      item['source'] = draft.source
      return null
    case 'townshipName': {
      const code = /^\d{9}$/.test(text) ? text : ctx.regions.townshipByName(text)
      if (!code) return `没有名为${quoted(text)}的乡镇（街道）`
      item['township'] = code
      return null
    }
    case 'villageName':
      draft.villageName = text // after the township is known
      return null
    case 'category':
      return null // after the source is known
    case 'severity': {
      const code = typeof value === 'number' ? undefined : codeOf(ctx, 'severity', text)
      const n = typeof value === 'number' ? value : code !== undefined ? Number(code) : NaN
      if (!Number.isInteger(n) || n < 1 || n > 4) return `应为 1–4 或 ${labelsOf(ctx, 'severity').replaceAll('、', '/')}（紧急、特急等亦可），而不是${quoted(text)}`
      item['severity'] = n
      return null
    }
    case 'peopleCount': {
      const n = typeof value === 'number' ? value : /^\d+\s*人?$/.test(text) ? Number.parseInt(text, 10) : NaN
      if (!Number.isInteger(n) || n < 1) return `应为不小于 1 的整数，而不是${quoted(text)}`
      item['peopleCount'] = n
      return null
    }
    case 'occurredAt':
    case 'reportedAt': {
      const iso = ledgerTime(value, ctx.tz, ctx.date1904)
      if (!iso) return `应为日期或日期时间，如 2026-11-03 14:30、2026/11/3、2026.11.3、20261103 或 2026年11月3日 14时30分，而不是${quoted(text)}`
      item[target] = iso
      return null
    }
    case 'status': {
      const status = codeOf(ctx, 'status', text)
      if (!status) return `应为 ${labelsOf(ctx, 'status')} 之类的状态（调解中、调解成功、未化解 亦可），而不是${quoted(text)}`
      item['status'] = status
      return null
    }
    case 'party.name':
    case 'party.idNumber':
    case 'party.phone':
      draft.parties[target.slice(6) as 'name' | 'idNumber' | 'phone'] = splitList(text)
      return null
    case 'attributes.form': {
      const form = codeOf(ctx, 'petition_form', text)
      if (!form) return `应为 ${labelsOf(ctx, 'petition_form').replace(/、([^、]*)$/, ' 或 $1')}，而不是${quoted(text)}`
      attributes['form'] = form
      return null
    }
    case 'attributes.mediation': {
      const kind = codeFrom(MEDIATION_SYNONYMS, MEDIATION_KINDS, text)
      if (!kind) return `应为 人民调解、行政调解 或 司法调解，而不是${quoted(text)}`
      attributes['mediation'] = kind
      return null
    }
    case 'attributes.flags': {
      const words = [...new Set(splitList(text).filter(Boolean))]
      const flags = words.map((f) => codeOf(ctx, 'dispute_flag', f))
      const bad = words.filter((_, i) => !flags[i])
      if (bad.length) return `纠纷标记应为 ${labelsOf(ctx, 'dispute_flag')}，而不是${quoted(bad.join('、'))}`
      attributes['flags'] = [...new Set(flags)]
      return null
    }
    case 'attributes.firstTime':
    case 'attributes.repeat':
    case 'attributes.skipLevel':
    case 'attributes.abnormal':
      if (typeof value === 'boolean') attributes[target.slice(11)] = value
      else if (YES.has(text)) attributes[target.slice(11)] = true
      else if (NO.has(text)) attributes[target.slice(11)] = false
      else return `应为 是 或 否，而不是${quoted(text)}`
      return null
    default:
      if (target.startsWith('attributes.')) attributes[target.slice(11)] = typeof value === 'number' || typeof value === 'boolean' ? value : text
      else item[target] = text
      return null
  }
}

/** The API field a target fills (for matching the pipeline's errors back to a column). */
const fieldOf = (t: Target) => (t.startsWith('party.') ? 'parties' : t === 'townshipName' ? 'township' : t === 'villageName' ? 'village' : t)

export interface ConvertedRow {
  item: Record<string, unknown>
  errors: FieldError[]
  /** API field → the column it came from (or `defaults.x`). */
  fieldColumns: Map<string, string>
  /** API fields whose value could not be read: the pipeline's word on them is redundant. */
  failed: Set<string>
}

/**
 * One row → an API event object, with every conversion error (by column header). What the
 * conversion cannot judge (codes that do not exist, times in the future) the pipeline checks.
 */
export function rowToEvent(cells: Cell[], header: string[], columns: Map<number, Target>, ctx: RowContext, defaults: Defaults = {}): ConvertedRow {
  const draft: Draft = { item: {}, attributes: {}, parties: {}, source: undefined, villageName: null }
  const errors: FieldError[] = []
  const fieldColumns = new Map<string, string>()
  const failed = new Set<string>()
  const values: Array<{ target: Target; value: Cell; column: string }> = []
  const filled = new Set<string>()
  for (const [index, target] of columns) {
    const value = cells[index] ?? null
    if (cellText(value) === '' && !(value instanceof Date)) continue
    values.push({ target, value, column: header[index] || target })
    filled.add(fieldOf(target))
  }
  // A default fills what the row leaves empty; the sheet's own value wins.
  for (const [field, value] of Object.entries(defaults) as Array<[(typeof DEFAULT_FIELDS)[number], string | number]>) {
    const target = defaultTarget(field, value)
    if (!filled.has(fieldOf(target))) values.push({ target, value, column: `defaults.${field}` })
  }
  // The source first: categories are read per source.
  values.sort((a, b) => Number(b.target === 'source') - Number(a.target === 'source'))
  let categoryValue: { text: string; column: string } | null = null
  for (const { target, value, column } of values) {
    const field = fieldOf(target)
    fieldColumns.set(field, column)
    if (target === 'category') categoryValue = { text: cellText(value), column }
    const message = convert(target, value, draft, ctx)
    if (message) {
      errors.push({ field: column, message })
      failed.add(field)
    }
  }
  const { item, attributes, parties, source } = draft
  if (categoryValue && source) {
    const code = codeOf(ctx, 'category', categoryValue.text, source)
    if (code) item['category'] = code
    else {
      errors.push({ field: categoryValue.column, message: `不是${SOURCE_LABELS[source].zh}的类别：${quoted(categoryValue.text)}；可用 ${labelsOf(ctx, 'category', source)}（或“邻里纠纷”这类常用说法）` })
      failed.add('category')
    }
  } else if (categoryValue) failed.add('category')
  if (draft.villageName !== null) resolveVillage(draft, ctx, fieldColumns.get('village') ?? 'village', errors, failed)
  if (Object.keys(attributes).length) item['attributes'] = attributes
  const count = Math.max(0, ...Object.values(parties).map((l) => l.length))
  const list = []
  for (let i = 0; i < count; i++) {
    const p: Record<string, string> = {}
    for (const k of ['name', 'idNumber', 'phone'] as const) {
      const v = parties[k]?.[i]
      if (v) p[k] = v
    }
    if (Object.keys(p).length) list.push(p)
  }
  if (list.length) item['parties'] = list
  return { item, errors, fieldColumns, failed }
}

/** A village named in the row's township (names repeat across townships, so never county-wide). */
function resolveVillage(draft: Draft, ctx: RowContext, column: string, errors: FieldError[], failed: Set<string>): void {
  const name = draft.villageName!
  if (/^\d{12}$/.test(name)) {
    draft.item['village'] = name
    return
  }
  const township = typeof draft.item['township'] === 'string' ? draft.item['township'] : null
  if (!township) {
    // No township to look in: the township's own error (or its missing column) says why.
    failed.add('village')
    if (!failed.has('township')) errors.push({ field: column, message: `按名称找村（社区）${quoted(name)}需要先知道乡镇` })
    return
  }
  const matches = ctx.regions.children(township).filter((r) => r.level === 'village' && r.name === name)
  if (matches.length === 1) draft.item['village'] = matches[0]!.code
  else {
    failed.add('village')
    const townshipName = ctx.regions.get(township)?.name ?? township
    errors.push({ field: column, message: matches.length ? `${townshipName}有多个名为${quoted(name)}的村（社区），请改用代码` : `${townshipName}没有名为${quoted(name)}的村（社区）` })
  }
}

/** The defaults' own values, read as a row would read them: a bad one is the request's fault, not a row's. */
export function checkDefaults(defaults: Defaults, ctx: RowContext): FieldError[] {
  const { errors } = rowToEvent([], [], new Map(), ctx, defaults)
  // A village by name, or a category, is judged per row when the township or source comes from the sheet.
  return errors.filter((e) => (e.field !== 'defaults.village' || defaults.township !== undefined) && (e.field !== 'defaults.category' || defaults.source !== undefined))
}
