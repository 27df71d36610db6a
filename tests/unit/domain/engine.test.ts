import { describe, expect, it } from 'vitest'
import { compile, D, engineFor, ev, H, T0 } from './helpers.ts'

const collective = {
  id: 'collective',
  name: '集体访',
  kind: 'trigger' as const,
  when: "source == 'petition' && peopleCount >= 5",
  points: 25,
  halfLife: '72h',
  alert: 'orange' as const,
}

describe('trigger rules', () => {
  it('fire a signal per matching event, raise once and repeat while active', () => {
    const e = engineFor(compile({ rules: [collective] }))
    const o1 = e.ingest(ev({ occurredAt: T0 + H, peopleCount: 6 }), T0 + H)
    expect(o1.signals).toHaveLength(1)
    expect(o1.signals[0]).toMatchObject({ ruleId: 'collective', points: 25, factor: 1, at: T0 + H })
    expect(o1.alerts).toEqual([expect.objectContaining({ kind: 'raise', key: '990100001|collective', level: 'orange', at: T0 + H })])
    expect(o1.changes).toEqual([{ township: '990100001', score: 25, level: 'blue', previousLevel: 'blue' }])
    expect(e.ingest(ev({ occurredAt: T0 + 2 * H, peopleCount: 2 }), T0 + 2 * H).signals).toHaveLength(0)
    const o2 = e.ingest(ev({ occurredAt: T0 + 3 * H, peopleCount: 9 }), T0 + 3 * H)
    expect(o2.alerts.map((a) => [a.kind, a.key, a.level])).toEqual([
      ['repeat', '990100001|collective', 'orange'],
      ['raise', '990100001|level', 'yellow'],
    ])
  })

  it('decay by half at one half-life, in the explanation and the score', () => {
    const e = engineFor(compile({ rules: [collective] }))
    const first = ev({ occurredAt: T0, peopleCount: 5 })
    e.ingest(first, T0)
    const x = e.explain('990100001', T0 + 72 * H)
    expect(x.score).toBe(12.5)
    expect(x.signals).toEqual([expect.objectContaining({ ruleId: 'collective', ruleName: '集体访', points: 25, pointsNow: 12.5, eventIds: [first.id] })])
  })

  it('recover the rule alert exactly when the last signal expires, whatever the tick schedule', () => {
    const rule = { ...collective, points: 16, halfLife: '1h', alert: 'yellow' as const }
    const expected = T0 + 5 * H // 16 → 0.5 after log2(32) = 5 half-lives
    for (const step of [1000, 7 * 60_000, 3 * H]) {
      const e = engineFor(compile({ rules: [rule] }))
      e.ingest(ev({ occurredAt: T0, peopleCount: 5 }), T0)
      const recovered = []
      for (let t = T0 + step; t <= T0 + 8 * H; t += step) recovered.push(...e.tick(t).alerts)
      recovered.push(...e.tick(T0 + 8 * H).alerts)
      expect(recovered).toEqual([expect.objectContaining({ kind: 'recover', key: '990100001|collective', at: expected })])
    }
  })

  it('apply rule-set and rule modifiers (border township, sensitive period)', () => {
    const rs = compile({
      rules: [{ ...collective, modifiers: [{ when: 'severity >= 3', factor: 2 }] }],
      modifiers: [
        { when: "township.tags.exists(t, t == 'border')", factor: 1.5 },
        { when: 'calendar.sensitive', factor: 2 },
      ],
    })
    const e = engineFor(rs, { calendar: [{ name: '两会', from: T0 + D, to: T0 + 2 * D }] })
    const plain = e.ingest(ev({ occurredAt: T0 + H, peopleCount: 5, township: '990100003' }), T0 + H)
    expect(plain.signals[0]!.points).toBe(25)
    const border = e.ingest(ev({ occurredAt: T0 + 2 * H, peopleCount: 5, township: '990100002' }), T0 + 2 * H)
    expect(border.signals[0]).toMatchObject({ points: 37.5, factor: 1.5 })
    const all = e.ingest(ev({ occurredAt: T0 + D, peopleCount: 5, township: '990100002', severity: 3 }), T0 + D)
    expect(all.signals[0]).toMatchObject({ points: 150, factor: 6 })
    // the sensitive period is half-open [from, to)
    const after = e.ingest(ev({ occurredAt: T0 + 2 * D, peopleCount: 5, township: '990100003' }), T0 + 2 * D)
    expect(after.signals[0]!.factor).toBe(1)
    // capped at 100
    expect(e.snapshot(T0 + D).find((s) => s.township === '990100002')!.score).toBe(100)
  })

  it('score a late event with the points it has decayed to', () => {
    const e = engineFor(compile({ rules: [collective] }))
    e.tick(T0 + 10 * D)
    e.ingest(ev({ occurredAt: T0 + 7 * D, peopleCount: 5 }), T0 + 10 * D)
    expect(e.scoreOf('990100001', T0 + 10 * D)).toBeCloseTo(12.5, 10)
  })
})

