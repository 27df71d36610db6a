// Code tables (docs/architecture.md §4, "Code tables"): the vocabulary of the feeds as data —
// per source, categories with a code, zh/en labels and synonyms; likewise statuses, severities,
// petition forms and dispute flags. Today's taxonomy (server/contract/taxonomy.ts) is the seed.
// Pure: it is handed the table's rows and answers questions about them; the server reads it
// through one cache (server/modules/code-tables/cache.ts).
import {
  CATEGORIES, CATEGORY_SYNONYMS, DISPUTE_FLAG_SYNONYMS, DISPUTE_FLAGS, EVENT_STATUSES, type Label, PETITION_FORM_SYNONYMS, PETITION_FORMS,
  SEVERITY_SYNONYMS, type Source, SOURCES, STATUS_SYNONYMS,
} from '#contract/taxonomy.ts'

export const CODE_KINDS = ['category', 'status', 'severity', 'petition_form', 'dispute_flag'] as const
export type CodeKind = (typeof CODE_KINDS)[number]

/**
 * Kinds whose codes the rest of the system reasons about (a status's lifecycle, a severity's
 * rank 1–4): their codes are fixed; an administrator edits labels and synonyms, never adds a code.
 */
export const FIXED_KINDS: ReadonlySet<CodeKind> = new Set(['status', 'severity'])

/** A code as the table stores it: `source` is the feed for a category, '' for the other kinds. */
export interface CodeEntry {
  kind: CodeKind
  source: string
  code: string
  labelZh: string
  labelEn: string
  synonyms: string[]
  retiredAt: Date | null
  sort: number
}

/**
 * How a word is compared: trimmed, full-width forms folded to half-width (NFKC: `ＡＢＣ１` → `ABC1`,
 * `（` → `(`), runs of white space as one, case ignored. Ledgers are typed by hand in many
 * input methods; two spellings that look the same are the same word.
 */
export function normaliseWord(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase()
}

export interface Resolved {
  code: string
  retired: boolean
}

const scopeKey = (kind: CodeKind, source: string) => `${kind}\u0000${source}`

/** The code table in memory: which codes exist, and which code a label or synonym means. */
export class CodeBook {
  readonly entries: readonly CodeEntry[]
  readonly #byCode = new Map<string, Map<string, CodeEntry>>()
  readonly #byWord = new Map<string, Map<string, CodeEntry>>()

  constructor(entries: readonly CodeEntry[]) {
    this.entries = [...entries].sort((a, b) => a.kind.localeCompare(b.kind) || a.source.localeCompare(b.source) || a.sort - b.sort || a.code.localeCompare(b.code))
    for (const e of this.entries) {
      const scope = scopeKey(e.kind, e.source)
      const codes = this.#byCode.get(scope) ?? new Map<string, CodeEntry>()
      codes.set(e.code, e)
      this.#byCode.set(scope, codes)
    }
    // Words second, so a code always wins over another entry's word of the same spelling.
    for (const e of this.entries) {
      const scope = scopeKey(e.kind, e.source)
      const words = this.#byWord.get(scope) ?? new Map<string, CodeEntry>()
      for (const w of [e.code, e.labelZh, e.labelEn, ...e.synonyms]) {
        const n = normaliseWord(w)
        if (n && !words.has(n)) words.set(n, e)
      }
      this.#byWord.set(scope, words)
    }
  }

  /** The entry of an exact code (active or retired). */
  entry(kind: CodeKind, source: string, code: string): CodeEntry | undefined {
    return this.#byCode.get(scopeKey(kind, source))?.get(code)
  }

  /**
   * Whether a code is valid: for ingest (`active: true`) only codes in service; for stored events
   * and rules, a retired code too (it stays on the events that carry it).
   */
  isValid(kind: CodeKind, source: string, code: string, options: { active: boolean }): boolean {
    const e = this.entry(kind, source, code)
    return e !== undefined && (!options.active || e.retiredAt === null)
  }

  /** The code a code, label (zh or en) or synonym stands for, compared as normaliseWord does. */
  resolve(kind: CodeKind, source: string, text: string): Resolved | undefined {
    const exact = this.entry(kind, source, text)
    const e = exact ?? this.#byWord.get(scopeKey(kind, source))?.get(normaliseWord(text))
    return e ? { code: e.code, retired: e.retiredAt !== null } : undefined
  }

