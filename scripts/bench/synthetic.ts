// In-memory synthetic events and the 20-rule set for the pure-core benchmarks (backtest,
// per-event scoring cost). Seeded, so every run scores the same stream.
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import type { RiskEvent, TownshipContext } from '../../server/domain/event.ts'
import { type CompiledRuleSet, type RuleSetDocument, validateRuleSet } from '../../server/domain/ruleset.ts'
import { CATEGORIES, SOURCES, type Source } from '../../server/domain/taxonomy.ts'
import { mulberry32 } from '../lib/mulberry32.ts'

/** The demo county's 14 default rules plus 6 more of every kind: 20 rules. */
export function benchRuleSet(): CompiledRuleSet {
  const doc: RuleSetDocument = structuredClone(DEFAULT_RULE_SET)
  doc.rules.push(
    { id: 'x-land', name: 'land', kind: 'threshold', when: "source == 'dispute' && category == 'land'", window: '3d', count: 6, points: 10, halfLife: '24h' },
    { id: 'x-fire', name: 'fire', kind: 'trigger', when: "source == 'incident' && category == 'fire'", points: 5, halfLife: '24h' },
    { id: 'x-visit', name: 'visit', kind: 'trigger', when: "source == 'petition' && has(attributes.form) && attributes.form == 'visit'", points: 3, halfLife: '24h' },
    { id: 'x-people', name: 'people', kind: 'threshold', when: "source == 'petition'", sum: 'peopleCount', window: '2d', count: 40, points: 10, halfLife: '24h' },
    { id: 'x-anom-d', name: 'dispute anomaly', kind: 'anomaly', when: "source == 'dispute'", method: 'C1', points: 8, halfLife: '24h' },
    { id: 'x-cusum', name: 'petition cusum', kind: 'anomaly', when: "source == 'petition'", method: 'cusum', points: 8, halfLife: '24h' },
  )
  const v = validateRuleSet(doc)
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  return v.ruleSet
}

export function townshipList(n: number): TownshipContext[] {
  return Array.from({ length: n }, (_, i) => ({
    code: String(100_000_001 + i),
    name: `T${i + 1}`,
    tags: i % 9 === 4 ? ['border'] : [],
  }))
}

const FORMS = ['letter', 'visit', 'online', 'hotline']
const CATS: Record<Source, string[]> = {
  dispute: Object.keys(CATEGORIES.dispute),
  petition: Object.keys(CATEGORIES.petition),
  incident: Object.keys(CATEGORIES.incident),
}

/**
 * n events evenly over [start, start + spanMs), in time order (ids follow), over the townships
 * with a power-law popularity (rand² picks: the first townships are the busiest), 30 % with a
 * party hash from a pool of `parties` (heavy-tailed too, so some parties recur and escalate).
 */
export function syntheticEvents(options: { n: number; townships: readonly TownshipContext[]; start: number; spanMs: number; seed?: number; parties?: number; firstId?: number }): RiskEvent[] {
  const { n, townships, start, spanMs } = options
  const rand = mulberry32(options.seed ?? 42)
  const parties = options.parties ?? 50_000
  const firstId = options.firstId ?? 1
  const events: RiskEvent[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const source = SOURCES[Math.floor(rand() * 3)] as Source
    const cats = CATS[source]
    const occurredAt = start + Math.floor((i / n) * spanMs)
    events[i] = {
      id: firstId + i,
      source,
      sourceSystem: 'bench',
      externalId: `e${firstId + i}`,
      township: (townships[Math.floor(rand() ** 2 * townships.length)] as TownshipContext).code,
      village: null,
      grid: null,
      category: cats[Math.floor(rand() * cats.length)] as string,
      severity: rand() < 0.9 ? 1 + Math.floor(rand() * 2) : 3 + Math.floor(rand() * 2),
      peopleCount: rand() < 0.02 ? 6 : 1,
      occurredAt,
      reportedAt: occurredAt,
      status: 'open',
      title: null,
      partyHashes: rand() < 0.3 ? [`p${Math.floor(rand() ** 1.5 * parties)}`] : [],
      attributes:
        source === 'dispute'
          ? { flags: rand() < 0.05 ? ['group'] : [] }
          : source === 'petition'
            ? { form: FORMS[Math.floor(rand() * 4)], repeat: rand() < 0.1 }
            : {},
    }
  }
  return events
}

/** CPU seconds (user + system, all threads: GC included) spent in `work`, and wall seconds. */
export function measure<T>(work: () => T): { result: T; cpu: number; wall: number } {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const result = work()
  const wall = (performance.now() - t0) / 1000
  const c = process.cpuUsage(c0)
  return { result, cpu: (c.user + c.system) / 1e6, wall }
}
