import { reactive } from 'vue'
import { api, ApiError, postJson } from '../../lib/api.ts'
import type { RegionImportPreview as ImportPreview, RegionJson as RegionItem } from '#contract/api.ts'

/**
 * The region tree (docs/architecture.md §3): the list, its writes, and the code table import with
 * its preview. Errors are kept as thrown (`error`, `importError`), for the tab to word them.
 */
export function useRegions() {
  const regions = reactive({
    items: [] as RegionItem[],
    loading: false,
    /** The last write's or load's refusal. */
    error: null as unknown,
    /** Which write the error belongs to: the create form, or a row's code. */
    errorOf: null as string | null,
    importing: false,
    importError: null as unknown,
    preview: null as ImportPreview | null,
    imported: null as ImportPreview | null,
  })

  async function loadRegions(): Promise<void> {
    regions.loading = regions.items.length === 0
    try {
      regions.items = (await api<{ items: RegionItem[] }>('/api/v1/regions')).items
    } catch (err) {
      regions.error = err
      regions.errorOf = 'load'
    } finally {
      regions.loading = false
    }
  }

  /** Runs a write; on success reloads the tree and returns the region, on failure keeps the error for `of`. */
  async function regionWrite(of: string, run: () => Promise<RegionItem>): Promise<RegionItem | null> {
    regions.error = null
    regions.errorOf = null
    try {
      const region = await run()
      await loadRegions()
      return region
    } catch (err) {
      regions.error = err
      regions.errorOf = of
      return null
    }
  }

  const createRegion = (input: { code: string; name: string; parentCode?: string; kind?: string; tags?: string[] }) => regionWrite('create', () => postJson<RegionItem>('/api/v1/regions', input))
  const updateRegion = (code: string, patch: { name?: string; parentCode?: string; tags?: string[] }) =>
    regionWrite(code, () => postJson<RegionItem>(`/api/v1/regions/${encodeURIComponent(code)}`, patch, 'PATCH'))
  const retireRegion = (code: string) => regionWrite(code, () => postJson<RegionItem>(`/api/v1/regions/${encodeURIComponent(code)}/retire`, {}))
  const reinstateRegion = (code: string) => regionWrite(code, () => postJson<RegionItem>(`/api/v1/regions/${encodeURIComponent(code)}/reinstate`, {}))

  async function importRegions(file: File, dryRun: boolean): Promise<ImportPreview | null> {
    regions.importing = true
    regions.importError = null
    if (dryRun) regions.imported = null
    try {
      const form = new FormData()
      if (dryRun) form.append('dryRun', '1')
      form.append('file', file, file.name)
      const result = await api<ImportPreview>('/api/v1/regions/import', { method: 'POST', body: form })
      if (dryRun) regions.preview = result
      else {
        regions.preview = null
        regions.imported = result
        await loadRegions()
      }
      return result
    } catch (err) {
      regions.importError = err instanceof ApiError || err instanceof Error ? err : new Error(String(err))
      return null
    } finally {
      regions.importing = false
    }
  }

  return { regions, loadRegions, createRegion, updateRegion, retireRegion, reinstateRegion, importRegions }
}
