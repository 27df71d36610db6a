import { describe, expect, it } from 'vitest'
import { DEFAULT_RULE_SET } from '../../../server/domain/default-ruleset.ts'
import { compileExpression, eventContext } from '../../../server/domain/rule-language.ts'
import { exportRuleSet, importRuleSet, validateRuleSet, type RuleSetDocument } from '../../../server/domain/ruleset.ts'
import type { RiskEvent } from '../../../server/domain/event.ts'

const base = (): RuleSetDocument => ({
  levels: { yellow: 30, orange: 55, red: 80 },
  hysteresis: 5,
  rules: [
    { id: 'a', name: 'A', kind: 'trigger', when: "source == 'petition'", points: 10, halfLife: '72h' },
  ],
})

const errorsOf = (doc: unknown) => {
  const r = validateRuleSet(doc)
  if (r.ok) throw new Error('expected errors')
  return r.errors
}

const event = (over: Partial<RiskEvent> = {}): RiskEvent => ({
  id: 1,
  source: 'petition',
  sourceSystem: 'xf',
  externalId: 'x1',
  township: '990100001',
  village: null,
  grid: null,
  category: 'labour',
  severity: 2,
  peopleCount: 6,
  occurredAt: Date.UTC(2024, 5, 1),
  reportedAt: Date.UTC(2024, 5, 1),
  status: 'open',
  title: null,
  partyHashes: [],
  attributes: {},
  ...over,
})

describe('rule-set validation', () => {
  it('accepts the DESIGN example and the default rule set', () => {
    const example = {
      levels: { yellow: 30, orange: 55, red: 80 },
      hysteresis: 5,
      rules: [
        { id: 'collective-petition', name: '集体访', kind: 'trigger', when: "source == 'petition' && peopleCount >= 5", points: 25, halfLife: '72h', alert: 'orange' },
        { id: 'wage-surge', name: '欠薪纠纷聚集', kind: 'threshold', when: "source == 'dispute' && category == 'wages'", window: '7d', count: 5, points: 20, halfLife: '48h' },
        { id: 'incident-anomaly', name: '警情异常增长', kind: 'anomaly', when: "source == 'incident'", method: 'C2', threshold: 3, points: 15, halfLife: '24h' },
        { id: 'escalation', name: '矛盾升级', kind: 'escalation', window: '30d', minSources: 2, points: 30, halfLife: '7d', alert: 'orange' },
        { id: 'no-report', name: '未报告', kind: 'silence', window: '24h', alert: 'yellow' },
      ],
      modifiers: [
        { when: "township.tags.exists(t, t == 'border')", factor: 1.5 },
        { when: 'calendar.sensitive', factor: 2 },
      ],
    }
    const r = validateRuleSet(example)
    expect(r.ok).toBe(true)
    if (r.ok) {
      expect(r.ruleSet.rules.map((x) => x.kind)).toEqual(['trigger', 'threshold', 'anomaly', 'escalation', 'silence'])
      const silence = r.ruleSet.rules[4]!
      expect(silence.points).toBe(0)
      expect(silence.windowMs).toBe(86_400_000)
      expect(r.ruleSet.rules[2]!.minSigma).toBe(1)
    }
    expect(validateRuleSet(DEFAULT_RULE_SET).ok).toBe(true)
  })

  it('reports CEL type errors with their position in the expression', () => {
    const doc = base()
    doc.rules[0]!.when = "source == 'petition' &&\n  peopleCount > 'x'"
    const [e] = errorsOf(doc)
    expect(e!.path).toBe('rules[0].when')
    expect(e!.message).toMatch(/no such overload: int > string/)
    expect(e!.position).toEqual({ line: 2, column: 3, offset: 26 })
  })

  it('rejects comparing a string field with a number and unknown identifiers', () => {
    const doc = base()
    doc.rules[0]!.when = 'source == 5'
    expect(errorsOf(doc)[0]!.message).toMatch(/string == int/)
    doc.rules[0]!.when = "sauce == 'petition'"
    const [e] = errorsOf(doc)
    expect(e!.message).toMatch(/Unknown variable: sauce/)
    expect(e!.position).toEqual({ line: 1, column: 1, offset: 0 })
  })

  it('reports syntax errors with a position and non-boolean conditions', () => {
    const doc = base()
    doc.rules[0]!.when = "source == 'petition' && (peopleCount >= "
    const [e] = errorsOf(doc)
    expect(e!.path).toBe('rules[0].when')
    expect(e!.position!.offset).toBe(40)
    doc.rules[0]!.when = 'peopleCount + 1'
    expect(errorsOf(doc)[0]!.message).toMatch(/must be a condition/)
  })

  it('checks modifiers at both levels', () => {
    const doc = base()
    doc.modifiers = [{ when: 'calendar.holiday', factor: 2 }]
    doc.rules[0]!.modifiers = [{ when: 'township.tag == 1', factor: 2 }]
    const paths = errorsOf(doc).map((e) => e.path)
    expect(paths).toEqual(['modifiers[0].when', 'rules[0].modifiers[0].when'])
  })

  it('names the path of structural errors', () => {
    const cases: Array<[(d: RuleSetDocument) => void, string, RegExp]> = [
      [(d) => ((d.rules[0] as { kind: string }).kind = 'sometimes'), 'rules[0].kind', /Invalid option/],
      [(d) => d.rules.push({ id: 't', name: 'T', kind: 'threshold', when: 'true', count: 3, points: 5 }), 'rules[1].window', /requires window/],
      [(d) => d.rules.push({ ...d.rules[0]! }), 'rules[1].id', /duplicate rule id "a"/],
      [(d) => (d.levels.orange = 20), 'levels.orange', /greater than yellow/],
      [(d) => (d.hysteresis = 30), 'hysteresis', /smaller than the yellow/],
      [(d) => (d.rules[0]!.halfLife = '3 days'), 'rules[0].halfLife', /invalid duration/],
      [(d) => (d.rules[0]!.window = '7d'), 'rules[0].window', /does not apply to a trigger/],
      [(d) => delete d.rules[0]!.halfLife, 'rules[0].halfLife', /never expire/],
      [(d) => delete d.rules[0]!.points, 'rules[0].points', /no effect/],
      [(d) => ((d.rules[0] as Record<string, unknown>).windw = '7d'), 'rules[0]', /Unrecognized key/],
      [(d) => d.rules.push({ id: 'e', name: 'E', kind: 'escalation', window: '30d', halfLife: '7d', points: 5, minSources: 4 }), 'rules[1].minSources', /<=3|less than or equal/i],
    ]
    for (const [mutate, path, message] of cases) {
      const doc = base()
      mutate(doc)
      const errors = errorsOf(doc)
      const hit = errors.find((e) => e.path === path)
      expect(hit, `${path}: ${JSON.stringify(errors)}`).toBeDefined()
      expect(hit!.message).toMatch(message)
    }
  })

  it('still underlines CEL errors while the structure is also wrong', () => {
    const doc = base() as unknown as { levels: unknown; rules: Array<{ when: string }> }
    doc.levels = 'high'
    doc.rules[0]!.when = 'source == 5'
    const paths = errorsOf(doc).map((e) => e.path)
    expect(paths).toContain('levels')
    expect(paths).toContain('rules[0].when')
  })

  it('round-trips through JSON export and import unchanged (no defaults filled in)', () => {
    const json = exportRuleSet(DEFAULT_RULE_SET)
    const back = importRuleSet(json)
    expect(back.ok).toBe(true)
    if (back.ok) {
      expect(back.ruleSet.document).toEqual(DEFAULT_RULE_SET)
      expect(exportRuleSet(back.ruleSet.document)).toBe(json)
      expect('enabled' in back.ruleSet.document.rules[0]!).toBe(false)
    }
    const bad = importRuleSet('{"levels": ')
    expect(bad.ok).toBe(false)
  })

  it('leaves disabled rules out of the compiled set but validates them', () => {
    const doc = base()
    doc.rules.push({ id: 'b', name: 'B', kind: 'trigger', when: "source == 'dispute'", points: 5, halfLife: '1d', enabled: false })
    const r = validateRuleSet(doc)
    expect(r.ok && r.ruleSet.rules.map((x) => x.id)).toEqual(['a'])
    doc.rules[1]!.when = 'nonsense =='
    expect(validateRuleSet(doc).ok).toBe(false)
  })
})

