import { describe, expect, it, vi } from 'vitest'
import type { AlertDecision, TownshipSnapshot } from '../../../server/domain/engine.ts'
import type { RiskEvent, ZeroReport } from '../../../server/domain/event.ts'
import { type EngineStore, LiveEngine } from '../../../server/engine/live-engine.ts'
import type { AlertLevel, CompiledRuleSet } from '../../../server/domain/ruleset.ts'
import { compile, D, ev, H, T0, TOWNSHIPS, TZ } from '../domain/helpers.ts'

// A trigger with an alert, and points that lift the township to yellow (30).
const ruleSet = compile({
  rules: [{ id: 'collective', name: '集体访', kind: 'trigger', when: "source == 'petition' && peopleCount >= 5", points: 35, halfLife: '72h', alert: 'orange' }],
})

/** The store and sink as memory: what the runner reads, and everything it hands on. */
function harness(stored: Array<RiskEvent & { receivedAt: number }>, clock: { now: number }, rules: CompiledRuleSet = ruleSet) {
  const alerts = { open: new Map<string, AlertLevel>(), openRecovered: new Set<string>(), lastSeen: new Map<string, number>() }
  const applied: AlertDecision[] = []
  const saved: TownshipSnapshot[] = []
  const pushed: Array<{ township: string; score: number; level: string }> = []
  const store: EngineStore = {
    loadInputs: async () => ({ ruleSet: rules, townships: TOWNSHIPS, calendar: [] }),
    dataStart: async (since) => {
      const times = stored.map((e) => e.occurredAt).filter((t) => t >= since.getTime())
      return times.length ? Math.min(...times) : null
    },
    async *eventsSince(since) {
      yield stored.filter((e) => e.occurredAt >= since.getTime())
    },
    zeroReportsSince: async (): Promise<ZeroReport[]> => [],
    saveRisk: async (s) => void saved.push(...s),
    alertKeys: async () => alerts,
  }
  const engine = new LiveEngine({
    store,
    sink: {
      // The sink behaves like the alert store: a raise opens the key, a recover marks it.
      async applyAlerts(decisions) {
        for (const d of decisions) {
          applied.push(d)
          if (d.kind === 'raise') alerts.open.set(d.key, d.level as AlertLevel)
          if (d.kind === 'recover') alerts.openRecovered.add(d.key)
          alerts.lastSeen.set(d.key, d.at)
        }
      },
      riskChanged: (changes) => void pushed.push(...changes),
    },
    timeZone: TZ,
    now: () => clock.now,
    tickMs: 0,
  })
  return { engine, store, alerts, applied, saved, pushed }
}

const collective = (id: number, at: number) => ({ ...ev({ id, occurredAt: at, peopleCount: 8, township: '990100002' }), receivedAt: at })

