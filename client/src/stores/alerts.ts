// The one alerts store of the client: the wall's counters and ticker, the duty console's cases
// and actions, and the township page's alerts all read it. Fed by REST and by the one `/live`
// connection (lib/live.ts); an older version of an alert or a case never replaces a newer one.
import { defineStore } from 'pinia'
import type { Alert, Case } from '#contract/api.ts'
import type { AlertMessage, CaseMessage } from '#contract/realtime.ts'
import { useAlertActions } from './alerts/actions.ts'
import { useHeldCases } from './alerts/cases.ts'
import { isAlert, useHeldAlerts } from './alerts/held.ts'
import { useAlertLists } from './alerts/rest.ts'
import { useAlertViews } from './alerts/views.ts'

export type { ActionOutcome, AlertDetailJson } from './alerts/actions.ts'
export type { CaseDelivery, CaseOutcome, CaseTimelineEntry } from './alerts/cases.ts'
export { MAX_CASES, trimCases } from './alerts/cases.ts'
export { MAX_ALERTS, trimAlerts } from './alerts/held.ts'
export { TICKER_SIZE } from './alerts/views.ts'

export const useAlertsStore = defineStore('alerts', () => {
  const { byId, all, get, has, upsert, upsertMany, replaceOpen } = useHeldAlerts()
  const { available, loaded, loading, error, nextCursor, load, loadFiltered } = useAlertLists(upsertMany)
  const { ticker, kpis, callouts, pulsing } = useAlertViews(all)
  const { fetchDetail, perform } = useAlertActions({ get, upsert })
  const held = useHeldCases({ upsert, upsertMany })
  const newListeners = new Set<(alert: Alert) => void>()
  const newCaseListeners = new Set<(c: Case) => void>()

  /** `alert:new`: applies it, and announces an alert seen for the first time (sound, notification). */
  function applyNew(message: AlertMessage): boolean {
    if (!isAlert(message?.alert)) return false
    const fresh = !has(message.alert)
    const applied = upsert(message.alert, false)
    if (applied && fresh) for (const fn of newListeners) fn(message.alert)
    return applied
  }

  /** `alert:updated`. */
  function applyUpdated(message: AlertMessage): boolean {
    return isAlert(message?.alert) && upsert(message.alert, false)
  }

  /** `case:new` (`fresh`) or `case:updated`: a case seen for the first time over the socket is announced. */
  function applyCase(message: CaseMessage, fresh: boolean): boolean {
    const known = held.getCase(message?.case?.id ?? '') !== undefined
    const applied = held.applyCaseMessage(message?.case)
    if (applied && fresh && !known) for (const fn of newCaseListeners) fn(message.case)
    return applied
  }

  /** The member alerts of a case that are held, oldest first (a row shows these). */
  function membersOf(c: Pick<Case, 'alertIds'>): Alert[] {
    return c.alertIds.map((id) => get(id)).filter((a): a is Alert => a !== undefined)
  }

  /** Called with each case that appears for the first time over the socket (one per incident). */
  function onNewCase(fn: (c: Case) => void): () => void {
    newCaseListeners.add(fn)
    return () => newCaseListeners.delete(fn)
  }

  /** Called with each alert that appears for the first time over the socket. */
  function onNew(fn: (alert: Alert) => void): () => void {
    newListeners.add(fn)
    return () => newListeners.delete(fn)
  }

  return {
    byId,
    available,
    loaded,
    loading,
    error,
    nextCursor,
    all,
    ticker,
    kpis,
    callouts,
    pulsing,
    get,
    upsert,
    applyNew,
    applyUpdated,
    replaceOpen,
    onNew,
    load,
    loadFiltered,
    fetchDetail,
    perform,
    ...held,
    applyCase,
    membersOf,
    onNewCase,
  }
})
