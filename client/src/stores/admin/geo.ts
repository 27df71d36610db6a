import { reactive } from 'vue'
import type { GeoUploadReport, GeoUploadResult, GeoVersion } from '#contract/geo.ts'
import { api, postJson } from '../../lib/api.ts'

/**
 * The county's boundaries (docs/architecture.md §3): an upload with its report, the versions and
 * restoring one. Errors are kept as thrown (`error`), for the tab to word them.
 */
export function useGeoUpload() {
  const geo = reactive({
    uploading: false,
    error: null as unknown,
    done: null as number | null,
    report: null as GeoUploadReport | null,
    versions: [] as GeoVersion[],
    restored: null as number | null,
  })

  async function uploadGeo(geojson: unknown, query = ''): Promise<boolean> {
    geo.uploading = true
    geo.error = null
    geo.done = null
    geo.report = null
    geo.restored = null
    try {
      const result = await api<GeoUploadResult>(`/api/v1/geo/county${query}`, { method: 'PUT', body: JSON.stringify(geojson) })
      geo.done = result.version
      geo.report = result.report
      await loadGeoVersions()
      return true
    } catch (err) {
      geo.error = err
      return false
    } finally {
      geo.uploading = false
    }
  }

  async function loadGeoVersions(): Promise<void> {
    try {
      geo.versions = await api<GeoVersion[]>('/api/v1/geo/county/versions')
    } catch (err) {
      geo.error = err
    }
  }

  async function restoreGeoVersion(id: number): Promise<void> {
    geo.error = null
    geo.restored = null
    try {
      await postJson(`/api/v1/geo/county/versions/${id}/restore`, {})
      geo.restored = id
      await loadGeoVersions()
    } catch (err) {
      geo.error = err
    }
  }

  return { geo, uploadGeo, loadGeoVersions, restoreGeoVersion }
}
