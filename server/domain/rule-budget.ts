// Evaluation budget (docs/architecture.md §5): a condition runs in the ingest path, once per event,
// on the process's one thread, so its cost must be bounded before it is published.
//   - `matches` runs on RE2 (re2js: linear time, no backtracking) instead of JavaScript's RegExp,
//     whose backtracking makes `title.matches('^(a+)+$')` take seconds per crafted title. A
//     pattern RE2 does not support (backreferences, lookaround) is refused at save. Literal
//     patterns are compiled once, when the expression is.
//   - A static cost estimate at save: every node costs 1, a comprehension macro (exists, all,
//     exists_one, map, filter) costs its body times the largest list the event can hold there,
//     so nested comprehensions multiply. Over RULE_BUDGET the expression is refused, naming the
//     outermost comprehension that alone exceeds it.
//     A second estimate on an ordinary event (short lists) bounds what every event pays: a long
//     flat expression costs the same on each one (ORDINARY_BUDGET).
//   - At evaluation the same units are charged with the actual list sizes; an evaluation that
//     runs out of budget stops at once, counts as no match and is counted on the expression
//     (the last line of defence for lists larger than the bounds below assume).

import { RE2JS } from 're2js'
import { positionAt, type SourcePosition } from './source-position.ts'

export type CompileErrorCode = 'rule_regex_unsupported' | 'rule_over_budget'

/** A refusal at save: `message` is zh-CN (the UI's first language), `messageEn` English. */
export interface BudgetRefusal {
  ok: false
  code: CompileErrorCode
  message: string
  messageEn: string
  position: SourcePosition
}

/**
 * What the static estimate assumes about an event, from its validation (README "Events"; the
 * numbers are server/modules/events/validate.ts LIMITS, pinned by a unit test): attributes are
 * at most 16,384 characters of JSON, so a list in them holds at most 8,192 elements (`[0,0,…]`)
 * and a string at most 16,384 characters; a title at most 200. Township tags come from the
 * region data and are few; 64 is far above any county's.
 */
export const COST_BOUNDS = {
  attributesJson: 16_384,
  listInAttributes: 8_192,
  title: 200,
  externalId: 128,
  sourceSystem: 64,
  townshipTags: 64,
  /** Characters a string function (matches, contains, split…) scans per cost unit. */
  charsPerUnit: 16,
  /** List elements `x in list` compares per cost unit (a native scan, no CEL per element). */
  inPerUnit: 16,
} as const

/**
 * Cost units one evaluation of one condition may take. A unit is about one CEL node evaluated
 * (≈ 0.05–0.2 µs here), so the budget is a few milliseconds on the largest event the validation
 * lets in: a single comprehension over any list, or two nested over the title's characters and
 * the township's tags, fit; two nested over lists in attributes (8,192 × 8,192) do not.
 */
export const RULE_BUDGET = 100_000

/**
 * The same estimate on an ordinary event (ORDINARY_EVENT below), where comprehensions are cheap
 * but every node of a long flat expression is still paid on every event: the ingest path's own
 * cost per event is tens of microseconds, and a condition must not multiply it (README, bench
 * row "ingest p99 with default rules + worst accepted rule"). ~15–30 ns a unit: ≈ 50 µs.
 */
export const ORDINARY_BUDGET = 2_500

/** What an ordinary event holds: short lists, a title of a sentence or two, a few tags. */
export const ORDINARY_EVENT = { list: 16, string: 64, townshipTags: 4 } as const

/** Set while the estimate is taken on ORDINARY_EVENT (the estimate is synchronous). */
let ordinaryScale = false
const capString = (n: number) => (ordinaryScale ? Math.min(n, ORDINARY_EVENT.string) : n)
const capList = (n: number, cap: number = ORDINARY_EVENT.list) => (ordinaryScale ? Math.min(n, cap) : n)

export function ordinaryCost(root: Node): number {
  ordinaryScale = true
  try {
    return costOf(root)
  } finally {
    ordinaryScale = false
  }
}

// ---------------------------------------------------------------- the AST, as the budget sees it

/** The parser's node at run time: a macro call carries its expansion (a comprehension) as `meta.alternate`. */
export interface Node {
  op: string
  args: unknown
  start: number
  end: number
  meta?: { alternate?: Node }
  handle?: (...args: never[]) => unknown
}

