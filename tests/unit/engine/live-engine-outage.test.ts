// The engine's own clock tick meets a database outage (docs/architecture.md §13): the step fails and is logged,
// the ticks go on, and nothing escapes as an unhandled rejection — which Node turns into a
// process exit, so one failed write on a timer would take the whole server down.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RiskEvent, ZeroReport } from '../../../server/domain/event.ts'
import { type EngineStore, LiveEngine } from '../../../server/engine/live-engine.ts'
import { compile, D, ev, H, T0, TOWNSHIPS, TZ } from '../domain/helpers.ts'

const ruleSet = compile({
  rules: [{ id: 'collective', name: '集体访', kind: 'trigger', when: "source == 'petition' && peopleCount >= 5", points: 35, halfLife: '72h', alert: 'orange' }],
})

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)
afterEach(() => {
  process.off('unhandledRejection', onUnhandled)
})

describe('the live engine during a database outage', () => {
  it('a tick whose writes fail is logged, never an unhandled rejection, and the ticks go on', async () => {
    process.on('unhandledRejection', onUnhandled)
    // Each read of the clock is an hour later: every tick has decay to save.
    const clock = { now: T0 + 10 * D }
    const stored: Array<RiskEvent & { receivedAt: number }> = [{ ...ev({ id: 1, occurredAt: clock.now - H, peopleCount: 8, township: '990100002' }), receivedAt: clock.now - H }]
    let down = false
    let failedWrites = 0
    const store: EngineStore = {
      loadInputs: async () => ({ ruleSet, townships: TOWNSHIPS, calendar: [] }),
      dataStart: async () => stored[0]!.occurredAt,
      async *eventsSince() {
        yield stored
      },
      zeroReportsSince: async (): Promise<ZeroReport[]> => [],
      saveRisk: async () => {
        if (down) {
          failedWrites++
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
        }
      },
      alertKeys: async () => ({ open: new Map(), openRecovered: new Set(), lastSeen: new Map() }),
    }
    const errors: unknown[] = []
    const engine = new LiveEngine({
      store,
      sink: { applyAlerts: async () => {}, riskChanged: () => {} },
      timeZone: TZ,
      now: () => (clock.now += H),
      tickMs: 5,
      refreshMs: 0,
      log: { info: () => {}, error: (obj) => void errors.push(obj) },
    })
    await engine.start()
    down = true
    await vi.waitFor(() => expect(failedWrites).toBeGreaterThanOrEqual(3))
    // Let any rejection reach the unhandled-rejection hook (it fires after the microtask queue drains).
    await new Promise((r) => setTimeout(r, 50))
    await engine.stop()
    expect(unhandled).toEqual([])
    expect(errors.length).toBeGreaterThanOrEqual(3)
  })
})
