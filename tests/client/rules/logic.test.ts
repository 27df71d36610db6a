import { describe, expect, it } from 'vitest'
import {
  addDays,
  alertsPerDay,
  type BacktestAlert,
  canonical,
  changeKind,
  dayOf,
  defaultRange,
  diagnosticsFor,
  diffByTownship,
  diffRuleSets,
  issueMessage,
  jsonDiagnostics,
  offsetOfLineColumn,
  rangeToInstants,
  type RuleSetDocument,
  setField,
} from '../../../client/src/screens/rules/logic.ts'
import { validateRuleSet } from '../../../server/domain/ruleset.ts'

describe('validation errors → editor diagnostics', () => {
  it('marks an error at its offset, through the end of the token there', () => {
    const text = "source == 'petition' && peopleCount >= fivee"
    const offset = text.indexOf('fivee')
    const d = diagnosticsFor([{ path: 'rules[0].when', message: 'unknown variable fivee', position: { line: 1, column: offset + 1, offset } }], 'rules[0].when', text)
    expect(d).toEqual([{ from: offset, to: offset + 5, severity: 'error', message: 'unknown variable fivee' }])
  })

  it('ignores errors of other paths and marks the whole text when there is no position', () => {
    const issues = [
      { path: 'rules[1].when', message: 'elsewhere', position: { line: 1, column: 1, offset: 0 } },
      { path: 'rules[0].when', message: 'must be boolean' },
    ]
    expect(diagnosticsFor(issues, 'rules[0].when', 'severity')).toEqual([{ from: 0, to: 8, severity: 'error', message: 'must be boolean' }])
  })

  it('uses line and column on a multi-line expression, and prefers them over a stale offset', () => {
    const text = "source == 'dispute'\n&& catgory == 'wages'"
    const at = text.indexOf('catgory')
    expect(offsetOfLineColumn(text, 2, 4)).toBe(at)
    const d = diagnosticsFor([{ path: 'p', message: 'x', position: { line: 2, column: 4, offset: 999 } }], 'p', text)
    expect(d[0]).toMatchObject({ from: at, to: at + 'catgory'.length })
  })

  it('marks at least one character, also at the very end of the text', () => {
    const text = 'source == '
    const d = diagnosticsFor([{ path: 'p', message: 'unexpected end', position: { line: 1, column: 11, offset: 10 } }], 'p', text)
    expect(d[0]).toMatchObject({ from: 9, to: 10 })
    const op = diagnosticsFor([{ path: 'p', message: 'bad', position: { line: 1, column: 8, offset: 7 } }], 'p', text)
    expect(op[0]).toMatchObject({ from: 7, to: 8 })
  })

  it('lands where the server domain says the CEL error is', () => {
    const when = "source == 'petition' && peopleCount >= "
    const r = validateRuleSet({ levels: { yellow: 30, orange: 55, red: 80 }, hysteresis: 5, rules: [{ id: 'a', name: 'a', kind: 'trigger', when, points: 5, halfLife: '1h' }] })
    expect(r.ok).toBe(false)
    const issues = r.ok ? [] : r.errors
    const d = diagnosticsFor(issues, 'rules[0].when', when)
    expect(d).toHaveLength(1)
    expect(d[0]!.from).toBeGreaterThanOrEqual(when.indexOf('>='))
    expect(d[0]!.to).toBeLessThanOrEqual(when.length)
  })

  it('marks an over-budget condition at its outermost comprehension, in Chinese, or in English when the UI is', () => {
    const when = "has(attributes.a) &&\n  attributes.a.exists(x, attributes.a.exists(y, x == y + 1.5))"
    const r = validateRuleSet({ levels: { yellow: 30, orange: 55, red: 80 }, hysteresis: 5, rules: [{ id: 'a', name: 'a', kind: 'trigger', when, points: 5, halfLife: '1h' }] })
    const issues = r.ok ? [] : r.errors
    const zh = diagnosticsFor(issues, 'rules[0].when', when)
    expect(zh).toHaveLength(1)
    expect(when.slice(zh[0]!.from, zh[0]!.to)).toBe('exists')
    expect(zh[0]!.message).toContain('第 2 行第 16 列')
    const en = diagnosticsFor(issues, 'rules[0].when', when, 'en')
    expect(en[0]!.message).toContain('at 2:16')
    expect(issueMessage(issues[0]!, 'zh-CN')).toBe(zh[0]!.message)
    // Other errors have one message, shown in either language.
    expect(issueMessage({ path: 'p', message: 'must be boolean' }, 'en')).toBe('must be boolean')
  })

  it('turns a JSON syntax error into a diagnostic at its position', () => {
    expect(jsonDiagnostics('{"a": 1}')).toEqual([])
    const text = '{"a": 1,, "b": 2}'
    const d = jsonDiagnostics(text)
    expect(d).toHaveLength(1)
    expect(d[0]!.from).toBe(8)
  })
})

const base: RuleSetDocument = {
  levels: { yellow: 30, orange: 55, red: 80 },
  hysteresis: 5,
  rules: [
    { id: 'collective', name: '集体访', kind: 'trigger', when: "source == 'petition' && peopleCount >= 5", points: 25, halfLife: '72h', alert: 'orange' },
    { id: 'wages', name: '欠薪', kind: 'threshold', when: "category == 'wages'", window: '7d', count: 5, points: 20, halfLife: '48h' },
    { id: 'silence', name: '未报告', kind: 'silence', window: '24h', alert: 'yellow' },
  ],
}

