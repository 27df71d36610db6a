import { ref } from 'vue'
import type { Alert, Page } from '#contract/api.ts'
import { alertsQuery, type AlertsFilter } from '../../lib/alerts-query.ts'
import { ApiError, api } from '../../lib/api.ts'

const REST_PAGE = 200
const REST_MAX_PAGES = 5

/** Reading alerts over REST into the held set (`upsertMany`), with the lists' load state. */
export function useAlertLists(upsertMany: (alerts: readonly Alert[]) => void) {
  /** false when the alerts API is not there (404): the panels show an empty state. */
  const available = ref(true)
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)
  /** The next page of the last filtered list (the duty queue's "more"). */
  const nextCursor = ref<string | null>(null)

  /** The wall's load: the newest alerts in any state (bounded pages); 404 → not available. Rejects only on 401. */
  async function load(): Promise<void> {
    try {
      const items: Alert[] = []
      let cursor: string | null = null
      for (let page = 0; page < REST_MAX_PAGES; page++) {
        const query = new URLSearchParams({ limit: String(REST_PAGE) })
        if (cursor) query.set('cursor', cursor)
        const res: Page<Alert> = await api<Page<Alert>>(`/api/v1/alerts?${query}`)
        items.push(...(res.items ?? []))
        cursor = res.nextCursor
        if (!cursor) break
      }
      upsertMany(items)
      available.value = true
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err
      if (err instanceof ApiError && err.status === 404) available.value = false
    } finally {
      loaded.value = true
    }
  }

  /** A filtered page (the duty queue, a township's alerts); `more`: the next page of the same list. */
  async function loadFiltered(filter: AlertsFilter, more = false): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const page = await api<Page<Alert>>(`/api/v1/alerts?${alertsQuery(filter, more ? nextCursor.value : null)}`)
      upsertMany(page.items ?? [])
      nextCursor.value = page.nextCursor ?? null
      available.value = true
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) available.value = false
      else error.value = (err as Error).message
    } finally {
      loading.value = false
      loaded.value = true
    }
  }

  return { available, loaded, loading, error, nextCursor, load, loadFiltered }
}
