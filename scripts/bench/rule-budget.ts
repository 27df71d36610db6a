// Rule evaluation budget (issue 17; server/domain/rule-language.ts): what the most expensive condition the
// budget still accepts costs ingest. The figure is the engine's scoring step per event (the only part of
// ingest that evaluates rules; HTTP, validation and storage are the same with or without the rule, so the
// ratio of the whole ingest path is at most this one), p99 over a realistic stream: every default rule,
// then every default rule plus the worst accepted rule, alternated to share the machine's load.
//
// "Worst accepted rule": built from the budget — the largest of each shape the save-time check still
// accepts (a long flat condition, two comprehensions nested over the township's tags, one over a list in
// attributes), each with a regex; the one slowest on the stream is taken. A second row gives its cost on the
// largest event validation lets in (200-character title, 64 tags), the bound the budget guarantees.
//   standalone: node scripts/bench/rule-budget.ts [events=100000]
import type { Socket } from 'socket.io-client'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { createEngine } from '../../server/domain/engine.ts'
import type { RiskEvent, TownshipContext } from '../../server/domain/event.ts'
import { ORDINARY_BUDGET, RULE_BUDGET } from '../../server/domain/rule-budget.ts'
import { compileExpression, type CompiledExpression, eventContext } from '../../server/domain/rule-language.ts'
import { type CompiledRuleSet, type RuleSetDocument, validateRuleSet } from '../../server/domain/ruleset.ts'
import { type ApiSession, type HttpClient, signIn } from '../lib/api-client.ts'
import { backgroundFlow, connectLive, createFeeds, demoCounty, probeEvent, probeTitle, sleep, startBenchServer } from './harness.ts'
import { probeReceipts } from './latency.ts'
import { syntheticEvents } from './synthetic.ts'
import { type BenchContext, type BenchRow, fmt, percentile } from './table.ts'

const DAY = 86_400_000
const REGEX = "title.matches('(欠薪|讨薪|拖欠).*(工资|工钱|报酬)$')"
const TITLES = [
  '村民反映邻里宅基地边界纠纷',
  '某小区业主集体反映物业服务问题，要求更换物业公司',
  '务工人员反映工程款拖欠，要求尽快支付',
  '两户村民因灌溉用水发生口角',
  '群众来访反映征地补偿标准不一致的问题，希望政府部门出面协调解决，并公开补偿方案和依据',
  '道路交通事故一起，无人员伤亡',
  '反映拖欠工资',
]

function compiles(text: string): CompiledExpression | null {
  const r = compileExpression(text)
  return r.ok ? r.expression : null
}

/** The largest k for which make(k) is still accepted (binary search; make is monotone in cost). */
function largestAccepted(make: (k: number) => string, hi: number): { k: number; text: string } {
  let lo = 1
  if (!compiles(make(lo))) throw new Error(`even k=1 is refused: ${make(1)}`)
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (compiles(make(mid))) lo = mid
    else hi = mid - 1
  }
  return { k: lo, text: make(lo) }
}

function balancedOr(terms: string[]): string {
  if (terms.length === 1) return terms[0]!
  const m = terms.length >> 1
  return `(${balancedOr(terms.slice(0, m))} || ${balancedOr(terms.slice(m))})`
}

/** Candidates at the budget's edge; none matches an ordinary title, so each runs in full. */
function worstCandidates(): Array<{ shape: string; text: string }> {
  const flat = largestAccepted((k) => `${balancedOr(Array.from({ length: k }, (_, i) => `title.contains('词${i}')`))} || ${REGEX}`, 2_000)
  const nested = largestAccepted(
    (k) => `township.tags.exists(a, township.tags.exists(b, ${Array.from({ length: k }, (_, i) => `a + b == '#${i}'`).join(' || ')})) || ${REGEX}`,
    400,
  )
  const attrs = largestAccepted((k) => `has(attributes.flags) && attributes.flags.exists(f, ${Array.from({ length: k }, (_, i) => `f == 'x${i}'`).join(' || ')}) || ${REGEX}`, 400)
  return [
    { shape: `flat: ${flat.k} title.contains || regex`, text: flat.text },
    { shape: `tags × tags, ${nested.k} tests || regex`, text: nested.text },
    { shape: `attributes list, ${attrs.k} tests || regex`, text: attrs.text },
  ]
}