interface ComprehensionArgs {
  iterable: Node
  init?: unknown
  condition?: unknown
  step: Node
}

const isNode = (x: unknown): x is Node => typeof x === 'object' && x !== null && typeof (x as Node).op === 'string' && typeof (x as Node).start === 'number'

function expanded(n: Node): Node {
  let x = n
  while (x.meta?.alternate) x = x.meta.alternate
  return x
}

function childrenOf(n: Node): Node[] {
  if (n.op === 'comprehension') {
    const a = n.args as ComprehensionArgs
    return [a.iterable, a.init, a.condition, a.step].filter(isNode)
  }
  const out: Node[] = []
  const add = (x: unknown, depth: number) => {
    if (isNode(x)) out.push(x)
    else if (Array.isArray(x) && depth < 3) for (const y of x) add(y, depth + 1)
  }
  add(n.args, 0)
  return out
}

const STRING_SCANS = new Set(['matches', 'contains', 'startsWith', 'endsWith', 'split', 'indexOf', 'lastIndexOf', 'replace', 'lowerAscii', 'upperAscii', 'trim'])

/** The most characters a string-valued node can hold on a valid event. */
function stringBound(n0: Node): number {
  const n = expanded(n0)
  if (n.op === 'value' && typeof n.args === 'string') return n.args.length
  if (n.op === 'id') {
    if (n.args === 'title') return capString(COST_BOUNDS.title)
    if (n.args === 'externalId') return capString(COST_BOUNDS.externalId)
    if (n.args === 'sourceSystem') return capString(COST_BOUNDS.sourceSystem)
  }
  if (n.op === '+') {
    const [a, b] = n.args as [Node, Node]
    return stringBound(a) + stringBound(b)
  }
  return capString(COST_BOUNDS.attributesJson)
}

/** The most elements a list- or map-valued node can hold on a valid event. */
function sizeBound(n0: Node): number {
  const n = expanded(n0)
  switch (n.op) {
    case 'list':
    case 'map':
      return (n.args as unknown[]).length
    case 'comprehension': // map() and filter() yield at most as many elements as they read
      return sizeBound((n.args as ComprehensionArgs).iterable)
    case '+': {
      const [a, b] = n.args as [Node, Node]
      return sizeBound(a) + sizeBound(b)
    }
    case '.': {
      const [target, field] = n.args as [Node, string]
      if (field === 'tags' && target.op === 'id' && target.args === 'township') return capList(COST_BOUNDS.townshipTags, ORDINARY_EVENT.townshipTags)
      break
    }
    case 'rcall': {
      const [name, receiver] = n.args as [string, Node]
      if (name === 'split') return stringBound(receiver) + 1
      break
    }
  }
  return capList(COST_BOUNDS.listInAttributes)
}

/**
 * The estimate. `local`: a nested comprehension counts only its entry (its iterations are
 * charged when it runs): what one iteration of the enclosing comprehension costs by itself.
 */
export function costOf(n0: Node, local = false): number {
  const n = expanded(n0)
  if (n.op === 'comprehension') {
    const a = n.args as ComprehensionArgs
    const entry = 1 + costOf(a.iterable, local) + (isNode(a.init) ? costOf(a.init, local) : 0)
    return local ? entry : entry + sizeBound(a.iterable) * bodyCost(a, false)
  }
  let c = 1
  for (const child of childrenOf(n)) c += costOf(child, local)
  if (n.op === 'rcall') {
    const [name, receiver] = n.args as [string, Node]
    if (STRING_SCANS.has(name)) c += Math.ceil(stringBound(receiver) / COST_BOUNDS.charsPerUnit)
  } else if (n.op === 'in') {
    c += Math.ceil(sizeBound((n.args as [Node, Node])[1]) / COST_BOUNDS.inPerUnit)
  }
  return c
}

function bodyCost(a: ComprehensionArgs, local: boolean): number {
  return 1 + costOf(a.step, local) + (isNode(a.condition) ? costOf(a.condition, local) : 0)
}

interface Offender {
  name: string
  offset: number
  cost: number
  bound: number
}

