// The national statistical division code table (统计用区划代码和城乡划分代码) as a region file
// (docs/architecture.md §3): read with the ledgers' sheet reader (a title row may sit above the
// header), each row's level read from its 12-digit code, and compared with the regions stored to
// say what an import adds, renames, moves, retires and leaves alone. Grids are local (below
// villages, not in the national table): an import never touches them.
import { normalizeHeader } from '../imports/headers.ts'
import type { Cell, Sheet } from '../imports/sheet.ts'
import { impliedParent, kindOfName, levelOfCode, normalizeCode, type RegionLevel } from '../../domain/region-codes.ts'
import type { NewRegionRecord, RegionRecord } from './repository.ts'

export type CodeColumn = 'code' | 'name' | 'urbanRural'

const HEADERS: Record<string, CodeColumn> = {}
for (const [names, column] of [
  [['统计用区划代码', '统计用区划码', '区划代码', '行政区划代码', '代码', '编码', 'code'], 'code'],
  [['名称', '区划名称', '单位名称', '行政区划名称', 'name'], 'name'],
  [['城乡分类代码', '城乡分类', '城乡划分代码', '城乡属性代码', '城乡属性', 'urbanrural', 'category'], 'urbanRural'],
] as const) {
  for (const n of names) HEADERS[normalizeHeader(n).toLowerCase()] = column
}

export const codeColumnOf = (header: string): CodeColumn | undefined => HEADERS[normalizeHeader(header).toLowerCase()]

export interface CodeRow {
  rowNumber: number
  code: string
  level: RegionLevel
  name: string
  urbanRural: string | null
}

export interface RowError {
  row: number
  message: string
}

const cellText = (c: Cell | undefined): string =>
  c === null || c === undefined ? '' : typeof c === 'number' ? (Number.isSafeInteger(c) ? String(c) : '') : c instanceof Date ? '' : String(c).trim()