describe('levels', () => {
  it('drop at the exact millisecond the score crosses the hysteresis line, and recover at blue', () => {
    const rs = compile({ rules: [{ id: 'big', name: 'big', kind: 'trigger', when: 'severity == 4', points: 60, halfLife: '1h' }] })
    // 60·2^(−t/h) < 50 first at t > h·log2(1.2); < 25 first at t > h·log2(2.4)
    const toYellow = T0 + Math.floor(H * Math.log2(60 / 50)) + 1
    const toBlue = T0 + Math.floor(H * Math.log2(60 / 25)) + 1
    for (const step of [500, 60_000, 6 * H]) {
      const e = engineFor(rs)
      const o = e.ingest(ev({ occurredAt: T0, severity: 4 }), T0)
      expect(o.alerts).toEqual([expect.objectContaining({ kind: 'raise', key: '990100001|level', level: 'orange' })])
      const changes = []
      const alerts = []
      for (let t = T0 + step; t <= T0 + 6 * H; t += step) {
        const out = e.tick(t)
        changes.push(...out.changes)
        alerts.push(...out.alerts)
      }
      expect(alerts).toEqual([expect.objectContaining({ kind: 'recover', key: '990100001|level', level: 'yellow', at: toBlue })])
      expect(changes.map((c) => c.level).filter((l, i, a) => l !== a[i - 1])).toEqual(
        step >= 2 * H ? ['blue'] : ['orange', 'yellow', 'blue'].slice(changes[0]!.level === 'orange' ? 0 : 1),
      )
      if (step < 2 * H) expect(e.levelOf('990100001')).toBe('blue')
    }
    // just before the drop line the level holds
    const e = engineFor(rs)
    e.ingest(ev({ occurredAt: T0, severity: 4 }), T0)
    e.tick(toYellow - 1)
    expect(e.levelOf('990100001')).toBe('orange')
    e.tick(toYellow)
    expect(e.levelOf('990100001')).toBe('yellow')
  })
})

describe('threshold rules', () => {
  const wages = {
    id: 'wages',
    name: '欠薪聚集',
    kind: 'threshold' as const,
    when: "source == 'dispute' && category == 'wages'",
    window: '7d',
    count: 3,
    points: 20,
    alert: 'yellow' as const,
  }
  const dispute = (t: number) => ev({ occurredAt: t, source: 'dispute', category: 'wages' })

  it('do not count an event exactly one window old (the window is (t − w, t])', () => {
    const e = engineFor(compile({ rules: [wages] }))
    e.ingest(dispute(T0), T0)
    e.ingest(dispute(T0 + D), T0 + D)
    expect(e.ingest(dispute(T0 + 7 * D), T0 + 7 * D).signals).toHaveLength(0)
  })

  it('fire at the crossing, refresh while holding, recover when the window falls below count', () => {
    const e = engineFor(compile({ rules: [wages] }))
    e.ingest(dispute(T0), T0)
    e.ingest(dispute(T0 + D), T0 + D)
    const cross = e.ingest(dispute(T0 + 7 * D - 1), T0 + 7 * D - 1)
    expect(cross.signals).toHaveLength(1)
    expect(cross.signals[0]!.eventIds).toHaveLength(3)
    expect(cross.alerts[0]).toMatchObject({ kind: 'raise', key: '990100001|wages' })
    const refresh = e.ingest(dispute(T0 + 6 * D), T0 + 6 * D)
    expect(refresh.alerts[0]).toMatchObject({ kind: 'repeat' })
    // the firing names the refreshing event; the explanation lists the window (a late event,
    // inserted in time order: four in the window now)
    expect(refresh.signals[0]!.eventIds).toEqual([refresh.alerts[0]!.eventId])
    expect(e.explain('990100001', T0 + 7 * D - 1).signals[0]!.eventIds).toHaveLength(4)
    // no half-life: full points while holding
    expect(e.scoreOf('990100001', T0 + 6 * D + H)).toBe(20)
    // T0 leaves at T0+7d but three remain (T0+1d, T0+6d, T0+7d−1); T0+1d leaves at T0+8d → 2 < 3
    const out = e.tick(T0 + 9 * D)
    expect(out.alerts).toEqual([expect.objectContaining({ kind: 'recover', key: '990100001|wages', at: T0 + 8 * D })])
    expect(e.scoreOf('990100001', T0 + 9 * D)).toBe(0)
  })

  it('sum a numeric field instead of counting, and decay from the last refresh after it stops holding', () => {
    const rule = { id: 'crowd', name: 'crowd', kind: 'threshold' as const, when: "source == 'petition'", sum: 'peopleCount', window: '1d', count: 10, points: 20, halfLife: '12h' }
    const e = engineFor(compile({ rules: [rule] }))
    expect(e.ingest(ev({ occurredAt: T0, peopleCount: 4 }), T0).signals).toHaveLength(0)
    const o = e.ingest(ev({ occurredAt: T0 + H, peopleCount: 6 }), T0 + H)
    expect(o.signals[0]).toMatchObject({ points: 20, at: T0 + H })
    // stops holding at T0 + 1d (the 4-person petition leaves); still decaying from T0 + 1h
    e.tick(T0 + D + 1)
    expect(e.scoreOf('990100001', T0 + D + 1)).toBeCloseTo(20 * 0.5 ** ((D + 1 - H) / (12 * H)), 10)
    // without further refreshes it is dropped once it decays below ε: log2(20/0.5) half-lives after T0+1h
    e.tick(T0 + H + Math.ceil(Math.log2(40) * 12 * H))
    expect(e.explain('990100001', T0 + 3 * D).signals).toEqual([])
  })
})

