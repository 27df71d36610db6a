// The rule language: CEL (Common Expression Language) over one event. Expressions are parsed
// and type-checked once when a rule set is saved and evaluated many times in the hot path, so
// this module owns the single Environment, the per-event context, and the compiled programs.
//
// Names visible to CEL (one deliberate deviation from the event's own shape):
//   - every event field is a top-level variable: source, sourceSystem, externalId, village,
//     grid, category, severity (int), peopleCount (int), status, title, occurredAt
//     (timestamp), reportedAt (timestamp), attributes (map<string, dyn>);
//   - `township` is NOT the event's township code but an object {code, name, tags}, because the
//     contract uses both `township.tags.exists(t, t == 'border')` (modifiers) and the code;
//     write `township.code == '990100001'` to test the code;
//   - `calendar` is {sensitive: bool}: whether occurredAt lies inside a sensitive period.
// Nullable strings (village, grid, title) are passed as '' when absent so they stay typed as
// string and `village == 5` is still rejected at save time; test absence with `village == ''`.
// Optional attributes: `has(attributes.repeat) && attributes.repeat == true`. A bare
// `attributes.repeat == true` on an event without it is an evaluation error, and every
// evaluation error counts as "no match" (CEL's `||` still absorbs it when the other side is
// true) — a rule never breaks the engine.
//
// Evaluation budget (docs/architecture.md §5): RE2 for `matches`, the save-time cost estimate
// and the run-time meter are in rule-budget.ts.

import { Environment, type ASTNode } from '@marcbachmann/cel-js'
import type { RiskEvent, TownshipContext } from './event.ts'
import { type CompileErrorCode, costOf, instrument, meterExhausted, type Node, ORDINARY_BUDGET, ordinaryCost, overBudget, RULE_BUDGET, startMetering, tooLong, unsupportedPattern } from './rule-budget.ts'
import { positionAt, type SourcePosition } from './source-position.ts'


export class CelTownship {
  code: string
  name: string
  tags: string[]
  constructor(t: TownshipContext) {
    this.code = t.code
    this.name = t.name
    this.tags = t.tags
  }
}

class CelCalendar {
  sensitive: boolean
  constructor(sensitive: boolean) {
    this.sensitive = sensitive
  }
}

const CALENDAR_SENSITIVE = new CelCalendar(true)
const CALENDAR_ORDINARY = new CelCalendar(false)

function buildEnvironment(): Environment {
  return new Environment({ enableOptionalTypes: true })
    .registerType('Township', {
      ctor: CelTownship,
      fields: { code: 'string', name: 'string', tags: 'list<string>' },
    })
    .registerType('Calendar', { ctor: CelCalendar, fields: { sensitive: 'bool' } })
    .registerVariable('source', 'string')
    .registerVariable('sourceSystem', 'string')
    .registerVariable('externalId', 'string')
    .registerVariable('village', 'string')
    .registerVariable('grid', 'string')
    .registerVariable('category', 'string')
    .registerVariable('severity', 'int')
    .registerVariable('peopleCount', 'int')
    .registerVariable('status', 'string')
    .registerVariable('title', 'string')
    .registerVariable('occurredAt', 'google.protobuf.Timestamp')
    .registerVariable('reportedAt', 'google.protobuf.Timestamp')
    .registerVariable('attributes', 'map<string, dyn>')
    .registerVariable('township', 'Township')
    .registerVariable('calendar', 'Calendar')
}

let environment: Environment | undefined

/** Building an Environment is expensive; one per process is enough (it is immutable in use). */
export function ruleEnvironment(): Environment {
  environment ??= buildEnvironment()
  return environment
}

/** The variables an analyst may use, for the workbench's completion and help text. */
export const RULE_VARIABLES: ReadonlyArray<{ name: string; type: string }> = [
  { name: 'source', type: 'string' },
  { name: 'sourceSystem', type: 'string' },
  { name: 'externalId', type: 'string' },
  { name: 'village', type: 'string' },
  { name: 'grid', type: 'string' },
  { name: 'category', type: 'string' },
  { name: 'severity', type: 'int' },
  { name: 'peopleCount', type: 'int' },
  { name: 'status', type: 'string' },
  { name: 'title', type: 'string' },
  { name: 'occurredAt', type: 'timestamp' },
  { name: 'reportedAt', type: 'timestamp' },
  { name: 'attributes', type: 'map<string, dyn>' },
  { name: 'township', type: '{code: string, name: string, tags: list<string>}' },
  { name: 'calendar', type: '{sensitive: bool}' },
]

/** The per-event variables, built once per event and shared by every rule and modifier. */
export type EventCelContext = Record<string, unknown>

export interface CompiledExpression {
  readonly text: string
  /** True only when the expression evaluates to boolean true; errors and non-bools are false. */
  matches(ctx: EventCelContext): boolean
  /**
   * A cheap pre-filter proven from the AST: when the expression is a conjunction containing
   * `source == '<lit>'` (or category), events with another value cannot match, so the engine
   * skips the CEL call. A false conjunct makes `&&` false even next to an error, so this never
   * changes a result.
   */
  readonly requiredSource: string | null
  readonly requiredCategory: string | null
  /** The static cost estimate in budget units (≤ RULE_BUDGET unless compiled in 'guard' mode). */
  readonly cost: number
  /** The same on an ordinary event (≤ ORDINARY_BUDGET unless compiled in 'guard' mode). */
  readonly ordinaryCost: number
  /** Evaluations stopped because they ran out of budget (skipped: no match), since compiled. */
  readonly budgetExceeded: number
}