describe('the live engine runner', () => {
  it('raises an alert for an accepted event and pushes the township change', async () => {
    const clock = { now: T0 + 10 * D }
    const h = harness([], clock)
    await h.engine.start()
    await h.engine.ingest([collective(1, clock.now - H)])
    expect(h.applied.filter((d) => d.kind === 'raise').map((d) => d.key)).toContain('990100002|collective')
    expect(h.pushed.at(-1)).toMatchObject({ township: '990100002', level: 'yellow' })
    expect(h.saved.some((s) => s.township === '990100002' && s.score > 30)).toBe(true)
    await h.engine.stop()
  })

  it('on restart raises what a crash lost, once, and never what is already stored', async () => {
    const clock = { now: T0 + 10 * D }
    const history = [collective(1, clock.now - 2 * H)]
    // First start: the event was stored but the process died before its alert was written.
    const first = harness(history, clock)
    await first.engine.start()
    // The rule's alert and the township's level alert (35 points is yellow), once each.
    expect(first.applied.filter((d) => d.kind === 'raise').map((d) => d.key).sort()).toEqual(['990100002|collective', '990100002|level'])
    // Second start with that alert in the store: nothing is raised again.
    const second = harness(history, clock)
    for (const key of ['990100002|collective', '990100002|level']) {
      second.alerts.open.set(key, 'orange')
      second.alerts.lastSeen.set(key, clock.now - 2 * H)
    }
    await second.engine.start()
    expect(second.applied).toEqual([])
    // The rebuilt state is the same as the live one.
    expect(second.engine.snapshot()).toEqual(first.engine.snapshot())
  })

  it('marks a stored open alert recovered when its condition no longer holds', async () => {
    const clock = { now: T0 + 30 * D }
    const h = harness([], clock)
    h.alerts.open.set('990100003|collective', 'orange')
    await h.engine.start()
    expect(h.applied).toEqual([expect.objectContaining({ kind: 'recover', key: '990100003|collective', ruleId: 'collective', township: '990100003', level: 'orange' })])
  })

  it('while paused leaves events to the rebuild, which raises only what still holds', async () => {
    const clock = { now: T0 + 20 * D }
    const stored: Array<RiskEvent & { receivedAt: number }> = []
    const h = harness(stored, clock)
    await h.engine.start()
    h.engine.pause()
    // A backfill: an old collective petition (long decayed) and a recent one.
    const old = collective(1, clock.now - 15 * D)
    const recent = collective(2, clock.now - 3 * H)
    stored.push(old, recent)
    await h.engine.ingest([old, recent])
    expect(h.applied).toEqual([])
    await h.engine.resume()
    const raises = h.applied.filter((d) => d.kind === 'raise')
    expect(raises.map((d) => d.key).sort()).toEqual(['990100002|collective', '990100002|level'])
    expect(raises.find((d) => d.ruleId === 'collective')).toMatchObject({ eventId: 2 })
  })

  it('reports decay alone only when the shown score changes', async () => {
    const clock = { now: T0 + 10 * D }
    const h = harness([collective(1, T0 + 10 * D - H)], clock)
    await h.engine.start()
    const before = h.pushed.length
    clock.now += 1_000
    await h.engine.tick() // within the refresh interval: nothing
    expect(h.pushed.length).toBe(before)
    clock.now += 6 * H
    await h.engine.tick()
    const last = h.pushed.filter((p) => p.township === '990100002').at(-1)!
    expect(last.score).toBeLessThan(35)
    expect(last.score).toBeGreaterThan(20)
  })

  it('refreshes only townships that can decay, and reports a decayed one at zero once when its last signal expires', async () => {
    const clock = { now: T0 + 10 * D }
    const h = harness([collective(1, T0 + 10 * D - H)], clock)
    await h.engine.start()
    const before = h.pushed.length
    // Every 5 s for a day, then past the signal's expiry (72 h half-life, 35 points: ~18 days).
    for (let i = 0; i < 24 * 12; i++) {
      clock.now += 5 * 60_000
      await h.engine.tick()
    }
    clock.now += 20 * D
    await h.engine.tick()
    clock.now += 5 * 60_000
    await h.engine.tick()
    const after = h.pushed.slice(before)
    // The quiet townships were never pushed again: only the one with a signal decays.
    expect(new Set(after.map((p) => p.township))).toEqual(new Set(['990100002']))
    const scores = after.map((p) => p.score)
    expect(scores.every((v, i) => i === 0 || v < scores[i - 1]!)).toBe(true)
    expect(scores.filter((v) => v === 0)).toEqual([0])
    expect(h.engine.snapshot().find((s) => s.township === '990100002')).toMatchObject({ score: 0, level: 'blue' })
  })

  it('does not take a new installation for a feed gap: silence counts from when data begin', async () => {
    const clock = { now: T0 + 60 * D }
    const silence = compile({ rules: [{ id: 'no-report', name: '未报告', kind: 'silence', window: '24h', alert: 'yellow' }] })
    const h = harness([], clock, silence)
    await h.engine.start()
    expect(h.applied).toEqual([])
    clock.now += 25 * H
    await h.engine.tick()
    expect(h.applied.filter((d) => d.kind === 'raise').map((d) => d.key).sort()).toEqual(TOWNSHIPS.map((t) => `${t.code}|no-report`).sort())
  })

  it('keeps trying when the store fails at start, and catches up once it answers', async () => {
    const clock = { now: T0 + 10 * D }
    const h = harness([collective(1, clock.now - H)], clock)
    let failures = 1
    const engine = new LiveEngine({
      store: {
        ...h.store,
        loadInputs: async () => {
          if (failures-- > 0) throw new Error('database down')
          return { ruleSet, townships: TOWNSHIPS, calendar: [] }
        },
      },
      sink: { applyAlerts: async (d) => void h.applied.push(...d), riskChanged: () => {} },
      timeZone: TZ,
      now: () => clock.now,
      tickMs: 0,
      retryMs: 10,
    })
    await engine.start()
    expect(engine.running).toBe(false)
    await vi.waitFor(() => expect(engine.running).toBe(true))
    expect(h.applied.some((d) => d.key === '990100002|collective')).toBe(true)
    await engine.stop()
  })
})
