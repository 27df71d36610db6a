import { describe, expect, it, vi } from 'vitest'
import type { AlertDecision, TownshipSnapshot } from '../../../server/domain/engine.ts'
import type { RiskEvent, ZeroReport } from '../../../server/domain/event.ts'
import { type EngineStore, LiveEngine } from '../../../server/engine/live-engine.ts'
import type { AlertLevel, CompiledRuleSet } from '../../../server/domain/ruleset.ts'
import { DEFAULT_RULE_SET } from '../../../server/domain/default-ruleset.ts'
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

  it('does not score twice an event the rebuild already read while it was on its way to the engine', async () => {
    const clock = { now: T0 + 10 * D }
    // Committed 5 s ago: the rebuild (a start, or a publish) reads it, and its hand-off is still queued.
    const inFlight = { ...collective(1, clock.now - 5_000), receivedAt: clock.now - 5_000 }
    const h = harness([inFlight], clock)
    await h.engine.start()
    const signalsAfterRebuild = h.engine.explain('990100002')!.signals.length
    expect(signalsAfterRebuild).toBe(1)
    await h.engine.ingest([inFlight])
    expect(h.engine.explain('990100002')!.signals).toHaveLength(1)
    // Only once: a genuinely new event, and a later re-delivery of another, still count.
    await h.engine.ingest([collective(2, clock.now)])
    expect(h.engine.explain('990100002')!.signals).toHaveLength(2)
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

describe('a rebuild', () => {
  // mulberry32: the stream is random but the same on every run
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) >>> 0
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }

  /**
   * Three weeks of a busy county under the default rules (every kind: triggers with modifiers,
   * thresholds, anomaly, escalation across sources, silence with sparse zero reports), events
   * arriving in id order, some reported late.
   */
  function county(seed: number) {
    const rand = prng(seed)
    const start = T0
    const end = T0 + 21 * D
    const cats = { petition: ['labour', 'demolition', 'rural'], dispute: ['wages', 'land', 'demolition', 'family'], incident: ['mass', 'traffic', 'public_order'] } as const
    const events: Array<RiskEvent & { receivedAt: number }> = []
    let received = start + H
    for (let id = 1; received < end; id++) {
      // now and then the county goes quiet for a day or two, and feeds fall silent
      received += rand() < 0.005 ? D + Math.floor(rand() * D) : Math.floor(rand() * 40 * 60_000)
      const source = (['petition', 'dispute', 'incident'] as const)[Math.floor(rand() * 3)]!
      const late = rand() < 0.1 ? Math.floor(rand() * 2 * D) : Math.floor(rand() * 10 * 60_000)
      const flags = rand() < 0.1 ? ['group'] : rand() < 0.1 ? ['civil_to_criminal'] : []
      events.push({
        ...ev({
          id,
          source,
          category: cats[source][Math.floor(rand() * cats[source].length)]!,
          township: TOWNSHIPS[Math.floor(rand() ** 2 * TOWNSHIPS.length)]!.code,
          occurredAt: Math.max(start, received - late),
          severity: 1 + Math.floor(rand() * 4),
          peopleCount: rand() < 0.05 ? 6 : 1,
          partyHashes: rand() < 0.3 ? [`p${Math.floor(rand() * 40)}`] : [],
          attributes: source === 'petition' ? { repeat: rand() < 0.2, abnormal: rand() < 0.03 } : { flags },
        }),
        receivedAt: received,
      })
    }
    // Zero reports on some days only, so feeds fall silent and recover.
    const reports: ZeroReport[] = TOWNSHIPS.map((t) => ({ township: t.code, date: '2024-06-01', at: start }))
    for (let day = 1; day < 21; day++) {
      for (const t of TOWNSHIPS) if (rand() < 0.4) reports.push({ township: t.code, date: `d${day}`, at: start + day * D + 20 * H })
    }
    return { events, reports: reports.sort((a, b) => a.at - b.at), start, end }
  }

  it('reaches the same scores, signals and alerts as the live run that saw the events one by one', async () => {
    const { events, reports, start, end } = county(20_261_123)
    const rules = compile(structuredClone(DEFAULT_RULE_SET))
    const clock = { now: start }
    // What the alert store holds, as the alert service keeps it: a raise opens a key, a recover closes it.
    const open = new Map<string, { level: AlertLevel; lastSeen: number }>()
    const liveDecisions: AlertDecision[] = []
    const store = (visible: { events: typeof events; reports: ZeroReport[] }): EngineStore => ({
      loadInputs: async () => ({ ruleSet: rules, townships: TOWNSHIPS, calendar: [] }),
      dataStart: async (since) => {
        const times = [...visible.events.map((e) => e.occurredAt), ...visible.reports.map((r) => r.at)].filter((t) => t >= since.getTime())
        return times.length ? Math.min(...times) : null
      },
      async *eventsSince(since) {
        // pages, as the database gives them
        const list = visible.events.filter((e) => e.occurredAt >= since.getTime())
        for (let i = 0; i < list.length; i += 100) yield list.slice(i, i + 100)
      },
      zeroReportsSince: async (since) => visible.reports.filter((r) => r.at >= since.getTime()),
      saveRisk: async () => {},
      alertKeys: async () => ({
        open: new Map([...open].map(([k, v]) => [k, v.level])),
        openRecovered: new Set(),
        lastSeen: new Map([...open].map(([k, v]) => [k, v.lastSeen])),
      }),
    })
    const live = new LiveEngine({
      store: store({ events: [], reports: [] }),
      sink: {
        async applyAlerts(decisions) {
          for (const d of decisions) {
            liveDecisions.push(d)
            if (d.kind === 'recover') open.delete(d.key)
            else open.set(d.key, { level: d.level as AlertLevel, lastSeen: d.at })
          }
        },
        riskChanged: () => {},
      },
      timeZone: TZ,
      now: () => clock.now,
      tickMs: 0,
    })
    await live.start()
    // Zero reports and events as they arrive, the clock ticking every 10 minutes between them.
    const arrivals = [...events.map((e) => ({ at: e.receivedAt, event: e })), ...reports.map((r) => ({ at: r.at, report: r }))].sort((a, b) => a.at - b.at)
    let nextTick = start + 10 * 60_000
    for (const a of arrivals) {
      while (nextTick <= a.at) {
        clock.now = nextTick
        await live.tick()
        nextTick += 10 * 60_000
      }
      clock.now = a.at
      if ('event' in a && a.event) await live.ingest([a.event])
      else if ('report' in a && a.report) await live.zeroReport(a.report)
    }
    clock.now = end
    await live.tick()
    // The stream exercised what the rebuild must reproduce.
    const kinds = new Set(liveDecisions.map((d) => `${d.kind}:${d.ruleId ?? 'level'}`))
    for (const k of ['raise:no-report', 'recover:no-report', 'raise:level', 'raise:escalation', 'repeat:group-dispute']) expect(kinds).toContain(k)

    // A restart on the same store: the same state, and nothing to reconcile.
    const restartDecisions: AlertDecision[] = []
    const rebuilt = new LiveEngine({
      store: store({ events, reports }),
      sink: { applyAlerts: async (d) => void restartDecisions.push(...d), riskChanged: () => {} },
      timeZone: TZ,
      now: () => clock.now,
      tickMs: 0,
    })
    await rebuilt.start()
    expect(rebuilt.lastRebuild?.events).toBe(events.length)
    expect(rebuilt.snapshot()).toEqual(live.snapshot())
    for (const t of TOWNSHIPS) expect(rebuilt.explain(t.code)).toEqual(live.explain(t.code))
    expect(restartDecisions).toEqual([])

    // With the alert store emptied (every alert lost), it raises exactly the alerts open in the
    // live run. (Their times may be earlier than the live run's last firing: a late event is
    // stamped with its township's clock, which live ticks move and a replay does not.)
    const lost = new LiveEngine({
      store: { ...store({ events, reports }), alertKeys: async () => ({ open: new Map(), openRecovered: new Set(), lastSeen: new Map() }) },
      sink: { applyAlerts: async (d) => void restartDecisions.push(...d), riskChanged: () => {} },
      timeZone: TZ,
      now: () => clock.now,
      tickMs: 0,
    })
    await lost.start()
    expect(open.size).toBeGreaterThan(0)
    expect(restartDecisions.map((d) => d.key).sort()).toEqual([...open.keys()].sort())
    for (const d of restartDecisions) {
      expect(d.kind).toBe('raise')
      expect(d.at).toBeLessThanOrEqual(open.get(d.key)!.lastSeen)
    }
    await Promise.all([live.stop(), rebuilt.stop(), lost.stop()])
  })
})
