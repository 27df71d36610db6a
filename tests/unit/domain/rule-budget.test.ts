// The rules' evaluation budget (server/domain/rule-language.ts, issue 17 point 2): `matches` runs on
// RE2, an expression the static estimate puts over the budget is refused at save with its position
// in Chinese, and an evaluation that still runs out at run time is skipped and counted.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_RULE_SET } from '../../../server/domain/default-ruleset.ts'
import type { RiskEvent } from '../../../server/domain/event.ts'
import { COST_BOUNDS, ORDINARY_BUDGET, RULE_BUDGET } from '../../../server/domain/rule-budget.ts'
import { compileExpression, eventContext, type CompiledExpression } from '../../../server/domain/rule-language.ts'
import { type RuleSetDocument, validateRuleSet } from '../../../server/domain/ruleset.ts'
import { LIMITS } from '../../../server/modules/events/validate.ts'

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
  occurredAt: Date.UTC(2026, 5, 1),
  reportedAt: Date.UTC(2026, 5, 1),
  status: 'open',
  title: null,
  partyHashes: [],
  attributes: {},
  ...over,
})

const township = (tags: string[] = []) => ({ code: '990100001', name: '城关镇', tags })

function compiled(text: string): CompiledExpression {
  const r = compileExpression(text)
  if (!r.ok) throw new Error(`expected ${text} to compile: ${r.message}`)
  return r.expression
}

const ruleSet = (when: string): RuleSetDocument => ({
  levels: { yellow: 30, orange: 55, red: 80 },
  hysteresis: 5,
  rules: [{ id: 'r', name: 'R', kind: 'trigger', when, points: 10, halfLife: '24h' }],
})

