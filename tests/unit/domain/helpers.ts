import { createEngine, type Engine, type EngineOutput } from '../../../server/domain/engine.ts'
import type { RiskEvent, SensitivePeriod, TownshipContext } from '../../../server/domain/event.ts'
import { validateRuleSet, type CompiledRuleSet, type RuleSetDocument } from '../../../server/domain/ruleset.ts'

export const H = 3_600_000
export const D = 86_400_000
/** 2024-06-01 00:00 Asia/Shanghai */
export const T0 = Date.UTC(2024, 4, 31, 16)
export const TZ = 'Asia/Shanghai'

export const TOWNSHIPS: TownshipContext[] = [
  { code: '990100001', name: '城关镇', tags: ['county_seat'] },
  { code: '990100002', name: '河口乡', tags: ['border'] },
  { code: '990100003', name: '石桥镇', tags: [] },
]

export function compile(doc: Partial<RuleSetDocument> & Pick<RuleSetDocument, 'rules'>): CompiledRuleSet {
  const r = validateRuleSet({ levels: { yellow: 30, orange: 55, red: 80 }, hysteresis: 5, ...doc })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.ruleSet
}

let nextId = 1
export function ev(over: Partial<RiskEvent> & Pick<RiskEvent, 'occurredAt'>): RiskEvent {
  const id = over.id ?? nextId++
  return {
    id,
    source: 'petition',
    sourceSystem: 'test',
    externalId: `x${id}`,
    township: '990100001',
    village: null,
    grid: null,
    category: 'labour',
    severity: 1,
    peopleCount: 1,
    reportedAt: over.occurredAt,
    status: 'open',
    title: null,
    partyHashes: [],
    attributes: {},
    ...over,
  }
}

export function engineFor(ruleSet: CompiledRuleSet, opts: { calendar?: SensitivePeriod[]; origin?: number } = {}): Engine {
  return createEngine({ ruleSet, townships: TOWNSHIPS, calendar: opts.calendar ?? [], timeZone: TZ, origin: opts.origin ?? T0 })
}

export function merge(outs: EngineOutput[]): EngineOutput {
  return {
    signals: outs.flatMap((o) => o.signals),
    changes: outs.flatMap((o) => o.changes),
    alerts: outs.flatMap((o) => o.alerts),
  }
}