describe('anomaly rules', () => {
  const anomaly = { id: 'inc', name: '警情异常', kind: 'anomaly' as const, when: "source == 'incident'", method: 'C2' as const, points: 15, halfLife: '24h', alert: 'yellow' as const }
  const incident = (t: number) => ev({ occurredAt: t, source: 'incident', category: 'public_order' })

  it('fire once per township-day at the event that tips the day over the bound', () => {
    const e = engineFor(compile({ rules: [anomaly] }))
    // one incident a day for 10 days (days 0..9), then day 10: bound = 1 + 3·max(0, 1) = 4
    for (let d = 0; d < 10; d++) e.ingest(incident(T0 + d * D + 10 * H), T0 + d * D + 10 * H)
    const fired = []
    for (let i = 0; i < 7; i++) {
      const t = T0 + 10 * D + 9 * H + i * 60_000
      fired.push(...e.ingest(incident(t), t).signals)
    }
    expect(fired).toHaveLength(1)
    expect(fired[0]!.at).toBe(T0 + 10 * D + 9 * H + 4 * 60_000) // the 5th of the day
  })

  it('count days in the configured time zone and need a full baseline after the origin', () => {
    const e = engineFor(compile({ rules: [anomaly] }))
    // day 8 is too early for C2 (needs days t−9..t−3 ≥ origin): no verdict even for a burst
    const burst = []
    for (let i = 0; i < 20; i++) burst.push(...e.ingest(incident(T0 + 8 * D + i), T0 + 8 * D + i).signals)
    expect(burst).toHaveLength(0)
    // 23:30 Beijing time on day 9 is 15:30 UTC: still day 9 locally
    expect(e.days.dayOf(T0 + 9 * D + 23.5 * H)).toBe(e.days.dayOf(T0 + 9 * D))
    expect(e.days.dateOf(e.days.dayOf(T0))).toBe('2024-06-01')
  })
})