function compile(doc: RuleSetDocument): CompiledRuleSet {
  const v = validateRuleSet(doc)
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  return v.ruleSet
}

function withRule(when: string): CompiledRuleSet {
  const doc: RuleSetDocument = structuredClone(DEFAULT_RULE_SET)
  doc.rules.push({ id: 'worst-accepted', name: 'worst accepted', kind: 'trigger', when, points: 1, halfLife: '24h' })
  return compile(doc)
}

/** Per-event scoring times (µs) of the whole stream through a fresh engine. */
function scoreTimes(ruleSet: CompiledRuleSet, townships: TownshipContext[], events: readonly RiskEvent[]): number[] {
  const engine = createEngine({ ruleSet, townships, calendar: [], timeZone: 'Asia/Shanghai', origin: events[0]!.occurredAt })
  const times = new Array<number>(events.length)
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    const t0 = performance.now()
    engine.ingest(e, e.occurredAt)
    times[i] = (performance.now() - t0) * 1000
  }
  return times
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

export function measureRuleBudget(n: number, rounds: number) {
  const townships: TownshipContext[] = Array.from({ length: 200 }, (_, i) => ({ code: String(100_000_001 + i), name: `T${i + 1}`, tags: i % 9 === 4 ? ['border', 'mountain'] : ['plain'] }))
  const events = syntheticEvents({ n, townships, start: Date.UTC(2026, 0, 1), spanMs: 60 * DAY })
  events.forEach((e, i) => (e.title = TITLES[i % TITLES.length]!))
  const base = compile(DEFAULT_RULE_SET)

  // The slowest candidate on a sample of the stream.
  const sample = events.slice(0, 2_000).map((e) => eventContext(e, townships.find((t) => t.code === e.township)!, false))
  const candidates = worstCandidates().map((c) => {
    const expr = compiles(c.text)!
    for (const ctx of sample) expr.matches(ctx) // warm
    const t0 = performance.now()
    for (const ctx of sample) expr.matches(ctx)
    return { ...c, expr, usPerEvent: ((performance.now() - t0) * 1000) / sample.length }
  })
  const worst = candidates.reduce((a, b) => (b.usPerEvent > a.usPerEvent ? b : a))
  const heavy = withRule(worst.text)

  // Warm both paths (JIT), then alternate so both see the same machine.
  scoreTimes(base, townships, events.slice(0, 5_000))
  scoreTimes(heavy, townships, events.slice(0, 5_000))
  const p99Base: number[] = []
  const p99Heavy: number[] = []
  for (let r = 0; r < rounds; r++) {
    p99Base.push(percentile(scoreTimes(base, townships, events), 99))
    p99Heavy.push(percentile(scoreTimes(heavy, townships, events), 99))
  }

  // The largest valid event for the chosen rule: a 200-character title that never matches, 64 tags.
  const largest = eventContext(
    { ...events[0]!, title: '某'.repeat(199) + '!', attributes: { flags: Array.from({ length: 2_000 }, (_, i) => `f${i}`) } },
    { code: '1', name: 'x', tags: Array.from({ length: 64 }, (_, i) => `tag${i}`) },
    false,
  )
  worst.expr.matches(largest)
  const t0 = performance.now()
  const reps = 20
  for (let i = 0; i < reps; i++) worst.expr.matches(largest)
  const largestMs = (performance.now() - t0) / reps

  // The review's catastrophic regex on a crafted 30-character title (seconds with JavaScript's RegExp).
  const catastrophic = compiles("title.matches('^(a+)+$')")!
  const crafted = eventContext({ ...events[0]!, title: `${'a'.repeat(30)}!` }, townships[0]!, false)
  const t1 = performance.now()
  for (let i = 0; i < 100; i++) catastrophic.matches(crafted)
  const regexMs = (performance.now() - t1) / 100

  return { base: median(p99Base), heavy: median(p99Heavy), worst, candidates, largestMs, regexMs, skipped: worst.expr.budgetExceeded }
}

