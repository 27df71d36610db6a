import { reactive } from 'vue'
import { api, errorMessage, fieldErrors } from '../../lib/api.ts'

/** Replacing the county's map (GeoJSON upload) with its progress and the server's field errors. */
export function useGeoUpload() {
  const geo = reactive({ uploading: false, error: null as string | null, done: false, fieldErrors: {} as Record<string, string> })

  async function uploadGeo(geojson: unknown): Promise<boolean> {
    geo.uploading = true
    geo.error = null
    geo.done = false
    geo.fieldErrors = {}
    try {
      await api('/api/v1/geo/county', { method: 'PUT', body: JSON.stringify(geojson) })
      geo.done = true
      return true
    } catch (err) {
      geo.error = errorMessage(err)
      geo.fieldErrors = fieldErrors(err)
      return false
    } finally {
      geo.uploading = false
    }
  }

  return { geo, uploadGeo }
}