describe('escalation rules', () => {
  const esc = { id: 'esc', name: '矛盾升级', kind: 'escalation' as const, window: '30d', minSources: 2, points: 30, halfLife: '7d', alert: 'orange' as const }

  it('fire once per chain in the completing event’s township, and again when it grows a source', () => {
    const e = engineFor(compile({ rules: [esc] }))
    const d1 = ev({ occurredAt: T0, source: 'dispute', category: 'land', partyHashes: ['p1'], township: '990100003' })
    expect(e.ingest(d1, T0).signals).toHaveLength(0)
    const p1 = ev({ occurredAt: T0 + 5 * D, source: 'petition', partyHashes: ['p1'], township: '990100001' })
    const fired = e.ingest(p1, T0 + 5 * D)
    // The dispute is in another township: its id stays there; the reason counts it.
    expect(fired.signals).toEqual([expect.objectContaining({ township: '990100001', ruleId: 'esc', eventIds: [p1.id] })])
    expect(fired.alerts[0]).toMatchObject({ kind: 'raise', key: '990100001|esc' })
    expect(fired.alerts[0]!.reason).toBe(`矛盾升级: one party across 2+ sources (events ${p1.id}; 1 more in other townships)`)
    // another petition of the same party: the same chain, no new signal
    expect(e.ingest(ev({ occurredAt: T0 + 6 * D, source: 'petition', partyHashes: ['p1'] }), T0 + 6 * D).signals).toHaveLength(0)
    // an incident: a third source, a further step
    const inc = ev({ occurredAt: T0 + 7 * D, source: 'incident', category: 'public_order', partyHashes: ['p1'] })
    expect(e.ingest(inc, T0 + 7 * D).signals[0]!.eventIds).toContain(inc.id)
  })

  it('ignore sightings that have left the window and other parties', () => {
    const e = engineFor(compile({ rules: [esc] }))
    e.ingest(ev({ occurredAt: T0, source: 'dispute', category: 'land', partyHashes: ['p1'] }), T0)
    expect(e.ingest(ev({ occurredAt: T0 + 30 * D, source: 'petition', partyHashes: ['p1'] }), T0 + 30 * D).signals).toHaveLength(0)
    expect(e.ingest(ev({ occurredAt: T0 + 31 * D, source: 'incident', category: 'fire', partyHashes: ['p2'] }), T0 + 31 * D).signals).toHaveLength(0)
  })
})

describe('silence rules', () => {
  const silence = { id: 'quiet', name: '未报告', kind: 'silence' as const, window: '24h', alert: 'yellow' as const }

  it('mark a township silent exactly one window after its last sign of life, and not as risk', () => {
    const e = engineFor(compile({ rules: [silence] }))
    e.ingest(ev({ occurredAt: T0 + H, township: '990100001' }), T0 + H)
    expect(e.tick(T0 + D - 1).alerts).toEqual([])
    const out = e.tick(T0 + D + H)
    // 990100002 and 990100003 never reported: silent from the origin + 24h; 990100001 at +25h
    expect(out.alerts.map((a) => [a.key, a.kind, a.at])).toEqual([
      ['990100002|quiet', 'raise', T0 + D],
      ['990100003|quiet', 'raise', T0 + D],
      ['990100001|quiet', 'raise', T0 + D + H],
    ])
    const snap = e.snapshot(T0 + D + H)
    expect(snap.every((s) => s.silent && s.score === 0 && s.level === 'blue')).toBe(true)
  })

  it('end with a zero report or an event, and recover', () => {
    const e = engineFor(compile({ rules: [silence] }))
    e.tick(T0 + 2 * D)
    const z = e.zeroReport({ township: '990100002', date: '2024-06-03', at: T0 + 2 * D + H }, T0 + 2 * D + H)
    expect(z.alerts).toEqual([expect.objectContaining({ kind: 'recover', key: '990100002|quiet', at: T0 + 2 * D + H })])
    const snap = new Map(e.snapshot(T0 + 2 * D + H).map((s) => [s.township, s.silent]))
    expect(snap.get('990100002')).toBe(false)
    expect(snap.get('990100003')).toBe(true)
  })

  it('refresh() reports decay of active townships only, when the shown score moves, and nothing once a township is quiet', () => {
    const rs = compile({ rules: [{ id: 't', name: 't', kind: 'trigger', when: "source == 'petition'", points: 40, halfLife: '24h' }] })
    const e = engineFor(rs)
    e.ingest(ev({ occurredAt: T0, township: '990100003' }), T0)
    expect(e.activeTownships()).toEqual(['990100003'])
    expect(e.refresh(T0)).toEqual([]) // already reported by ingest
    const later = e.refresh(T0 + 12 * H)
    expect(later).toEqual([{ township: '990100003', score: 28.3, level: 'yellow', previousLevel: 'yellow' }])
    expect(later[0]!.score).toBe(Math.round(e.scoreOf('990100003', T0 + 12 * H) * 10) / 10)
    expect(e.refresh(T0 + 12 * H + 1_000)).toEqual([]) // decayed by less than the shown decimal
    // The tick that expires the last signal reports the zero; refresh then has nothing to visit.
    const quiet = T0 + 10 * D
    expect(e.tick(quiet).changes).toEqual([expect.objectContaining({ township: '990100003', score: 0, level: 'blue' })])
    expect(e.activeTownships()).toEqual([])
    expect(e.refresh(quiet + D)).toEqual([])
  })
})

