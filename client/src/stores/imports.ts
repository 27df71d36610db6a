import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, ApiError, errorMessage, getOptional, postForm, postFormForBlob } from '../lib/api.ts'

// Ledger imports (README, "Ledger imports"): a preview (the server's dry run) before anything is
// stored, then the import itself with the same file and choices; the refused rows as a workbook.

export type RowOutcome = 'accepted' | 'updated' | 'duplicate' | 'rejected'

export interface ImportReport {
  dryRun: boolean
  format: 'csv' | 'xlsx'
  encoding: string | null
  rows: number
  accepted: number
  updated: number
  duplicates: number
  headerRows: number[]
  columns: Array<{ column: string; field: string }>
  outcomes: Array<{ row: number; outcome: RowOutcome }>
  rejected: Array<{ row: number; field: string; message: string }>
}

export interface ImportRecord {
  id: number
  at: string
  by: string
  fileName: string
  rows: number
  accepted: number
  updated: number
  duplicates: number
  rejectedRows: number
}

/** Per-import defaults: the values a one-township or one-source sheet leaves out. */
export interface ImportDefaults {
  source: string
  sourceSystem: string
  township: string
}

export const useImportsStore = defineStore('imports', () => {
  const file = ref<File | null>(null)
  const defaults = ref<ImportDefaults>({ source: '', sourceSystem: '', township: '' })
  const preview = ref<ImportReport | null>(null)
  const result = ref<ImportReport | null>(null)
  const busy = ref(false)
  const error = ref<string | null>(null)
  const fieldErrors = ref<Array<{ field: string; message: string }>>([])
  const history = ref<ImportRecord[]>([])
  const townships = ref<Array<{ code: string; name: string }>>([])

  function form(dryRun: boolean): FormData {
    const body = new FormData()
    const given = Object.fromEntries(Object.entries(defaults.value).filter(([, v]) => v.trim() !== ''))
    if (Object.keys(given).length) body.set('defaults', JSON.stringify(given))
    if (dryRun) body.set('dryRun', 'true')
    body.set('file', file.value!, file.value!.name)
    return body
  }

  function fail(err: unknown): void {
    error.value = errorMessage(err)
    fieldErrors.value = err instanceof ApiError ? err.fields : []
  }

  async function run(dryRun: boolean): Promise<ImportReport | null> {
    if (!file.value) return null
    busy.value = true
    error.value = null
    fieldErrors.value = []
    try {
      return await postForm<ImportReport>('/api/v1/imports', form(dryRun))
    } catch (err) {
      fail(err)
      return null
    } finally {
      busy.value = false
    }
  }

  function choose(next: File | null): void {
    file.value = next
    preview.value = null
    result.value = null
    error.value = null
    fieldErrors.value = []
  }

  async function check(): Promise<void> {
    result.value = null
    preview.value = await run(true)
  }

  /** Imports the previewed file with the same choices; the preview is what the user confirmed. */
  async function confirm(): Promise<void> {
    if (!preview.value) return
    const done = await run(false)
    if (!done) return
    result.value = done
    preview.value = null
    await loadHistory()
  }

  async function refusedWorkbook(): Promise<Blob | null> {
    if (!file.value) return null
    try {
      return await postFormForBlob('/api/v1/imports/refused', form(true))
    } catch (err) {
      fail(err)
      return null
    }
  }

  async function loadHistory(): Promise<void> {
    history.value = (await api<{ items: ImportRecord[] }>('/api/v1/imports?limit=20').catch(() => ({ items: [] }))).items
  }

  async function loadTownships(): Promise<void> {
    townships.value = (await getOptional<Array<{ code: string; name: string }>>('/api/v1/townships').catch(() => null)) ?? []
  }

  return { file, defaults, preview, result, busy, error, fieldErrors, history, townships, choose, check, confirm, refusedWorkbook, loadHistory, loadTownships }
})