describe('rule language', () => {
  const ctx = (e: RiskEvent, tags: string[] = [], sensitive = false) =>
    eventContext(e, { code: e.township, name: '城关镇', tags }, sensitive)
  const compile = (text: string) => {
    const r = compileExpression(text)
    if (!r.ok) throw new Error(r.message)
    return r.expression
  }

  it('exposes event fields, township {code, tags} and calendar.sensitive', () => {
    const e = event()
    expect(compile("source == 'petition' && peopleCount >= 5").matches(ctx(e))).toBe(true)
    expect(compile("township.code == '990100001'").matches(ctx(e))).toBe(true)
    expect(compile("township.tags.exists(t, t == 'border')").matches(ctx(e, ['border']))).toBe(true)
    expect(compile("township.tags.exists(t, t == 'border')").matches(ctx(e, []))).toBe(false)
    expect(compile('calendar.sensitive').matches(ctx(e, [], true))).toBe(true)
    expect(compile("occurredAt.getHours('Asia/Shanghai') == 8").matches(ctx(e))).toBe(true)
    expect(compile("village == ''").matches(ctx(e))).toBe(true)
  })

  it('refuses an expression nested beyond the stack with a message the analyst can act on', () => {
    const r = compileExpression(Array.from({ length: 20_000 }, () => "source == 'dispute'").join(' || '))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.message).toMatch(/nested too deeply/)
    expect(compileExpression(Array.from({ length: 100 }, () => "source == 'dispute'").join(' || ')).ok).toBe(true)
  })

  it('treats missing attributes and runtime errors as no match', () => {
    const plain = ctx(event())
    const flagged = ctx(event({ source: 'dispute', attributes: { repeat: true, flags: ['group'] } }))
    const guarded = compile('has(attributes.repeat) && attributes.repeat == true')
    expect(guarded.matches(plain)).toBe(false)
    expect(guarded.matches(flagged)).toBe(true)
    const bare = compile('attributes.repeat == true')
    expect(bare.matches(plain)).toBe(false)
    expect(bare.matches(flagged)).toBe(true)
    expect(compile("'group' in attributes.flags").matches(flagged)).toBe(true)
    expect(compile("'group' in attributes.flags").matches(plain)).toBe(false)
    // CEL's || absorbs an error when the other side is true
    expect(compile('attributes.repeat == true || peopleCount >= 5').matches(plain)).toBe(true)
  })

  it('derives a source pre-filter only from a top-level conjunction', () => {
    expect(compile("source == 'petition' && peopleCount >= 5").requiredSource).toBe('petition')
    expect(compile("peopleCount >= 5 && 'incident' == source").requiredSource).toBe('incident')
    expect(compile("source == 'petition' || peopleCount >= 5").requiredSource).toBeNull()
    expect(compile("category == 'mass' && source == 'incident'").requiredCategory).toBe('mass')
  })
})