/** The sheet's rows as regions; every bad row with every reason (Chinese: the file's owner reads them). */
export function readCodeRows(sheet: Sheet): { rows: CodeRow[]; errors: RowError[]; skipped: string[] } {
  const columns = new Map<CodeColumn, number>()
  sheet.header.forEach((h, i) => {
    const column = codeColumnOf(h)
    if (column && !columns.has(column)) columns.set(column, i)
  })
  const errors: RowError[] = []
  if (!columns.has('code') || !columns.has('name')) {
    const missing = [!columns.has('code') && '统计用区划代码', !columns.has('name') && '名称'].filter(Boolean).join('、')
    errors.push({ row: sheet.headerRows[0] ?? 1, message: `找不到列：${missing}（表头应有 统计用区划代码、名称，可有 城乡分类代码）` })
    return { rows: [], errors, skipped: [] }
  }
  const seen = new Map<string, number>()
  const rows: CodeRow[] = []
  const raw: Array<CodeRow & { padded: boolean }> = []
  for (const r of sheet.rows) {
    const codeText = cellText(r.cells[columns.get('code')!]).replace(/^'/, '')
    const name = cellText(r.cells[columns.get('name')!])
    const urbanText = columns.has('urbanRural') ? cellText(r.cells[columns.get('urbanRural')!]) : ''
    const reasons: string[] = []
    if (!/^(\d{6}|\d{9}|\d{12})$/.test(codeText)) reasons.push(`统计用区划代码“${codeText.slice(0, 40)}”应为 12 位数字`)
    if (!name) reasons.push('名称不能为空')
    else if (name.length > 100) reasons.push('名称最多 100 个字')
    if (urbanText && !/^\d{3}$/.test(urbanText)) reasons.push(`城乡分类代码“${urbanText.slice(0, 20)}”应为 3 位数字`)
    const code = normalizeCode(codeText)
    const earlier = seen.get(code)
    if (!reasons.length && earlier !== undefined) reasons.push(`代码 ${codeText} 与第 ${earlier} 行重复`)
    if (reasons.length) {
      errors.push({ row: r.rowNumber, message: reasons.join('；') })
      continue
    }
    seen.set(code, r.rowNumber)
    raw.push({ rowNumber: r.rowNumber, code, level: levelOfCode(code)!, name, urbanRural: urbanText || null, padded: codeText.length === 12 })
  }
  // A 6-digit code is a county only when townships of the file lie in it: the table also lists
  // the province (330000) and the prefecture (330100) above the county, which are left out.
  const townshipCounties = new Set(raw.filter((r) => r.level === 'township').map((r) => r.code.slice(0, 6)))
  const skipped: string[] = []
  for (const r of raw) {
    if (r.level === 'county' && !townshipCounties.has(r.code)) skipped.push(r.code)
    else rows.push({ rowNumber: r.rowNumber, code: r.code, level: r.level, name: r.name, urbanRural: r.urbanRural })
  }
  return { rows, errors, skipped }
}

export interface ImportPlan {
  /** The counties the file covers: regions of theirs the file lacks are retired. */
  counties: string[]
  added: Array<{ code: string; level: RegionLevel; name: string; parentCode: string | null }>
  renamed: Array<{ code: string; level: RegionLevel; from: string; to: string }>
  moved: Array<{ code: string; level: RegionLevel; name: string; from: string | null; to: string | null }>
  reclassified: Array<{ code: string; name: string; from: string | null; to: string }>
  reinstated: Array<{ code: string; level: RegionLevel; name: string }>
  retired: Array<{ code: string; level: RegionLevel; name: string }>
  unchanged: number
  /** Rows above the county (province, prefecture), left out. */
  skipped: string[]
}

/** What importing `rows` would change in `stored`; rows whose parent is nowhere are errors. */
export function planImport(rows: readonly CodeRow[], stored: readonly RegionRecord[]): { plan: ImportPlan; errors: RowError[]; inserts: NewRegionRecord[] } {
  const byCode = new Map(stored.map((r) => [r.code, r]))
  const inFile = new Map(rows.map((r) => [r.code, r]))
  const errors: RowError[] = []
  const plan: ImportPlan = { counties: [], added: [], renamed: [], moved: [], reclassified: [], reinstated: [], retired: [], unchanged: 0, skipped: [] }
  const inserts: NewRegionRecord[] = []
  for (const row of rows) {
    const parent = impliedParent(row.code)
    if (parent !== null) {
      const fromFile = inFile.get(parent)
      const fromDb = byCode.get(parent)
      const want = row.level === 'township' ? 'county' : 'township'
      const parentLevelOk = (fromFile?.level ?? fromDb?.level) === want
      if (!parentLevelOk) {
        errors.push({ row: row.rowNumber, message: `所属${want === 'county' ? '县（区）' : '乡镇（街道）'} ${parent} 不在文件中，也不在系统中` })
        continue
      }
    }
    const current = byCode.get(row.code)
    if (current && current.level !== row.level) {
      errors.push({ row: row.rowNumber, message: `代码 ${row.code} 在系统中是${current.level}，文件中是${row.level}` })
      continue
    }
    if (row.level === 'county') plan.counties.push(row.code)
    if (!current) {
      plan.added.push({ code: row.code, level: row.level, name: row.name, parentCode: parent })
      inserts.push({ code: row.code, parentCode: parent, level: row.level, name: row.name, kind: kindOfName(row.level, row.name), tags: [], urbanRural: row.urbanRural })
      continue
    }
    let changed = false
    if (current.name !== row.name) {
      plan.renamed.push({ code: row.code, level: row.level, from: current.name, to: row.name })
      changed = true
    }
    if (current.parentCode !== parent) {
      plan.moved.push({ code: row.code, level: row.level, name: row.name, from: current.parentCode, to: parent })
      changed = true
    }
    if (row.urbanRural !== null && current.urbanRural !== row.urbanRural) {
      plan.reclassified.push({ code: row.code, name: row.name, from: current.urbanRural, to: row.urbanRural })
      changed = true
    }
    if (current.retiredAt) {
      plan.reinstated.push({ code: row.code, level: row.level, name: row.name })
      changed = true
    }
    if (!changed) plan.unchanged++
  }
  // Townships and villages of the covered counties that the file no longer lists.
  const counties = new Set([...plan.counties, ...rows.filter((r) => r.level === 'township').map((r) => r.code.slice(0, 6))])
  const countyOf = (r: RegionRecord): string | null => {
    let cur: RegionRecord | undefined = r
    for (let depth = 0; cur && depth < 8; depth++) {
      if (cur.level === 'county') return cur.code
      cur = cur.parentCode ? byCode.get(cur.parentCode) : undefined
    }
    return null
  }
  for (const r of stored) {
    if ((r.level !== 'township' && r.level !== 'village') || r.retiredAt || inFile.has(r.code)) continue
    const county = countyOf(r)
    if (county && counties.has(county)) plan.retired.push({ code: r.code, level: r.level, name: r.name })
  }
  plan.counties = [...counties].sort()
  return { plan, errors, inserts }
}