const BACKGROUND_PER_SECOND = 1000
const PROBE_EVERY_MS = 97

async function publish(client: HttpClient, analyst: ApiSession, probeRules: number, worst: string | null): Promise<void> {
  const document = {
    ...DEFAULT_RULE_SET,
    name: worst ? 'bench: default + worst accepted rule' : 'bench: default rules',
    rules: [
      ...DEFAULT_RULE_SET.rules,
      ...Array.from({ length: probeRules }, (_, k) => ({ id: `bench-probe-${k}`, name: `bench probe ${k}`, kind: 'trigger' as const, when: `source == 'incident' && title == '${probeTitle(k)}'`, points: 0, halfLife: '1h', alert: 'yellow' as const })),
      ...(worst ? [{ id: 'worst-accepted', name: 'worst accepted', kind: 'trigger' as const, when: worst, points: 1, halfLife: '24h' }] : []),
    ],
  }
  const created = await client.json<{ id: number }>('POST', '/api/v1/rulesets', { ...document, comment: 'benchmark' }, analyst.headers)
  // Publishing waits for the engine's rebuild on the new set.
  await client.json('POST', `/api/v1/rulesets/${created.id}/publish`, { comment: 'benchmark' }, analyst.headers)
}

/**
 * Ingest through the server: POST → alert:new p99 of probe events under a 1,000 events/s background
 * (the latency section's method), first with the default rules, then with the worst accepted rule
 * added, in the same server (so the same database and machine).
 */