describe('rule-set diff', () => {
  it('finds nothing between equal documents, whatever the key order or rule order', () => {
    const reordered: RuleSetDocument = { rules: [...base.rules].reverse().map((r) => JSON.parse(JSON.stringify(r)) as typeof r), hysteresis: 5, levels: { red: 80, orange: 55, yellow: 30 } }
    const d = diffRuleSets(base, reordered)
    expect(d.same).toBe(true)
    expect(canonical({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(canonical({ a: [1, { c: 3, d: 2 }], b: 1 }))
  })

  it('reports added, removed and changed rules with their fields, and changed settings', () => {
    const after: RuleSetDocument = JSON.parse(JSON.stringify(base)) as RuleSetDocument
    after.levels.red = 85
    after.hysteresis = 3
    after.rules = after.rules.filter((r) => r.id !== 'silence')
    after.rules[0]!.points = 30
    delete after.rules[0]!.alert
    after.rules.push({ id: 'mass', name: '群体性事件', kind: 'trigger', when: "category == 'mass'", points: 40, halfLife: '24h' })
    const d = diffRuleSets(base, after)
    expect(d.same).toBe(false)
    expect(d.settings).toEqual([
      { field: 'levels.red', before: 80, after: 85 },
      { field: 'hysteresis', before: 5, after: 3 },
    ])
    expect(d.added.map((r) => r.id)).toEqual(['mass'])
    expect(d.removed.map((r) => r.id)).toEqual(['silence'])
    expect(d.changed).toEqual([
      {
        id: 'collective',
        name: '集体访',
        fields: [
          { field: 'points', before: 25, after: 30 },
          { field: 'alert', before: 'orange', after: undefined },
        ],
      },
    ])
  })
})

describe('editing helpers', () => {
  it('deletes a cleared field instead of storing an empty value', () => {
    const rule = { ...base.rules[0]! }
    setField(rule, 'points', undefined)
    setField(rule, 'alert', '')
    setField(rule, 'halfLife', '24h')
    expect(rule).not.toHaveProperty('points')
    expect(rule).not.toHaveProperty('alert')
    expect(rule.halfLife).toBe('24h')
  })

  it('drops fields that do not apply after a kind change', () => {
    const rule = { ...base.rules[1]! }
    changeKind(rule, 'trigger')
    expect(rule).not.toHaveProperty('window')
    expect(rule).not.toHaveProperty('count')
    expect(rule).toMatchObject({ kind: 'trigger', when: "category == 'wages'", points: 20, halfLife: '48h' })
  })
})

const alert = (over: Partial<BacktestAlert>): BacktestAlert => ({ key: 'k', township: '990100001', ruleId: 'r', level: 'yellow', raisedAt: '2026-03-01T02:00:00Z', lastSeenAt: '2026-03-01T02:00:00Z', count: 1, ...over })

describe('backtest aggregation', () => {
  it('counts alerts per centre-time day and level, with a zero for every quiet day', () => {
    const alerts = [
      alert({ key: 'a', level: 'yellow', raisedAt: '2026-03-01T02:00:00Z' }),
      alert({ key: 'b', level: 'red', raisedAt: '2026-03-01T15:59:00Z' }), // 23:59 in Shanghai: still 1 March
      alert({ key: 'c', level: 'red', raisedAt: '2026-03-01T16:00:00Z' }), // 00:00 on 2 March
      alert({ key: 'd', level: 'orange', raisedAt: '2026-03-03T08:00:00Z' }),
      alert({ key: 'e', level: 'orange', raisedAt: '2026-04-01T08:00:00Z' }), // outside the range
      alert({ key: 'f', level: 'blue', raisedAt: '2026-03-01T08:00:00Z' }), // not a chart level
    ]
    const r = alertsPerDay(alerts, '2026-03-01', '2026-03-04')
    expect(r.days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'])
    expect(r.series).toEqual({ yellow: [1, 0, 0, 0], orange: [0, 0, 1, 0], red: [1, 1, 0, 0] })
  })

  it('defaults to the last 30 days and sends a half-open range in centre time', () => {
    const now = new Date('2026-03-31T20:00:00Z') // 1 April 04:00 in Shanghai
    expect(dayOf(now)).toBe('2026-04-01')
    expect(defaultRange(now)).toEqual({ from: '2026-03-03', to: '2026-04-01' })
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01')
    expect(rangeToInstants('2026-03-01', '2026-03-31')).toEqual({ from: '2026-03-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00' })
  })

  it('groups the diff against the live set per township', () => {
    const rows = diffByTownship({
      added: [alert({ key: 'a1', township: '990100002' }), alert({ key: 'a2', township: { code: '990100001', name: '城关镇' } })],
      removed: [alert({ key: 'r1', township: '990100002' })],
      changed: [{ before: alert({ key: 'c', level: 'yellow' }), after: alert({ key: 'c', level: 'red' }) }],
    })
    expect(rows.map((r) => [r.township, r.added.length, r.removed.length, r.changed.length])).toEqual([
      ['990100001', 1, 0, 1],
      ['990100002', 1, 1, 0],
    ])
  })
})