export type CompileResult =
  | { ok: true; expression: CompiledExpression }
  | {
      ok: false
      message: string
      position: SourcePosition
      /** Set for the budget's refusals, whose `message` is zh-CN (the UI's first language) and `messageEn` English. */
      code?: CompileErrorCode
      messageEn?: string
    }

interface CelErrorLike {
  summary?: string
  message: string
  range?: { start: number; end: number }
}

const TOO_DEEP = 'expression is nested too deeply or too long: split it into simpler conditions'

function errorResult(text: string, err: CelErrorLike): CompileResult {
  // The parser and checker recurse per term: thousands of chained terms overflow the stack,
  // which is the analyst's problem to fix, not a server fault.
  if (err instanceof RangeError || /call stack/i.test(err.message)) return { ok: false, message: TOO_DEEP, position: positionAt(text, 0) }
  const offset = err.range?.start ?? 0
  return { ok: false, message: err.summary ?? err.message, position: positionAt(text, offset) }
}

export interface CompileOptions {
  /**
   * 'refuse' (saving, publishing): an over-budget expression or a pattern RE2 refuses is an error.
   * 'guard' (loading a version stored before the budget existed): it compiles, and the run-time
   * guard skips each evaluation that runs out (a pattern RE2 refuses never matches) — the engine
   * still starts on a live set that a newer rule language would refuse.
   */
  budget?: 'refuse' | 'guard'
}

export function compileExpression(text: string, options: CompileOptions = {}): CompileResult {
  const guardOnly = options.budget === 'guard'
  const env = ruleEnvironment()
  let program: ReturnType<Environment['parse']>
  try {
    program = env.parse(text)
  } catch (err) {
    return errorResult(text, err as CelErrorLike)
  }
  const checked = program.check()
  if (!checked.valid) {
    return errorResult(text, (checked.error ?? { message: 'invalid expression' }) as CelErrorLike)
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return {
      ok: false,
      message: `expression must be a condition (bool), but it yields ${checked.type}`,
      position: positionAt(text, 0),
    }
  }
  const root = program.ast as unknown as Node
  let cost: number
  let ordinary: number
  try {
    const refused = guardOnly ? null : unsupportedPattern(text, root)
    if (refused) return refused
    cost = costOf(root)
    if (!guardOnly && !(cost <= RULE_BUDGET)) return overBudget(text, root, cost)
    ordinary = ordinaryCost(root)
    if (!guardOnly && !(ordinary <= ORDINARY_BUDGET)) return tooLong(text, ordinary)
    instrument(root)
  } catch (err) {
    return errorResult(text, err as CelErrorLike)
  }
  const requiredSource = requiredEquality(program.ast, 'source')
  const requiredCategory = requiredEquality(program.ast, 'category')
  let budgetExceeded = 0
  const expression: CompiledExpression = {
    text,
    requiredSource,
    requiredCategory,
    cost,
    ordinaryCost: ordinary,
    get budgetExceeded() {
      return budgetExceeded
    },
    matches(ctx) {
      startMetering()
      let result: boolean
      try {
        result = program(ctx) === true
      } catch {
        result = false
      }
      if (meterExhausted()) {
        budgetExceeded++
        return false
      }
      return result
    },
  }
  return { ok: true, expression }
}

function requiredEquality(node: ASTNode, variable: string): string | null {
  if (node.op === '&&') {
    return requiredEquality(node.args[0], variable) ?? requiredEquality(node.args[1], variable)
  }
  if (node.op === '==') {
    const [a, b] = node.args
    if (a.op === 'id' && a.args === variable && b.op === 'value' && typeof b.args === 'string') return b.args
    if (b.op === 'id' && b.args === variable && a.op === 'value' && typeof a.args === 'string') return a.args
  }
  return null
}

const townshipCache = new WeakMap<TownshipContext, CelTownship>()

export function celTownship(t: TownshipContext): CelTownship {
  let c = townshipCache.get(t)
  if (!c) {
    c = new CelTownship(t)
    townshipCache.set(t, c)
  }
  return c
}

/** `township` may be its CEL value already (the engine keeps one per township: a WeakMap lookup per event is a cache miss in a country). */
export function eventContext(event: RiskEvent, township: TownshipContext | CelTownship, sensitive: boolean): EventCelContext {
  return {
    source: event.source,
    sourceSystem: event.sourceSystem,
    externalId: event.externalId,
    village: event.village ?? '',
    grid: event.grid ?? '',
    category: event.category,
    severity: BigInt(Math.trunc(event.severity)),
    peopleCount: BigInt(Math.trunc(event.peopleCount)),
    status: event.status,
    title: event.title ?? '',
    occurredAt: new Date(event.occurredAt),
    reportedAt: new Date(event.reportedAt),
    attributes: event.attributes ?? {},
    township: township instanceof CelTownship ? township : celTownship(township),
    calendar: sensitive ? CALENDAR_SENSITIVE : CALENDAR_ORDINARY,
  }
}

/** Quick pre-filter; true means "evaluate the expression", false means "cannot match". */
export function mayMatch(expr: CompiledExpression, event: RiskEvent): boolean {
  return (
    (expr.requiredSource === null || expr.requiredSource === event.source) &&
    (expr.requiredCategory === null || expr.requiredCategory === event.category)
  )
}
