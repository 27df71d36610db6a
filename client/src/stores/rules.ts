import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { RulesetSummary } from '#contract/rules.ts'
import { api, ApiError, errorMessage, getOptional, type Jsonify, postJson } from '../lib/api.ts'
import { canonical, emptyRuleSet, type RuleSetDocument, type RuleSetIssue } from '../screens/rules/logic.ts'
import { useSensitiveCalendar } from './rules/calendar.ts'
import { useBacktest, usePublish, useRuleMatches } from './rules/results.ts'
import { useRuleValidation } from './rules/validation.ts'

export type { SensitivePeriod } from './rules/calendar.ts'
export { VALIDATE_DEBOUNCE_MS } from './rules/validation.ts'

export type VersionSummary = Jsonify<RulesetSummary>
export type VersionWithDocument = VersionSummary & { document: RuleSetDocument }
export interface TownshipRef {
  code: string
  name: string
}

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

  const { issues, validating, validateNow, scheduleValidate } = useRuleValidation(document, savedCanonical)
  const saving = ref(false)
  const saveError = ref<string | null>(null)
  const { publishing, publishError, publishFieldErrors, publish, clearPublish } = usePublish(loadVersions)
  const { matches, budgetExceeded, loadMatches } = useRuleMatches()
  const { backtest, runBacktest, clearBacktest } = useBacktest(openId)
  const { calendar, calendarError, calendarFieldErrors, loadCalendar, addPeriod, removePeriod } = useSensitiveCalendar()

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
    clearPublish()
    clearBacktest()
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
    publishing, publishError, publishFieldErrors, matches, budgetExceeded, backtest, calendar, calendarError, calendarFieldErrors,
    load, loadVersions, fetchDocument, open, startDraft, replaceDocument, validateNow, scheduleValidate, save, publish, loadMatches,
    runBacktest, loadCalendar, addPeriod, removePeriod, importText, exportText,
  }
})
