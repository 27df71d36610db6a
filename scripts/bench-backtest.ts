// Micro benchmark of the backtest path (DESIGN §10: 20 rules over 1 million events < 10 s).
// The synthetic county is ~12× the demo county's volume (1M events in a year over 12
// townships) with realistic rule hit rates (a few % to a quarter of events fire a rule).
// Prints the rate; not a test, because machine noise would make a timed test flaky.
//   node scripts/bench-backtest.ts [events=1000000]
import { backtest } from '../server/domain/backtest.ts'
import { DEFAULT_RULE_SET } from '../server/domain/default-ruleset.ts'
import type { RiskEvent, TownshipContext } from '../server/domain/event.ts'
import { validateRuleSet, type RuleSetDocument } from '../server/domain/ruleset.ts'
import { CATEGORIES, SOURCES } from '../server/domain/taxonomy.ts'

const n = Number(process.argv[2] ?? 1_000_000)
const doc: RuleSetDocument = structuredClone(DEFAULT_RULE_SET)
const extra: RuleSetDocument['rules'] = [
  { id: 'x-land', name: 'land', kind: 'threshold', when: "source == 'dispute' && category == 'land'", window: '3d', count: 6, points: 10, halfLife: '24h' },
  { id: 'x-fire', name: 'fire', kind: 'trigger', when: "source == 'incident' && category == 'fire'", points: 5, halfLife: '24h' },
  { id: 'x-visit', name: 'visit', kind: 'trigger', when: "source == 'petition' && has(attributes.form) && attributes.form == 'visit'", points: 3, halfLife: '24h' },
  { id: 'x-people', name: 'people', kind: 'threshold', when: "source == 'petition'", sum: 'peopleCount', window: '2d', count: 40, points: 10, halfLife: '24h' },
  { id: 'x-anom-d', name: 'dispute anomaly', kind: 'anomaly', when: "source == 'dispute'", method: 'C1', points: 8, halfLife: '24h' },
  { id: 'x-cusum', name: 'petition cusum', kind: 'anomaly', when: "source == 'petition'", method: 'cusum', points: 8, halfLife: '24h' },
]
doc.rules.push(...extra)
const v = validateRuleSet(doc)
if (!v.ok) throw new Error(JSON.stringify(v.errors))

let seed = 42
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
  return seed / 0x80000000
}
const townships: TownshipContext[] = Array.from({ length: 12 }, (_, i) => ({
  code: `9901000${String(i + 1).padStart(2, '0')}`,
  name: `T${i + 1}`,
  tags: i % 4 === 0 ? ['border'] : [],
}))
const start = Date.UTC(2024, 0, 1)
const span = 365 * 86_400_000
const events: RiskEvent[] = []
for (let i = 0; i < n; i++) {
  const source = SOURCES[Math.floor(rand() * 3)] as (typeof SOURCES)[number]
  const cats = Object.keys(CATEGORIES[source])
  const occurredAt = start + Math.floor((i / n) * span)
  const flags = rand() < 0.05 ? ['group'] : []
  events.push({
    id: i + 1,
    source,
    sourceSystem: 'bench',
    externalId: `e${i}`,
    township: (townships[Math.floor(rand() ** 2 * 12)] as TownshipContext).code,
    village: null,
    grid: null,
    category: cats[Math.floor(rand() * cats.length)] as string,
    severity: rand() < 0.9 ? 1 + Math.floor(rand() * 2) : 3 + Math.floor(rand() * 2),
    peopleCount: rand() < 0.02 ? 6 : 1,
    occurredAt,
    reportedAt: occurredAt,
    status: 'open',
    title: null,
    partyHashes: rand() < 0.3 ? [`p${Math.floor(rand() * 50_000)}`] : [],
    attributes: source === 'dispute' ? { flags } : source === 'petition' ? { form: ['letter', 'visit', 'online', 'hotline'][Math.floor(rand() * 4)], repeat: rand() < 0.1 } : {},
  })
}
const t0 = performance.now()
const cpu0 = process.cpuUsage()
const r = backtest({
  events,
  ruleSet: v.ruleSet,
  townships,
  calendar: [{ name: '春节', from: Date.UTC(2024, 1, 9), to: Date.UTC(2024, 1, 18) }],
  timeZone: 'Asia/Shanghai',
  from: start + 30 * 86_400_000,
  to: start + span,
})
const ms = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
const cpuMs = (cpu.user + cpu.system) / 1000
// CPU time beside wall time: on a shared, loaded machine the wall clock mostly measures the
// neighbours; CPU time (includes GC threads) is the steadier figure.
console.log(`cpu ${(cpuMs / 1000).toFixed(2)} s (${Math.round(n / (cpuMs / 1000)).toLocaleString('en')} events/cpu-s)`)
console.log(
  `backtest: ${n.toLocaleString('en')} events × ${v.ruleSet.rules.length} rules in ${(ms / 1000).toFixed(2)} s = ${Math.round(n / (ms / 1000)).toLocaleString('en')} events/s` +
    ` (signals ${r.signals.length}, alerts ${r.alerts.length}, daily rows ${r.daily.length})`,
)
