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
  /** New (not yet acknowledged) red alerts: they flash the wall until the duty console acknowledges them. */
  const unacknowledgedRed = computed(() => all.value.filter((a) => a.level === 'red' && a.state === 'new'))
  /** Townships with a new red or orange alert: pulsing marks on the map. */
  const pulsing = computed(() => {
    const out = new Map<string, Alert['level']>()
    for (const a of all.value) {
      if (a.state !== 'new' || (a.level !== 'red' && a.level !== 'orange')) continue
      if (out.get(a.township.code) !== 'red') out.set(a.township.code, a.level)
    }
    return out
  })
  return { ticker, kpis, unacknowledgedRed, pulsing }
}