async function serverIngest(ctx: BenchContext, worst: string): Promise<{ base: number; heavy: number; probes: number; lost: number }> {
  const probes = ctx.quick ? 120 : 400
  const warmupMs = ctx.quick ? 2_000 : 5_000
  const county = await demoCounty()
  const townships = county.townships
  const perPhase = Math.ceil(probes / townships.length)
  const bench = await startBenchServer(ctx, 'rules', 16)
  try {
    const admin = await signIn(bench.client, 'admin', 'demo-admin-2026')
    const analyst = await signIn(bench.client, 'analyst', 'demo-analyst-2026')
    const duty = await signIn(bench.client, 'duty', 'demo-duty-2026')
    const feeds = (await createFeeds(admin, 4, 'bench-rules')).map((t) => ({ authorization: `Bearer ${t}` }))
    const [socket] = await connectLive(bench.server.url, duty.token, 1)
    const received = probeReceipts(socket as Socket)
    let lost = 0
    const phase = async (offset: number, tag: string): Promise<number> => {
      let made = 0
      const pool = county.events(BACKGROUND_PER_SECOND * ((probes * PROBE_EVERY_MS + warmupMs) / 1000 + 10), `bench-rules-${tag}-${Date.now().toString(36)}`)
      const flow = backgroundFlow(bench.client, feeds, (n) => pool.slice(made, (made += n)), BACKGROUND_PER_SECOND)
      await sleep(warmupMs)
      const sentAt = new Map<string, number>()
      const posts: Array<Promise<unknown>> = []
      for (let i = 0; i < probes; i++) {
        const id = `rules-${tag}-${Date.now().toString(36)}-${i}`
        const body = JSON.stringify(probeEvent(id, townships[i % townships.length]!, offset + Math.floor(i / townships.length)))
        sentAt.set(id, performance.now())
        posts.push(bench.client.request('POST', '/api/v1/events', body, bench.feedHeaders))
        await sleep(PROBE_EVERY_MS)
      }
      await Promise.all(posts)
      const deadline = performance.now() + 10_000
      while ([...sentAt.keys()].some((id) => !received.has(id)) && performance.now() < deadline) await sleep(50)
      await flow.stop()
      const samples = [...sentAt].flatMap(([id, t0]) => (received.has(id) ? [received.get(id)! - t0] : []))
      lost += probes - samples.length
      return percentile(samples, 99)
    }
    await publish(bench.client, analyst, 2 * perPhase, null)
    ctx.log('rules: ingest POST → alert:new with the default rules')
    const base = await phase(0, 'base')
    // Let the first phase's backlog drain, so the second does not inherit it.
    await sleep(3_000)
    await publish(bench.client, analyst, 2 * perPhase, worst)
    ctx.log('rules: ingest POST → alert:new with the default rules + the worst accepted rule')
    const heavy = await phase(perPhase, 'worst')
    socket!.disconnect()
    return { base, heavy, probes, lost }
  } finally {
    await bench.stop()
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const n = ctx.quick ? 30_000 : 100_000
  const rounds = ctx.quick ? 3 : 5
  ctx.log(`rules: ${fmt.int(n)} events × ${rounds} rounds, default rules vs default rules + the worst accepted rule`)
  const m = measureRuleBudget(n, rounds)
  for (const c of m.candidates) ctx.log(`rules: candidate "${c.shape}": cost ${fmt.int(c.expr.cost)} (ordinary ${fmt.int(c.expr.ordinaryCost)}), ${c.usPerEvent.toFixed(1)} µs/event`)
  const ratio = m.heavy / m.base
  const us = (x: number) => `${x.toFixed(1)} µs`
  const small = (ms: number) => (ms < 1 ? us(ms * 1000) : fmt.ms(ms))
  const server = await serverIngest(ctx, m.worst.text)
  const serverRatio = server.heavy / server.base
  const label = ctx.databaseUrl ? '' : ' (PGlite)'
  return [
    { section: 'rules', measure: `ingest p99, POST → alert:new, default rules only${label}`, value: fmt.ms(server.base), reference: `${server.probes} probes, 1,000 events/s background`, target: '', verdict: 'info' },
    {
      section: 'rules',
      measure: `ingest p99 with default rules + worst accepted rule${label}`,
      value: fmt.ms(server.heavy),
      reference: `${serverRatio.toFixed(2)}× of default only${server.lost ? `, ${server.lost} probes lost` : ''}; worst: ${m.worst.shape}`,
      target: '≤ 2× of default rules only',
      verdict: serverRatio <= 2 && server.lost === 0 ? 'met' : 'NOT MET',
    },
    { section: 'rules', measure: 'engine scoring p99 per event, default rules only', value: us(m.base), reference: `${fmt.int(n)} events in-process, median of ${rounds} rounds`, target: '', verdict: 'info' },
    {
      section: 'rules',
      measure: 'engine scoring p99 per event, default rules + worst accepted rule',
      value: us(m.heavy),
      reference: `${ratio.toFixed(2)}× of default only (the rule-evaluating part of ingest alone)`,
      target: '',
      verdict: 'info',
    },
    {
      section: 'rules',
      measure: 'worst accepted rule, one evaluation on the largest valid event',
      value: small(m.largestMs),
      reference: `estimate ${fmt.int(m.worst.expr.cost)} of ${fmt.int(RULE_BUDGET)} units (ordinary ${fmt.int(m.worst.expr.ordinaryCost)} of ${fmt.int(ORDINARY_BUDGET)}); ${m.skipped} skipped`,
      target: '',
      verdict: 'info',
    },
    { section: 'rules', measure: "title.matches('^(a+)+$'), crafted 30-character title (RE2)", value: small(m.regexMs), reference: 'JavaScript RegExp: seconds, doubling per character', target: '', verdict: 'info' },
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 100_000)
  const m = measureRuleBudget(n, 3)
  console.log({ base: m.base, heavy: m.heavy, ratio: m.heavy / m.base, worst: m.worst.shape, largestMs: m.largestMs, regexMs: m.regexMs })
}