/** The outermost comprehension whose cost alone exceeds the budget, else the costliest one. */
function offendingMacro(text: string, root: Node): Offender | null {
  let costliest: Offender | null = null
  const visit = (n: Node): Offender | null => {
    const alt = n.meta?.alternate ? expanded(n) : null
    if (alt?.op === 'comprehension' && n.op === 'rcall') {
      const [name, receiver] = n.args as [string, Node]
      const at = text.indexOf(name, receiver.end)
      const o = { name, offset: at >= 0 ? at : n.start, cost: costOf(alt), bound: sizeBound((alt.args as ComprehensionArgs).iterable) }
      if (o.cost > RULE_BUDGET) return o
      if (!costliest || o.cost > costliest.cost) costliest = o
    }
    for (const child of childrenOf(alt ?? n)) {
      const found = visit(child)
      if (found) return found
    }
    return null
  }
  return visit(root) ?? costliest
}

const fmt = (n: number) => (Number.isFinite(n) && n < 1e15 ? Math.round(n).toLocaleString('en-US') : '∞')

export function overBudget(text: string, root: Node, cost: number): BudgetRefusal {
  const o = offendingMacro(text, root)
  const position = positionAt(text, o?.offset ?? 0)
  const where = `${position.line}:${position.column}`
  if (o) {
    return {
      ok: false,
      code: 'rule_over_budget',
      position,
      message: `条件的计算量超出上限（估算 ${fmt(cost)} 单位，上限 ${fmt(RULE_BUDGET)}）：第 ${position.line} 行第 ${position.column} 列的 ${o.name}(…) 最多遍历 ${fmt(o.bound)} 个元素，嵌套遍历的计算量相乘。请减少嵌套或改用更小的列表。`,
      messageEn: `the condition costs too much to evaluate (estimated ${fmt(cost)} units, limit ${fmt(RULE_BUDGET)}): ${o.name}(…) at ${where} iterates up to ${fmt(o.bound)} elements, and nested iterations multiply. Nest fewer comprehensions or iterate a smaller list.`,
    }
  }
  return {
    ok: false,
    code: 'rule_over_budget',
    position,
    message: `条件的计算量超出上限（估算 ${fmt(cost)} 单位，上限 ${fmt(RULE_BUDGET)}），位置第 ${position.line} 行第 ${position.column} 列。请拆分为更简单的条件。`,
    messageEn: `the condition costs too much to evaluate (estimated ${fmt(cost)} units, limit ${fmt(RULE_BUDGET)}), at ${where}. Split it into simpler conditions.`,
  }
}

export function tooLong(text: string, cost: number): BudgetRefusal {
  const position = positionAt(text, 0)
  return {
    ok: false,
    code: 'rule_over_budget',
    position,
    message: `条件过长：每个事件都要计算它，按一般事件估算 ${fmt(cost)} 单位，超过上限 ${fmt(ORDINARY_BUDGET)}（从第 ${position.line} 行第 ${position.column} 列起的整个条件）。请拆分为几条规则或精简条件。`,
    messageEn: `the condition is too long: every event pays for it, an estimated ${fmt(cost)} units on an ordinary event, over the limit of ${fmt(ORDINARY_BUDGET)} (the whole condition from ${position.line}:${position.column}). Split it into several rules or simplify it.`,
  }
}

function walk(root: Node, visit: (n: Node) => void): void {
  const seen = new Set<Node>()
  const go = (n: Node) => {
    if (seen.has(n)) return
    seen.add(n)
    visit(n)
    if (n.meta?.alternate) go(n.meta.alternate)
    for (const child of childrenOf(n)) go(child)
  }
  go(root)
}

// ---------------------------------------------------------------- regular expressions (RE2)

function compilePattern(pattern: string): RE2JS {
  return RE2JS.compile(pattern)
}

