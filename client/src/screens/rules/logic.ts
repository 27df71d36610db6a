// Pure helpers of the rules workbench: server validation errors → editor diagnostics, the
// rule-set diff between versions, and backtest aggregation. No Vue, no I/O.
import type { AlertLevel, RuleDocument, RuleKind, RuleSetDocument } from '#contract/rules.ts'
import { DEFAULT_LEVELS } from '#contract/taxonomy.ts'
import { addDays, dateTime, isoInZone, localDate, midnightIso, parseIsoDateTime } from '#contract/zoned-time.ts'
import { timeZone } from '../../lib/time-zone.ts'

export type { AlertLevel, RuleDocument, RuleKind, RuleSetDocument }

export interface Position {
  line: number
  column: number
  offset: number
}

/** One error of POST /api/v1/rulesets/validate (or the 400 of a save). */
export interface RuleSetIssue {
  path: string
  message: string
  position?: Position
  /** The evaluation budget's refusals (`rule_over_budget`, `rule_regex_unsupported`): `message` is zh-CN, `messageEn` English. */
  code?: string
  messageEn?: string
}

/** An issue's text in the UI's language: the server's zh-CN message, or its English where it sends one. */
export function issueMessage(issue: RuleSetIssue, locale = 'zh-CN'): string {
  return locale === 'en' && issue.messageEn ? issue.messageEn : issue.message
}

/** What CodeMirror's lint extension takes, minus its import (kept pure for tests). */
export interface EditorDiagnostic {
  from: number
  to: number
  severity: 'error' | 'warning'
  message: string
}

/** The offset of a 1-based line/column in `text`, clamped to the text. */
export function offsetOfLineColumn(text: string, line: number, column: number): number {
  let offset = 0
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset)
    if (nl < 0) return text.length
    offset = nl + 1
  }
  const lineEnd = text.indexOf('\n', offset)
  const end = lineEnd < 0 ? text.length : lineEnd
  return Math.min(offset + Math.max(0, column - 1), end)
}

