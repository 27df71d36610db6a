import type { AlertAction } from '#contract/alerts.ts'
import type { Alert, AlertDetail, TimelineEntry } from '#contract/api.ts'
import { lastChange } from '../../lib/alerts-query.ts'
import { ApiError, api, postJson } from '../../lib/api.ts'
import { isAlert } from './held.ts'

export type AlertDetailJson = Alert & { timeline?: TimelineEntry[] }

export type ActionOutcome =
  | { kind: 'ok'; alert: Alert }
  /** 409: someone else changed it first; `alert` is the refreshed copy, `by` its latest change. */
  | { kind: 'stale' | 'conflict'; alert: Alert | null; by: TimelineEntry | null; message: string }
  | { kind: 'invalid'; fields: Array<{ field: string; message: string }>; message: string }
  | { kind: 'error'; status: number; message: string }

/** An alert's detail and the duty console's actions on it; whatever the server answers is upserted. */
export function useAlertActions(held: { get(id: Alert['id'] | string): Alert | undefined; upsert(alert: Alert): boolean }) {
  async function fetchDetail(id: Alert['id'] | string): Promise<AlertDetailJson> {
    // The API answers {alert, timeline, comments}; the drawer works with the alert and its timeline together.
    const raw = await api<AlertDetail>(`/api/v1/alerts/${encodeURIComponent(String(id))}`)
    held.upsert(raw.alert)
    return { ...raw.alert, timeline: raw.timeline }
  }

  /** An action with the version this client saw: a 409 brings the refreshed alert and who changed it. */
  async function perform(id: Alert['id'] | string, action: AlertAction, body: Record<string, unknown>): Promise<ActionOutcome> {
    const current = held.get(id)
    if (!current) return { kind: 'error', status: 0, message: 'unknown alert' }
    try {
      const result = await postJson<unknown>(`/api/v1/alerts/${encodeURIComponent(String(id))}/${action}`, { ...body, version: current.version })
      const updated = isAlert(result) ? result : isAlert((result as { alert?: unknown })?.alert) ? (result as { alert: Alert }).alert : null
      if (updated) {
        held.upsert(updated)
        return { kind: 'ok', alert: updated }
      }
      const { timeline: _timeline, ...refreshed } = await fetchDetail(id)
      return { kind: 'ok', alert: refreshed }
    } catch (err) {
      if (!(err instanceof ApiError)) return { kind: 'error', status: 0, message: (err as Error).message }
      if (err.status === 409) {
        const refreshed = await fetchDetail(id).catch(() => null)
        const alert = refreshed ? (({ timeline: _t, ...a }) => a)(refreshed) : null
        return { kind: err.code === 'stale' ? 'stale' : 'conflict', alert, by: lastChange(refreshed?.timeline), message: err.message }
      }
      if (err.status === 400 && err.fields.length) return { kind: 'invalid', fields: err.fields, message: err.message }
      return { kind: 'error', status: err.status, message: err.message }
    }
  }

  return { fetchDetail, perform }
}