function refusal(when: string) {
  const r = validateRuleSet(ruleSet(when))
  if (r.ok) throw new Error(`expected ${when} to be refused`)
  expect(r.errors).toHaveLength(1)
  return r.errors[0]!
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('matches runs on RE2 (linear time)', () => {
  // 30 characters: JavaScript's backtracking RegExp takes seconds here, doubling per character.
  const crafted = `${'a'.repeat(30)}!`

  it("evaluates title.matches('^(a+)+$') against a crafted 30-character title without backtracking", () => {
    const test = vi.spyOn(RegExp.prototype, 'test')
    const exec = vi.spyOn(RegExp.prototype, 'exec')
    const expr = compiled("title.matches('^(a+)+$')")
    const ctx = eventContext(event({ title: crafted }), township(), false)
    expect(expr.matches(ctx)).toBe(false)
    expect(expr.matches(eventContext(event({ title: 'aaaa' }), township(), false))).toBe(true)
    // The dynamically typed receiver (a string in attributes) takes the same path.
    const dyn = compiled("has(attributes.note) && attributes.note.matches('^(a+)+$')")
    expect(dyn.matches(eventContext(event({ attributes: { note: crafted } }), township(), false))).toBe(false)
    // No JavaScript RegExp ran the pattern, and the evaluations stayed within their budget.
    const ranPattern = (contexts: unknown[]) => contexts.filter((re) => re instanceof RegExp && re.source === '^(a+)+$')
    expect(ranPattern(test.mock.contexts)).toEqual([])
    expect(ranPattern(exec.mock.contexts)).toEqual([])
    expect(expr.budgetExceeded).toBe(0)
    expect(dyn.budgetExceeded).toBe(0)
  })

  it('keeps CEL semantics: a partial match (RE2 find), anchors when written, a pattern from the event', () => {
    const ctx = eventContext(event({ title: '某村欠薪讨要', attributes: { p: '欠薪' } }), township(), false)
    expect(compiled("title.matches('欠薪')").matches(ctx)).toBe(true)
    expect(compiled("title.matches('^欠薪')").matches(ctx)).toBe(false)
    expect(compiled('title.matches(attributes.p)').matches(ctx)).toBe(true)
  })

  it('refuses at save a pattern RE2 does not support, with the position of the pattern and a Chinese message', () => {
    const backreference = refusal("source == 'petition' &&\n  title.matches('(a)\\\\1')")
    expect(backreference).toMatchObject({ path: 'rules[0].when', code: 'rule_regex_unsupported', position: { line: 2, column: 17, offset: 40 } })
    expect(backreference.message).toContain('第 2 行第 17 列')
    expect(backreference.message).toMatch(/正则表达式/)
    expect(backreference.messageEn).toContain('2:17')
    const lookahead = refusal("title.matches('欠薪(?=讨要)')")
    expect(lookahead).toMatchObject({ code: 'rule_regex_unsupported', position: { line: 1, column: 15 } })
  })
})

describe('the static cost estimate at save', () => {
  it('refuses triple-nested exists over lists with the position of the outermost comprehension, in Chinese', () => {
    const when = "has(attributes.a) &&\n  attributes.a.exists(x, attributes.a.exists(y, attributes.a.exists(z, x + y == z)))"
    const e = refusal(when)
    expect(e).toMatchObject({ path: 'rules[0].when', code: 'rule_over_budget', position: { line: 2, column: 16 } })
    expect(when.slice(e.position!.offset).startsWith('exists(x')).toBe(true)
    expect(e.message).toContain('第 2 行第 16 列')
    expect(e.message).toMatch(/计算量超出上限/)
    expect(e.messageEn).toContain('2:16')
  })

  it('refuses two nested comprehensions over lists in attributes, accepts one, and nested ones over small lists', () => {
    expect(refusal('attributes.a.exists(x, attributes.b.exists(y, x == y))').code).toBe('rule_over_budget')
    const one = compiled("has(attributes.flags) && attributes.flags.exists(f, f == 'group' || f == 'armed')")
    expect(one.cost).toBeLessThanOrEqual(RULE_BUDGET)
    expect(one.cost).toBeGreaterThan(COST_BOUNDS.listInAttributes)
    const small = compiled("title.split('').exists(c, township.tags.exists(t, t == c))")
    expect(small.cost).toBeLessThanOrEqual(RULE_BUDGET)
    // A list literal is as long as written.
    expect(compiled("['a', 'b'].exists(x, ['c'].exists(y, x == y))").cost).toBeLessThan(100)
  })

  it('refuses a long flat condition every event would pay for (the ordinary-event estimate), accepts a shorter one', () => {
    const terms = (k: number) => Array.from({ length: k }, (_, i) => `title.contains('词${i}')`)
    const balanced = (a: string[]): string => (a.length === 1 ? a[0]! : `(${balanced(a.slice(0, a.length >> 1))} || ${balanced(a.slice(a.length >> 1))})`)
    const long = refusal(balanced(terms(400)))
    expect(long).toMatchObject({ code: 'rule_over_budget', position: { line: 1, column: 1, offset: 0 } })
    expect(long.message).toMatch(/条件过长/)
    expect(long.message).toContain('第 1 行第 1 列')
    const short = compiled(balanced(terms(100)))
    expect(short.ordinaryCost).toBeLessThanOrEqual(ORDINARY_BUDGET)
    expect(short.matches(eventContext(event({ title: '反映词42问题' }), township(), false))).toBe(true)
  })

  it('bounds lists by the event validation: the estimate tracks LIMITS', () => {
    expect(COST_BOUNDS.title).toBe(LIMITS.title)
    expect(COST_BOUNDS.externalId).toBe(LIMITS.externalId)
    expect(COST_BOUNDS.sourceSystem).toBe(LIMITS.sourceSystem)
    expect(COST_BOUNDS.attributesJson).toBe(LIMITS.attributes)
    // The longest list in valid attributes is `[0,0,…]`: two characters an element.
    expect(COST_BOUNDS.listInAttributes).toBe(Math.floor(LIMITS.attributes / 2))
  })

  it('accepts the default rule set, every condition well within the budget', () => {
    const r = validateRuleSet(DEFAULT_RULE_SET)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const costs = [...r.ruleSet.rules.flatMap((rule) => [rule.when, ...rule.modifiers.map((m) => m.when)]), ...r.ruleSet.modifiers.map((m) => m.when)]
      .filter((w): w is CompiledExpression => w !== null)
      .map((w) => w.cost)
    expect(costs.length).toBeGreaterThan(5)
    expect(Math.max(...costs)).toBeLessThan(RULE_BUDGET / 10)
  })
})

describe('the guard at evaluation', () => {
  it('skips and counts an evaluation that runs out of budget (lists longer than the estimate assumed)', () => {
    // Accepted: two nested comprehensions over the township's tags (at most 64 assumed).
    const expr = compiled("township.tags.exists(a, township.tags.exists(b, a + b == 'xy'))")
    expect(expr.matches(eventContext(event(), township(['x', 'y']), false))).toBe(true)
    expect(expr.budgetExceeded).toBe(0)
    // 2,000 tags: 4 million iterations would be needed; the first comprehension's entry already
    // charges 2,000 × its body, the inner one's entry runs out, and the rest stops at once.
    const many = Array.from({ length: 2_000 }, (_, i) => `t${i}`)
    const big = township([...many, 'x', 'y'])
    expect(expr.matches(eventContext(event(), big, false))).toBe(false)
    expect(expr.budgetExceeded).toBe(1)
    expect(expr.matches(eventContext(event(), big, false))).toBe(false)
    expect(expr.budgetExceeded).toBe(2)
    // The next ordinary event is evaluated in full again.
    expect(expr.matches(eventContext(event(), township(['x', 'y']), false))).toBe(true)
    expect(expr.budgetExceeded).toBe(2)
  })

  it("loads a version stored before the budget existed ('guard'): it compiles, and the guard stops its evaluations", () => {
    const when = 'attributes.a.exists(x, attributes.a.exists(y, attributes.a.exists(z, x * y == z && x > 1000.0)))'
    expect(validateRuleSet(ruleSet(when)).ok).toBe(false)
    const loaded = validateRuleSet(ruleSet(when), { budget: 'guard' })
    expect(loaded.ok).toBe(true)
    if (!loaded.ok) return
    const expr = loaded.ruleSet.rules[0]!.when!
    const a = Array.from({ length: 3_000 }, (_, i) => i)
    expect(expr.matches(eventContext(event({ attributes: { a } }), township(), false))).toBe(false)
    expect(expr.budgetExceeded).toBe(1)
    expect(expr.matches(eventContext(event({ attributes: { a: [2000, 1] } }), township(), false))).toBe(true)
    expect(expr.budgetExceeded).toBe(1)
  })
})