/** Literal `matches` patterns RE2 refuses, with the position of the pattern. */
export function unsupportedPattern(text: string, root: Node): BudgetRefusal | null {
  let failure: BudgetRefusal | null = null
  walk(root, (n) => {
    if (failure || n.op !== 'rcall' || (n.args as [string])[0] !== 'matches') return
    const pattern = ((n.args as [string, Node, Node[]])[2] ?? [])[0]
    if (!pattern || pattern.op !== 'value' || typeof pattern.args !== 'string') return
    try {
      compilePattern(pattern.args)
    } catch (err) {
      const reason = (err as Error).message.replace(/^error parsing regexp: /, '')
      const position = positionAt(text, pattern.start)
      failure = {
        ok: false,
        code: 'rule_regex_unsupported',
        position,
        message: `第 ${position.line} 行第 ${position.column} 列的正则表达式无法使用（${reason}）：规则使用 RE2 语法，不支持反向引用（如 \\1）和前后断言（如 (?=…)、(?<=…)）。`,
        messageEn: `the regular expression at ${position.line}:${position.column} cannot be used (${reason}): rules use RE2 syntax, without backreferences (such as \\1) or lookaround (such as (?=…), (?<=…)).`,
      }
    }
  })
  return failure
}

// ---------------------------------------------------------------- evaluation under a budget

/** Thrown when an evaluation runs out of budget; one instance (no stack to capture per throw). */
class BudgetExhausted extends Error {}
const EXHAUSTED = new BudgetExhausted('rule evaluation budget exhausted')

/** The running evaluation's meter. Evaluation is synchronous and never re-entrant, so one suffices. */
const meter = { remaining: 0, exhausted: false }

/** Before an evaluation: a full budget. */
export function startMetering(): void {
  meter.remaining = RULE_BUDGET
  meter.exhausted = false
}

/** After it: whether it ran out (its result is then no match). */
export const meterExhausted = (): boolean => meter.exhausted

function charge(units: number): void {
  meter.remaining -= units
  if (meter.remaining < 0) {
    meter.exhausted = true
    // CEL's exists() and all() absorb an error in one element when another decides the result;
    // every later charge throws again at once, so the evaluation still ends in a few steps.
    throw EXHAUSTED
  }
}

function sizeOfValue(v: unknown): number {
  if (Array.isArray(v)) return v.length
  if (v instanceof Map || v instanceof Set) return v.size
  if (typeof v === 'object' && v !== null) return Object.keys(v).length
  return 0
}

const DYNAMIC_PATTERNS = 32

/**
 * Wires the budget into a checked AST: each comprehension charges its actual size times its own
 * per-iteration cost on entry (before doing the work), and `matches` runs on RE2 and charges the
 * characters it scans. Handlers are per node, set after the type check chose them.
 */
export function instrument(root: Node): void {
  const patterns = new Map<string, RE2JS>()
  const regex = (pattern: string): RE2JS => {
    let re = patterns.get(pattern)
    if (!re) {
      charge(1 + Math.ceil(pattern.length / COST_BOUNDS.charsPerUnit))
      re = compilePattern(pattern)
      // A pattern from the event (not a literal) is compiled per distinct value; keep a few.
      if (patterns.size >= DYNAMIC_PATTERNS) patterns.delete(patterns.keys().next().value!)
      patterns.set(pattern, re)
    }
    return re
  }
  walk(root, (n) => {
    if (n.op === 'comprehension') {
      const a = n.args as ComprehensionArgs
      const perIteration = bodyCost(a, true)
      const inner = n.handle as unknown as (iterable: unknown, ...rest: unknown[]) => unknown
      if (typeof inner !== 'function') return
      n.handle = ((iterable: unknown, ...rest: unknown[]) => {
        charge(1 + sizeOfValue(iterable) * perIteration)
        return inner(iterable, ...rest)
      }) as Node['handle']
    } else if (n.op === 'rcall' && (n.args as [string])[0] === 'matches') {
      const pattern = ((n.args as [string, Node, Node[]])[2] ?? [])[0]
      if (pattern?.op === 'value' && typeof pattern.args === 'string') {
        try {
          patterns.set(pattern.args, compilePattern(pattern.args))
        } catch {
          // Only in 'guard' mode (else refused before): the evaluation's compile throws, no match.
        }
      }
      n.handle = ((values: unknown[]) => {
        const [subject, p] = values
        if (typeof subject !== 'string' || typeof p !== 'string') throw new TypeError('found no matching overload for matches')
        charge(1 + Math.ceil(subject.length / COST_BOUNDS.charsPerUnit))
        return regex(p).matcher(subject).find()
      }) as Node['handle']
    }
  })
}
