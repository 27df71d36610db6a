import { reactive } from 'vue'
import { ApiError, errorMessage, fieldErrors, getOptional } from '../../lib/api.ts'

/** One list on the admin screen (users, feeds, kiosks, silences) with its load and write state. */
export interface Section<T> {
  items: T[]
  loading: boolean
  error: string | null
  /** the endpoint answered 404: not deployed yet */
  unavailable: boolean
  fieldErrors: Record<string, string>
}

export function section<T>(): Section<T> {
  return reactive({ items: [], loading: false, error: null, unavailable: false, fieldErrors: {} }) as Section<T>
}

export async function loadInto<T>(s: Section<T>, path: string): Promise<void> {
  s.loading = true
  s.error = null
  try {
    // Most lists come as an array; silences as a page `{items}` (GET /api/v1/silences).
    const body = await getOptional<T[] | { items: T[] }>(path)
    s.unavailable = body === null
    s.items = body === null ? [] : Array.isArray(body) ? body : (body.items ?? [])
  } catch (err) {
    s.error = errorMessage(err)
  } finally {
    s.loading = false
  }
}

/** Run a write; on failure keep the message and the server's field errors in the section. */
export async function write<T, R>(s: Section<T>, run: () => Promise<R>): Promise<R | null> {
  s.error = null
  s.fieldErrors = {}
  try {
    return await run()
  } catch (err) {
    s.error = errorMessage(err)
    s.fieldErrors = fieldErrors(err)
    if (err instanceof ApiError && err.status === 404) s.unavailable = true
    return null
  }
}
