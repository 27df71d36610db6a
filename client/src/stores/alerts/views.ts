import { computed, type Ref } from 'vue'
import type { Alert } from '#contract/api.ts'
import { alertKpis } from '../../lib/alert-kpis.ts'
import { keyOf, timeOf } from './held.ts'

/** The ticker shows at most this many. */
export const TICKER_SIZE = 50

/** What the screens derive from the held alerts: the ticker, the KPIs and the wall's alarms. */
export function useAlertViews(all: Readonly<Ref<Alert[]>>) {
  /** Newest first by last activity, bounded: what the ticker scrolls. */
  const ticker = computed(() => [...all.value].sort((a, b) => timeOf(b) - timeOf(a) || keyOf(b).localeCompare(keyOf(a))).slice(0, TICKER_SIZE))
  const kpis = computed(() => alertKpis(all.value))
  /**
   * Unsigned red and orange alerts, newest first: the wall calls them out (banner, map marks)
   * until someone signs for them. One list for both, so the banner and the map agree.
   */
  const callouts = computed(() =>
    all.value
      .filter((a) => a.state === 'new' && (a.level === 'red' || a.level === 'orange'))
      .sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt) || b.id - a.id),
  )
  /** Townships with a call-out, at its highest level: pulsing marks on the map. */
  const pulsing = computed(() => {
    const out = new Map<string, Alert['level']>()
    for (const a of callouts.value) if (out.get(a.township.code) !== 'red') out.set(a.township.code, a.level)
    return out
  })
  return { ticker, kpis, callouts, pulsing }
}