describe('refresh by due time', () => {
  const decaying = compile({
    rules: [
      { id: 'fast', name: 'fast', kind: 'trigger', when: "source == 'petition'", points: 40, halfLife: '24h', alert: 'yellow' },
      { id: 'slow', name: 'slow', kind: 'trigger', when: "source == 'dispute'", points: 12, halfLife: '7d' },
      { id: 'wages', name: 'wages', kind: 'threshold', when: "source == 'incident'", window: '2d', count: 3, points: 20, halfLife: '48h' },
      { id: 'quiet', name: 'quiet', kind: 'silence', window: '24h' },
    ],
  })

  it('visits a township at the first millisecond its shown score can move, and not before', () => {
    const e = engineFor(compile({ rules: [{ id: 't', name: 't', kind: 'trigger', when: "source == 'petition'", points: 40, halfLife: '24h' }] }))
    e.ingest(ev({ occurredAt: T0, township: '990100003' }), T0)
    // 40 shows 40.0 until the score falls below 39.95: after 24 h × log2(40 / 39.95)
    const exact = T0 + Math.ceil(D * Math.log2(40 / 39.95))
    const due = e.nextRefresh('990100003')
    expect(due).toBeLessThanOrEqual(exact)
    expect(due).toBeGreaterThanOrEqual(exact - 2)
    expect(e.refresh(due - 1)).toEqual([])
    expect(e.nextRefresh('990100003')).toBe(due) // not visited: its time had not come
    // visited at its time; the shown decimal moves a millisecond or two later
    expect(e.refresh(due)).toEqual([])
    expect(e.nextRefresh('990100003')).toBeGreaterThan(due)
    expect(e.nextRefresh('990100003')).toBeLessThanOrEqual(exact)
    expect(e.refresh(exact + 1)).toEqual([{ township: '990100003', score: 39.9, level: 'yellow', previousLevel: 'yellow' }])
    // the next decimal is about as far again
    expect(e.nextRefresh('990100003') - (exact + 1)).toBeGreaterThan((exact - T0) * 0.9)
  })

  it('leaves a slowly decaying township alone while a fast one is visited, and drops quiet ones from the queue', () => {
    const e = engineFor(decaying)
    e.ingest(ev({ occurredAt: T0, township: '990100001' }), T0) // 40 points, 24 h
    e.ingest(ev({ occurredAt: T0, township: '990100002', source: 'dispute' }), T0) // 12 points, 7 d
    expect(e.nextRefresh('990100003')).toBe(Number.POSITIVE_INFINITY) // nothing decays there
    const slow = e.nextRefresh('990100002')
    const fast = e.nextRefresh('990100001')
    expect(fast).toBeLessThan(slow)
    const changes = e.refresh(Math.floor((fast + slow) / 2))
    expect(changes.map((c) => c.township)).toEqual(['990100001'])
    expect(e.nextRefresh('990100002')).toBe(slow)
  })

  it('crossing a level by decay is reported by tick at the crossing, and refresh reports every shown move exactly once', () => {
    // An oracle that looks at every township at every step, as the refresh did before it had
    // a queue: what the engine reported must always equal what a screen should show.
    const e = engineFor(decaying)
    const codes = ['990100001', '990100002', '990100003']
    const shown = new Map(codes.map((c) => [c, { score: 0, level: 'blue' }]))
    const take = (changes: Array<{ township: string; score: number; level: string }>) => {
      for (const c of changes) shown.set(c.township, { score: c.score, level: c.level })
    }
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    let levelDrops = 0
    let refreshed = 0
    let t = T0
    const sources = ['petition', 'dispute', 'incident'] as const
    for (let step = 0; step < 4_000; step++) {
      t += Math.floor(random() * 20 * 60_000) + 5_000
      if (random() < 0.08) {
        const out = e.ingest(ev({ occurredAt: t, township: codes[Math.floor(random() * 3)]!, source: sources[Math.floor(random() * 3)]! }), t)
        take(out.changes)
      }
      const ticked = e.tick(t)
      levelDrops += ticked.changes.filter((c) => c.level !== c.previousLevel).length
      take(ticked.changes)
      const changes = e.refresh(t)
      // refresh reports decay only: no level or silence moves are left for it
      for (const c of changes) expect(c.level).toBe(shown.get(c.township)!.level)
      for (const c of changes) expect(c.score).not.toBe(shown.get(c.township)!.score)
      refreshed += changes.length
      take(changes)
      for (const s of e.snapshot(t)) expect(shown.get(s.township)).toEqual({ score: s.score, level: s.level })
      for (const code of codes) expect(e.nextRefresh(code)).toBeGreaterThan(t)
    }
    expect(levelDrops).toBeGreaterThan(0)
    expect(refreshed).toBeGreaterThan(100)
  })
})
