import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { categoryLabel as seedCategoryLabel, type Label, type Source } from '#contract/taxonomy.ts'
import { api, ApiError, postJson } from '../lib/api.ts'

// The code tables (docs/architecture.md §4, "Code tables"), as `GET /api/v1/code-tables` serves
// them: every screen labels categories from here, so a category an administrator adds is named
// on the wall and the desk without a new client. Until the tables arrive (or when the call fails,
// e.g. a screen mounted on its own) the labels are the seed taxonomy's.

export const CODE_KINDS = ['category', 'status', 'severity', 'petition_form', 'dispute_flag'] as const
export type CodeKind = (typeof CODE_KINDS)[number]

export interface CodeEntry {
  kind: CodeKind
  source: Source | null
  code: string
  labelZh: string
  labelEn: string
  synonyms: string[]
  sort: number
  retired: boolean
  retiredAt: string | null
}

export interface NewCode {
  source?: Source
  code: string
  labelZh: string
  labelEn: string
  synonyms: string[]
}
export type CodeChange = Partial<Pick<CodeEntry, 'labelZh' | 'labelEn' | 'synonyms' | 'retired'>>

const key = (kind: string, source: string | null, code: string) => `${kind}\u0000${source ?? ''}\u0000${code}`

/** Loaded entries by kind/source/code: module state, so plain functions (the wall's labels) read it reactively. */
const byKey = shallowRef(new Map<string, CodeEntry>())

function remember(entries: readonly CodeEntry[]): void {
  byKey.value = new Map(entries.map((e) => [key(e.kind, e.source, e.code), e]))
}

/** A category's labels: the code table's, else the seed taxonomy's, else undefined (show the code). */
export function categoryLabel(source: Source, code: string): Label | undefined {
  const e = byKey.value.get(key('category', source, code))
  return e ? { zh: e.labelZh, en: e.labelEn } : seedCategoryLabel(source, code)
}

export const useCodeTablesStore = defineStore('code-tables', () => {
  let loading: Promise<void> | null = null
  const entries = ref<CodeEntry[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)

  async function load(force = false): Promise<void> {
    if (loading && !force) return loading
    loading = (async () => {
      try {
        const body = await api<{ items: CodeEntry[] }>('/api/v1/code-tables')
        entries.value = body.items
        remember(body.items)
        loaded.value = true
        error.value = null
      } catch (err) {
        // Labels fall back to the seed; the admin tab shows why.
        error.value = err instanceof Error ? err.message : String(err)
        loading = null
      }
    })()
    return loading
  }

  /** Codes of one kind (and source) as the rule editor offers them: in service first, retired after. */
  const codesOf = (kind: CodeKind, source: Source | null = null) =>
    entries.value.filter((e) => e.kind === kind && (e.source ?? null) === source).sort((a, b) => Number(a.retired) - Number(b.retired) || a.sort - b.sort)

  /** Every category code of every source, for completion in the rule editor. */
  const categoryCodes = computed(() => [...new Set(entries.value.filter((e) => e.kind === 'category').map((e) => e.code))].sort())

  async function add(kind: CodeKind, body: NewCode): Promise<CodeEntry> {
    const created = await postJson<CodeEntry>(`/api/v1/code-tables/${kind}`, body)
    await load(true)
    return created
  }

  async function change(entry: Pick<CodeEntry, 'kind' | 'source' | 'code'>, body: CodeChange): Promise<CodeEntry> {
    const query = entry.source ? `?source=${entry.source}` : ''
    const updated = await postJson<CodeEntry>(`/api/v1/code-tables/${entry.kind}/${encodeURIComponent(entry.code)}${query}`, body, 'PATCH')
    await load(true)
    return updated
  }

  return { entries, loaded, error, load, codesOf, categoryCodes, add, change }
})

export { ApiError }
