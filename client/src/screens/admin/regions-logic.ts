// The region tab's logic (docs/architecture.md §3): the flat list from GET /api/v1/regions as a
// tree, the rows an expanded tree shows, and the server's English field reasons in the screen's
// language. Pure: no I/O, no Vue.

import type { RegionImportPreview, RegionJson } from '#contract/api.ts'

export type RegionLevel = RegionJson['level']

/** What the tab uses of a region. */
export type RegionItem = Pick<RegionJson, 'code' | 'parentCode' | 'level' | 'name' | 'kind' | 'tags' | 'urbanRural' | 'retiredAt'>

export interface RegionNode extends RegionItem {
  children: RegionNode[]
}

/** What the tab shows of an import's preview. */
export type ImportPreview = Omit<RegionImportPreview, 'format' | 'encoding' | 'headerRows'>

/** The tree: roots are regions without a parent (or whose parent is not in the list), children by code. */
export function buildTree(items: readonly RegionItem[]): RegionNode[] {
  const nodes = new Map(items.map((r) => [r.code, { ...r, children: [] as RegionNode[] }]))
  const roots: RegionNode[] = []
  for (const node of nodes.values()) {
    const parent = node.parentCode ? nodes.get(node.parentCode) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const sort = (list: RegionNode[]) => {
    list.sort((a, b) => a.code.localeCompare(b.code))
    for (const n of list) sort(n.children)
  }
  sort(roots)
  return roots
}

/** The rows an expanded tree shows, each with its depth. */
export function visibleRows(roots: readonly RegionNode[], expanded: ReadonlySet<string>): Array<{ node: RegionNode; depth: number }> {
  const out: Array<{ node: RegionNode; depth: number }> = []
  const walk = (list: readonly RegionNode[], depth: number) => {
    for (const node of list) {
      out.push({ node, depth })
      if (expanded.has(node.code)) walk(node.children, depth + 1)
    }
  }
  walk(roots, 0)
  return out
}

export const CHILD_LEVEL: Record<RegionLevel, RegionLevel | null> = { county: 'township', township: 'village', village: 'grid', grid: null }
export const PARENT_LEVEL: Record<RegionLevel, RegionLevel | null> = { county: null, township: 'county', village: 'township', grid: 'village' }

/** A child's code begins with its parent's: the form starts with that prefix. */
export function childCodePrefix(parent: RegionItem): string {
  return parent.level === 'village' ? `${parent.code}-` : parent.code
}

/** Tags typed as `a, b；c` → ['a', 'b', 'c']. */
export function parseTags(text: string): string[] {
  return text
    .split(/[,，;；\s]+/)
    .map((s) => s.trim())
    .filter(Boolean)
}

type T = (key: string, values?: Record<string, unknown>) => string

const LEVELS = new Set(['county', 'township', 'village', 'grid'])
const level = (word: string, t: T) => (LEVELS.has(word) ? t(`admin.regions.levels.${word}`) : word)

/** The server's reasons (English, docs/architecture.md §3) as the screen words them. */
const REASONS: Array<[RegExp, (m: RegExpExecArray, t: T) => string]> = [
  [/^must be a region code/, (_m, t) => t('admin.regions.errors.code')],
  [/^must not be empty$/, (_m, t) => t('admin.regions.errors.empty')],
  [/^at most (\d+) characters$/, (m, t) => t('admin.regions.errors.tooLong', { n: m[1] })],
  [/^the code (\S+) lies in (\d+)/, (m, t) => t('admin.regions.errors.prefix', { code: m[1], parent: m[2] })],
  [/^region (\S+) does not exist$/, (m, t) => t('admin.regions.errors.noParent', { code: m[1] })],
  [/^region (\S+) already exists$/, (m, t) => t('admin.regions.errors.exists', { code: m[1] })],
  [/^a (\w+) goes under a (\w+); (\S+) is a (\w+)$/, (m, t) => t('admin.regions.errors.wrongParent', { level: level(m[1]!, t), want: level(m[2]!, t), code: m[3], is: level(m[4]!, t) })],
  [/^(?:its )?(\w+) (\S+) is retired: reinstate/, (m, t) => t('admin.regions.errors.parentRetired', { level: level(m[1]!, t), code: m[2] })],
  [/^a (\w+) is one of/, (m, t) => t('admin.regions.errors.kind', { level: level(m[1]!, t) })],
  [/^a tag is lowercase/, (_m, t) => t('admin.regions.errors.tag')],
  [/^at most 20 tags$/, (_m, t) => t('admin.regions.errors.tooManyTags')],
  [/^each tag once$/, (_m, t) => t('admin.regions.errors.tagTwice')],
  [/^a county has no parent$/, (_m, t) => t('admin.regions.errors.countyParent')],
  [/^nothing to change/, (_m, t) => t('admin.regions.errors.nothing')],
  [/^already retired/, (_m, t) => t('admin.regions.errors.alreadyRetired')],
  [/^not retired$/, (_m, t) => t('admin.regions.errors.notRetired')],
  [/^must be a 3-digit urban-rural code/, (_m, t) => t('admin.regions.errors.urbanRural')],
]

export function reasonText(message: string, t: T): string {
  for (const [pattern, word] of REASONS) {
    const m = pattern.exec(message)
    if (m) return word(m, t)
  }
  return message
}

/** Field errors, keyed by the form's fields (tags.0 → tags), worded for the screen. */
export function fieldTexts(fields: ReadonlyArray<{ field: string; message: string }>, t: T): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of fields) out[f.field.split('.')[0]!] ??= reasonText(f.message, t)
  return out
}

/** One line per kind of change an import makes (or would make). */
export function previewSummary(p: ImportPreview, t: T): string[] {
  return [
    t('admin.regions.import.counties', { list: p.counties.join('、') || '—' }),
    t('admin.regions.import.added', { n: p.added.length }),
    t('admin.regions.import.renamed', { n: p.renamed.length }),
    t('admin.regions.import.moved', { n: p.moved.length }),
    t('admin.regions.import.retired', { n: p.retired.length }),
    ...(p.reinstated.length ? [t('admin.regions.import.reinstated', { n: p.reinstated.length })] : []),
    ...(p.reclassified.length ? [t('admin.regions.import.reclassified', { n: p.reclassified.length })] : []),
    t('admin.regions.import.unchanged', { n: p.unchanged }),
  ]
}

/** A preview that would change nothing needs no confirmation. */
export const changesAnything = (p: ImportPreview) => p.added.length + p.renamed.length + p.moved.length + p.retired.length + p.reinstated.length + p.reclassified.length > 0
