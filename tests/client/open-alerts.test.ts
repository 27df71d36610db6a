import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { ALERT_STATES, OPEN_ALERT_STATES } from '#contract/alerts.ts'
import { buildQueue, DEFAULT_FILTER } from '../../client/src/screens/duty/logic.ts'
import { useAlertsStore } from '../../client/src/stores/alerts.ts'
import { alertJson } from './helpers/alert.ts'

const NOW = Date.parse('2026-11-23T10:00:00+08:00')

beforeEach(() => {
  setActivePinia(createPinia())
})

describe('the one meaning of an open alert', () => {
  // Every state, escalated and recovered ones among them, at every alert level.
  const alerts = ALERT_STATES.flatMap((state, i) =>
    (['yellow', 'orange', 'red'] as const).map((level, j) =>
      alertJson({ id: i * 3 + j + 1, state, level, escalated: j === 1, recovered: j === 2, raisedAt: new Date(NOW - (i * 3 + j) * 60_000).toISOString() }),
    ),
  )

  it("gives the wall's 在办 and the duty console's 未关闭 the same count on the same data", () => {
    const store = useAlertsStore()
    for (const a of alerts) store.upsert(a)
    const wallOpen = store.kpis.openTotal
    const dutyOpen = buildQueue(store.all, DEFAULT_FILTER, NOW).length
    expect(wallOpen).toBe(dutyOpen)
    // Open is "not closed": a resolved alert still awaits its follow-up visit (回访).
    expect(wallOpen).toBe(alerts.filter((a) => a.state !== 'closed').length)
    expect(OPEN_ALERT_STATES).toEqual(['new', 'acknowledged', 'dispatched', 'resolved'])
  })

  it('agrees level by level', () => {
    const store = useAlertsStore()
    for (const a of alerts) store.upsert(a)
    for (const level of ['yellow', 'orange', 'red'] as const) {
      expect(store.kpis.openByLevel[level]).toBe(buildQueue(store.all, { ...DEFAULT_FILTER, level }, NOW).length)
    }
  })
})
