import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import type { RulesetSummary } from '#contract/rules.ts'
import { api, ApiError, del, errorMessage, fieldErrors, getOptional, type Jsonify, postJson } from '../lib/api.ts'
import { type BacktestResult, canonical, emptyRuleSet, rangeToInstants, type RuleSetDocument, type RuleSetIssue } from '../screens/rules/logic.ts'

export type VersionSummary = Jsonify<RulesetSummary>
export type VersionWithDocument = VersionSummary & { document: RuleSetDocument }
export interface SensitivePeriod {
  id: number
  name: string
  startsAt: string
  endsAt: string
  createdBy: string
}
export interface TownshipRef {
  code: string
  name: string
}

export const VALIDATE_DEBOUNCE_MS = 300

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** A document out of an import file: a bare export, or a version as GET /rulesets/:id returns it. */
export function documentFromImport(text: string): RuleSetDocument {
  const parsed = JSON.parse(text) as unknown
  if (parsed && typeof parsed === 'object' && 'document' in parsed && (parsed as { document: unknown }).document && typeof (parsed as { document: unknown }).document === 'object') {
    return (parsed as { document: RuleSetDocument }).document
  }
  return parsed as RuleSetDocument
}

export const useRulesStore = defineStore('rules', () => {
  const versions = ref<VersionSummary[]>([])
  const live = ref<VersionWithDocument | null>(null)
  const townships = ref<TownshipRef[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)

  /** The version open in the editor (null: a new, unsaved document) and the editable copy. */
  const openId = ref<number | null>(null)
  const basedOn = ref<number | null>(null)
  const document = ref<RuleSetDocument>(emptyRuleSet())
  const savedCanonical = ref(canonical(document.value))
  const dirty = computed(() => canonical(document.value) !== savedCanonical.value)
  const openVersion = computed(() => versions.value.find((v) => v.id === openId.value) ?? null)

  /** Errors from validation (as you type) or from the last save, each at its path. */
  const issues = ref<RuleSetIssue[]>([])
  const validating = ref(false)
  const saving = ref(false)
  const saveError = ref<string | null>(null)
  const publishing = ref(false)
  const publishError = ref<string | null>(null)
  const publishFieldErrors = ref<Record<string, string>>({})

  /** matches per rule id in the last 7 days; null when the endpoint is not available. */
  const matches = ref<Record<string, number> | null>(null)

  const backtest = reactive({ loading: false, result: null as BacktestResult | null, error: null as string | null, unavailable: false, from: '', to: '' })

  const calendar = ref<SensitivePeriod[]>([])
  const calendarError = ref<string | null>(null)
  const calendarFieldErrors = ref<Record<string, string>>({})

  const documents = new Map<number, RuleSetDocument>()

  async function loadVersions(): Promise<void> {
    versions.value = await api<VersionSummary[]>('/api/v1/rulesets')
    live.value = await getOptional<VersionWithDocument>('/api/v1/rulesets/live')
  }

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      await loadVersions()
      townships.value = (await getOptional<TownshipRef[]>('/api/v1/townships')) ?? []
      await loadCalendar()
      if (openId.value === null && !dirty.value) {
        const first = live.value?.id ?? versions.value[0]?.id
        if (first !== undefined) await open(first)
      }
    } catch (err) {
      error.value = errorMessage(err)
    } finally {
      loading.value = false
    }
  }

  async function fetchDocument(id: number): Promise<RuleSetDocument> {
    const cached = documents.get(id)
    if (cached) return clone(cached)
    const v = await api<VersionWithDocument>(`/api/v1/rulesets/${id}`)
    documents.set(id, v.document)
    return clone(v.document)
  }

  function resetResults(): void {
    issues.value = []
    saveError.value = null
    publishError.value = null
    publishFieldErrors.value = {}
    backtest.result = null
    backtest.error = null
    backtest.unavailable = false
  }

  async function open(id: number): Promise<void> {
    const doc = await fetchDocument(id)
    openId.value = id
    basedOn.value = id
    document.value = doc
    savedCanonical.value = canonical(doc)
    resetResults()
    void loadMatches(id)
  }

  /** Start a new unsaved document (a copy of the open one, or an empty set). */
  function startDraft(fromCurrent = true): void {
    const doc = fromCurrent ? clone(document.value) : emptyRuleSet()
    basedOn.value = fromCurrent ? openId.value : null
    openId.value = null
    document.value = doc
    savedCanonical.value = ''
    resetResults()
  }

  function replaceDocument(doc: RuleSetDocument): void {
    document.value = doc
  }

  let validateTimer: ReturnType<typeof setTimeout> | null = null
  let validateSeq = 0

  async function validateNow(): Promise<void> {
    if (validateTimer) clearTimeout(validateTimer)
    validateTimer = null
    const seq = ++validateSeq
    validating.value = true
    try {
      const result = await postJson<{ ok: boolean; errors: RuleSetIssue[] }>('/api/v1/rulesets/validate', document.value)
      if (seq === validateSeq) issues.value = result.errors
    } catch (err) {
      if (seq !== validateSeq) return
      // A structurally broken body (say, a string where an object belongs) is a 400 with fields.
      if (err instanceof ApiError && err.status === 400) issues.value = err.fields.map((f) => ({ path: f.field, message: f.message }))
    } finally {
      if (seq === validateSeq) validating.value = false
    }
  }

  function scheduleValidate(): void {
    if (validateTimer) clearTimeout(validateTimer)
    validateTimer = setTimeout(() => void validateNow(), VALIDATE_DEBOUNCE_MS)
  }

  // Validate as the analyst types (debounced), never on load of an unchanged saved version.
  watch(
    () => canonical(document.value),
    (now) => {
      if (now !== savedCanonical.value) scheduleValidate()
    },
  )

  /** Save the editor's document as a new draft; keeps the server's errors per path on 400. */
  async function save(comment: string): Promise<number | null> {
    saving.value = true
    saveError.value = null
    try {
      const body = { ...document.value, ...(comment.trim() ? { comment: comment.trim() } : {}), ...(basedOn.value ? { basedOn: basedOn.value } : {}) }
      const created = await postJson<{ id: number; version: number; status: 'draft' }>('/api/v1/rulesets', body)
      await loadVersions()
      await open(created.id)
      return created.id
    } catch (err) {
      saveError.value = errorMessage(err)
      if (err instanceof ApiError && err.status === 400) {
        const errors = (err.body as { errors?: RuleSetIssue[] } | null)?.errors
        issues.value = errors ?? err.fields.map((f) => ({ path: f.field, message: f.message }))
      }
      return null
    } finally {
      saving.value = false
    }
  }

  /** Publish a version (rollback: publish an older one). The comment is required. */
  async function publish(id: number, comment: string): Promise<boolean> {
    publishError.value = null
    publishFieldErrors.value = {}
    if (!comment.trim()) {
      publishFieldErrors.value = { comment: 'required' }
      return false
    }
    publishing.value = true
    try {
      await postJson(`/api/v1/rulesets/${id}/publish`, { comment: comment.trim() })
      await loadVersions()
      return true
    } catch (err) {
      publishError.value = errorMessage(err)
      publishFieldErrors.value = fieldErrors(err)
      return false
    } finally {
      publishing.value = false
    }
  }

  async function loadMatches(id: number): Promise<void> {
    try {
      const r = await getOptional<{ rules: Array<{ ruleId: string; matches: number }> }>(`/api/v1/rulesets/${id}/matches?days=7`)
      matches.value = r ? Object.fromEntries(r.rules.map((m) => [m.ruleId, m.matches])) : null
    } catch {
      matches.value = null
    }
  }

  async function runBacktest(from: string, to: string): Promise<void> {
    if (openId.value === null) return
    backtest.loading = true
    backtest.error = null
    backtest.unavailable = false
    backtest.from = from
    backtest.to = to
    try {
      backtest.result = await postJson<BacktestResult>(`/api/v1/rulesets/${openId.value}/backtest`, rangeToInstants(from, to))
    } catch (err) {
      backtest.result = null
      if (err instanceof ApiError && err.status === 404) backtest.unavailable = true
      else backtest.error = errorMessage(err)
    } finally {
      backtest.loading = false
    }
  }

  async function loadCalendar(): Promise<void> {
    calendarError.value = null
    try {
      calendar.value = await api<SensitivePeriod[]>('/api/v1/calendar')
    } catch (err) {
      calendarError.value = errorMessage(err)
    }
  }

  async function addPeriod(input: { name: string; startsAt: string; endsAt: string }): Promise<boolean> {
    calendarError.value = null
    calendarFieldErrors.value = {}
    try {
      await postJson('/api/v1/calendar', input)
      await loadCalendar()
      return true
    } catch (err) {
      calendarError.value = errorMessage(err)
      calendarFieldErrors.value = fieldErrors(err)
      return false
    }
  }

  async function removePeriod(id: number): Promise<void> {
    calendarError.value = null
    try {
      await del(`/api/v1/calendar/${id}`)
      await loadCalendar()
    } catch (err) {
      calendarError.value = errorMessage(err)
    }
  }

  /** Import: POST the file's document as a draft; when it is invalid, open it unsaved with its errors. */
  async function importText(text: string, fileName: string): Promise<number | null> {
    let doc: RuleSetDocument
    try {
      doc = documentFromImport(text)
    } catch (err) {
      saveError.value = errorMessage(err)
      return null
    }
    openId.value = null
    basedOn.value = null
    document.value = doc
    savedCanonical.value = ''
    resetResults()
    return save(`import: ${fileName}`)
  }

  function exportText(): string {
    return `${JSON.stringify(document.value, null, 2)}\n`
  }

  return {
    versions, live, townships, loading, error, openId, basedOn, document, dirty, openVersion, issues, validating, saving, saveError,
    publishing, publishError, publishFieldErrors, matches, backtest, calendar, calendarError, calendarFieldErrors,
    load, loadVersions, fetchDocument, open, startDraft, replaceDocument, validateNow, scheduleValidate, save, publish, loadMatches,
    runBacktest, loadCalendar, addPeriod, removePeriod, importText, exportText,
  }
})