const TOKEN = /[A-Za-z0-9_.']/

/**
 * Diagnostics for the expression at `path` (e.g. `rules[2].when`). An error with a position is
 * marked at that position (through the end of the token there, at least one character); one
 * without a position marks the whole expression. The server's offset is trusted when it agrees
 * with its line/column, else line/column wins (the editor may have changed since).
 */
export function diagnosticsFor(issues: readonly RuleSetIssue[], path: string, text: string, locale = 'zh-CN'): EditorDiagnostic[] {
  const out: EditorDiagnostic[] = []
  for (const issue of issues) {
    if (issue.path !== path) continue
    const message = issueMessage(issue, locale)
    if (!issue.position) {
      out.push({ from: 0, to: text.length, severity: 'error', message })
      continue
    }
    const { line, column, offset } = issue.position
    const fromLineColumn = offsetOfLineColumn(text, line, column)
    let from = offset >= 0 && offset <= text.length && offsetOfLineColumn(text, line, column) === offset ? offset : fromLineColumn
    let to = from
    while (to < text.length && TOKEN.test(text[to]!)) to++
    if (to === from) to = Math.min(text.length, from + 1)
    if (from === to && from > 0) from -= 1 // at the very end: mark the last character
    out.push({ from, to, severity: 'error', message })
  }
  return out
}

/** Errors that are not on an expression (shown beside their form field). */
export function issueAt(issues: readonly RuleSetIssue[], path: string, locale = 'zh-CN'): string | null {
  const issue = issues.find((i) => i.path === path)
  return issue ? issueMessage(issue, locale) : null
}

/** Errors at `prefix` or below it (`rules[2]` → `rules[2].id`, `rules[2].when`, …). */
export function issuesUnder(issues: readonly RuleSetIssue[], prefix: string): RuleSetIssue[] {
  return issues.filter((i) => i.path === prefix || i.path.startsWith(`${prefix}.`) || i.path.startsWith(`${prefix}[`))
}

/** A JSON syntax error in the power-user JSON view, as a diagnostic. */
export function jsonDiagnostics(text: string): EditorDiagnostic[] {
  try {
    JSON.parse(text)
    return []
  } catch (err) {
    const message = (err as Error).message
    const pos = /position (\d+)/.exec(message)
    const lc = /line (\d+) column (\d+)/.exec(message)
    let from = pos ? Number(pos[1]) : lc ? offsetOfLineColumn(text, Number(lc[1]), Number(lc[2])) : text.length
    from = Math.min(from, text.length)
    const to = Math.min(text.length, from + 1)
    return [{ from: to === from && from > 0 ? from - 1 : from, to, severity: 'error', message }]
  }
}

// ---------------------------------------------------------------- editing

/** Which fields apply to which kind (mirrors the server's check in server/domain/ruleset.ts). */
export const KIND_FIELDS: Record<RuleKind, { required: Array<keyof RuleDocument>; allowed: Array<keyof RuleDocument> }> = {
  trigger: { required: ['when', 'halfLife'], allowed: ['points', 'alert', 'modifiers'] },
  threshold: { required: ['when', 'window', 'count'], allowed: ['sum', 'points', 'halfLife', 'alert', 'modifiers'] },
  anomaly: { required: ['when', 'halfLife'], allowed: ['method', 'threshold', 'minSigma', 'points', 'alert', 'modifiers'] },
  escalation: { required: ['window', 'halfLife'], allowed: ['when', 'minSources', 'points', 'alert', 'modifiers'] },
  silence: { required: ['window'], allowed: ['when', 'points', 'halfLife', 'alert'] },
}

export function fieldApplies(kind: RuleKind, field: keyof RuleDocument): boolean {
  const spec = KIND_FIELDS[kind]
  return spec.required.includes(field) || spec.allowed.includes(field)
}

/**
 * Set a field, deleting it when empty: the document is stored exactly as written, so a cleared
 * input must not leave `""` or `null` behind.
 */
export function setField<T extends object>(target: T, key: keyof T, value: unknown): void {
  if (value === undefined || value === null || value === '' || (typeof value === 'number' && Number.isNaN(value))) delete target[key]
  else (target as Record<keyof T, unknown>)[key] = value
}

/** Drop fields that do not apply after the kind changed. */
export function changeKind(rule: RuleDocument, kind: RuleKind): void {
  rule.kind = kind
  for (const key of Object.keys(rule) as Array<keyof RuleDocument>) {
    if (['id', 'name', 'kind', 'enabled', 'description'].includes(key)) continue
    if (!fieldApplies(kind, key)) delete rule[key]
  }
}

export function newRule(existingIds: readonly string[]): RuleDocument {
  let n = existingIds.length + 1
  while (existingIds.includes(`rule-${n}`)) n++
  return { id: `rule-${n}`, name: `rule-${n}`, kind: 'trigger', when: "source == 'petition'", points: 10, halfLife: '48h' }
}

export function emptyRuleSet(): RuleSetDocument {
  return { levels: { ...DEFAULT_LEVELS }, hysteresis: 5, rules: [] }
}

// ---------------------------------------------------------------- diff

export interface FieldChange {
  field: string
  before: unknown
  after: unknown
}

export interface RuleSetDiff {
  /** levels, hysteresis, name, description, set-wide modifiers */
  settings: FieldChange[]
  added: RuleDocument[]
  removed: RuleDocument[]
  changed: Array<{ id: string; name: string; fields: FieldChange[] }>
  /** true when nothing differs */
  same: boolean
}

/** Key-order-insensitive JSON, so `{a,b}` equals `{b,a}`. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'undefined'
}

function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ''): FieldChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  const out: FieldChange[] = []
  for (const key of keys) {
    if (canonical(before[key]) !== canonical(after[key])) out.push({ field: `${prefix}${key}`, before: before[key], after: after[key] })
  }
  return out
}

/** Rules are matched by id; their order is not a change. */
export function diffRuleSets(before: RuleSetDocument, after: RuleSetDocument): RuleSetDiff {
  const settings: FieldChange[] = [
    ...fieldChanges(before.levels ?? {}, after.levels ?? {}, 'levels.'),
    ...fieldChanges(
      { hysteresis: before.hysteresis, name: before.name, description: before.description, modifiers: before.modifiers },
      { hysteresis: after.hysteresis, name: after.name, description: after.description, modifiers: after.modifiers },
    ),
  ]
  const beforeById = new Map(before.rules.map((r) => [r.id, r]))
  const afterById = new Map(after.rules.map((r) => [r.id, r]))
  const added = after.rules.filter((r) => !beforeById.has(r.id))
  const removed = before.rules.filter((r) => !afterById.has(r.id))
  const changed: RuleSetDiff['changed'] = []
  for (const rule of after.rules) {
    const old = beforeById.get(rule.id)
    if (!old) continue
    const fields = fieldChanges(old as Record<string, unknown>, rule as Record<string, unknown>)
    if (fields.length > 0) changed.push({ id: rule.id, name: rule.name, fields })
  }
  return { settings, added, removed, changed, same: settings.length === 0 && added.length === 0 && removed.length === 0 && changed.length === 0 }
}

/** A diff value for display: strings as they are, everything else as compact JSON, absence as —. */
export function showValue(value: unknown): string {
  if (value === undefined) return '—'
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

// ---------------------------------------------------------------- backtest

export interface BacktestAlert {
  key: string
  /** a code, or `{code, name}` */
  township: string | { code: string; name?: string }
  ruleId: string | null
  level: string
  raisedAt: string
  lastSeenAt: string
  count: number
}

export interface BacktestResult {
  alerts: BacktestAlert[]
  signals: Array<{ township: string; ruleId: string; at: string; points: number; eventIds: Array<string | number> }>
  daily: Array<{ township: string; date: string; score: number; level: string }>
  diff: { added: BacktestAlert[]; removed: BacktestAlert[]; changed: Array<{ before: BacktestAlert; after: BacktestAlert }> }
}

export const CHART_LEVELS = ['yellow', 'orange', 'red'] as const

/** YYYY-MM-DD of an instant in the centre's time zone. */
export function dayOf(instant: string | number | Date, zone = timeZone()): string {
  return localDate(new Date(instant).getTime(), zone)
}

export { addDays }

export function daysBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let d = from; d <= to && out.length < 3660; d = addDays(d, 1)) out.push(d)
  return out
}