  /** The codes of one kind (and source), in table order. */
  codes(kind: CodeKind, source = '', options: { active: boolean } = { active: true }): string[] {
    return [...(this.#byCode.get(scopeKey(kind, source))?.values() ?? [])].filter((e) => !options.active || e.retiredAt === null).map((e) => e.code)
  }

  label(kind: CodeKind, source: string, code: string): Label | undefined {
    const e = this.entry(kind, source, code)
    return e ? { zh: e.labelZh, en: e.labelEn } : undefined
  }

  /**
   * The words of a would-be entry that already stand for another code of the same kind and source
   * (a word must never resolve to two codes), each with the code it stands for.
   */
  clashes(kind: CodeKind, source: string, code: string, words: readonly string[]): Array<{ word: string; index: number; code: string }> {
    const out: Array<{ word: string; index: number; code: string }> = []
    const scope = scopeKey(kind, source)
    words.forEach((word, index) => {
      const n = normaliseWord(word)
      const other = this.#byWord.get(scope)?.get(n) ?? this.#byCode.get(scope)?.get(word)
      if (other && other.code !== code) out.push({ word, index, code: other.code })
    })
    return out
  }
}

/** Words repeated within one list (normalised), by the index of each later repeat. */
export function repeatedWords(words: readonly string[]): number[] {
  const seen = new Set<string>()
  const out: number[] = []
  words.forEach((w, i) => {
    const n = normaliseWord(w)
    if (seen.has(n)) out.push(i)
    seen.add(n)
  })
  return out
}

// ---- the seed: today's taxonomy -----------------------------------------------------------------

const STATUS_LABELS: Record<(typeof EVENT_STATUSES)[number], Label> = {
  open: { zh: '待处理', en: 'Open' },
  in_progress: { zh: '办理中', en: 'In progress' },
  resolved: { zh: '已化解', en: 'Resolved' },
  closed: { zh: '已结案', en: 'Closed' },
}
const SEVERITY_LABELS: Record<string, Label> = {
  '1': { zh: '轻微', en: 'Minor' },
  '2': { zh: '一般', en: 'Moderate' },
  '3': { zh: '较大', en: 'Serious' },
  '4': { zh: '重大', en: 'Major' },
}
const PETITION_FORM_LABELS: Record<(typeof PETITION_FORMS)[number], Label> = {
  letter: { zh: '来信', en: 'Letter' },
  visit: { zh: '来访', en: 'Visit' },
  online: { zh: '网上', en: 'Online' },
  hotline: { zh: '热线', en: 'Hotline' },
}
const DISPUTE_FLAG_LABELS: Record<(typeof DISPUTE_FLAGS)[number], Label> = {
  group: { zh: '群体性', en: 'Group' },
  difficult: { zh: '疑难', en: 'Difficult' },
  civil_to_criminal: { zh: '民转刑', en: 'Civil to criminal' },
  extreme: { zh: '极端倾向', en: 'Extreme tendency' },
}

/** A synonym table inverted: code → its words, less the code and its labels (always accepted anyway). */
function wordsOf(table: Record<string, string | number>, code: string, label: Label): string[] {
  const own = new Set([code, label.zh, label.en].map(normaliseWord))
  return Object.entries(table)
    .filter(([w, c]) => String(c) === code && !own.has(normaliseWord(w)))
    .map(([w]) => w)
}

/** The table as a fresh database starts with it: every code of the taxonomy, with its synonyms. */
export function seedEntries(): CodeEntry[] {
  const out: CodeEntry[] = []
  const add = (kind: CodeKind, source: string, labels: Record<string, Label>, synonyms: Record<string, string | number>) => {
    Object.entries(labels).forEach(([code, label], sort) => {
      out.push({ kind, source, code, labelZh: label.zh, labelEn: label.en, synonyms: wordsOf(synonyms, code, label), retiredAt: null, sort })
    })
  }
  for (const source of SOURCES) add('category', source, CATEGORIES[source] as Record<string, Label>, CATEGORY_SYNONYMS[source] as Record<string, string>)
  add('status', '', STATUS_LABELS, STATUS_SYNONYMS)
  add('severity', '', SEVERITY_LABELS, SEVERITY_SYNONYMS)
  add('petition_form', '', PETITION_FORM_LABELS, PETITION_FORM_SYNONYMS)
  add('dispute_flag', '', DISPUTE_FLAG_LABELS, DISPUTE_FLAG_SYNONYMS)
  return out
}

/** Whether a kind is kept per source (categories) or once (the rest). */
export const perSource = (kind: CodeKind): boolean => kind === 'category'

export const isSource = (s: string): s is Source => (SOURCES as readonly string[]).includes(s)