/** The default backtest range: the last `days` days up to today (inclusive). */
export function defaultRange(now: Date, days = 30, zone = timeZone()): { from: string; to: string } {
  const to = dayOf(now, zone)
  return { from: addDays(to, -(days - 1)), to }
}

/** Inclusive day inputs → the half-open `[from, to)` instants the backtest takes (local midnights of the centre). */
export function rangeToInstants(from: string, to: string, zone = timeZone()): { from: string; to: string } {
  return { from: midnightIso(from, zone), to: midnightIso(addDays(to, 1), zone) }
}

/** Alerts raised per day and level over every day of [from, to] (zeros included), for stacked bars. */
export function alertsPerDay(alerts: readonly BacktestAlert[], from: string, to: string, zone = timeZone()): { days: string[]; series: Record<(typeof CHART_LEVELS)[number], number[]> } {
  const days = daysBetween(from, to)
  const index = new Map(days.map((d, i) => [d, i]))
  const series = { yellow: days.map(() => 0), orange: days.map(() => 0), red: days.map(() => 0) }
  for (const alert of alerts) {
    const i = index.get(dayOf(alert.raisedAt, zone))
    if (i === undefined || !(alert.level in series)) continue
    series[alert.level as keyof typeof series][i]! += 1
  }
  return { days, series }
}

export function townshipCode(t: BacktestAlert['township']): string {
  return typeof t === 'string' ? t : t.code
}

export interface TownshipDiffRow {
  township: string
  added: BacktestAlert[]
  removed: BacktestAlert[]
  changed: Array<{ before: BacktestAlert; after: BacktestAlert }>
}

/** The backtest's diff against the live set, grouped per township (sorted by code). */
export function diffByTownship(diff: BacktestResult['diff']): TownshipDiffRow[] {
  const rows = new Map<string, TownshipDiffRow>()
  const row = (code: string) => {
    let r = rows.get(code)
    if (!r) rows.set(code, (r = { township: code, added: [], removed: [], changed: [] }))
    return r
  }
  for (const a of diff.added) row(townshipCode(a.township)).added.push(a)
  for (const a of diff.removed) row(townshipCode(a.township)).removed.push(a)
  for (const c of diff.changed) row(townshipCode(c.after.township)).changed.push(c)
  return [...rows.values()].sort((a, b) => (a.township < b.township ? -1 : a.township > b.township ? 1 : 0))
}

// ---------------------------------------------------------------- display

/** An instant in the centre's time zone, e.g. 2026-11-23 14:05. */
export function formatInstant(iso: string | null | undefined, zone = timeZone()): string {
  if (!iso) return '—'
  const t = Date.parse(iso)
  return Number.isNaN(t) ? iso : dateTime(t, zone)
}

/** A `datetime-local` input value (centre time) → ISO-8601 with the centre's offset. */
export function localInputToIso(value: string, zone = timeZone()): string {
  const parsed = parseIsoDateTime(value, zone)
  return parsed ? isoInZone(parsed.ms, zone) : value
}
