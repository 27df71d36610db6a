// The rule-set document (docs/architecture.md §5) and its compilation. The document is what analysts edit,
// version, export and import, so it is kept exactly as written (no defaults filled in): an
// exported set imports back byte-for-byte equal. Defaults live only in the compiled form the
// engine runs.

import { z } from 'zod'
import { tryParseDuration } from './duration.ts'
import type { CompileErrorCode } from './rule-budget.ts'
import { type CompileOptions, compileExpression, type CompiledExpression } from './rule-language.ts'
import type { SourcePosition } from './source-position.ts'
import { CASE_LIMITS, type CaseSettings, caseSettingsOf, ESCALATION_AUDIENCES, validateCases } from './cases.ts'

export const RULE_KINDS = ['trigger', 'threshold', 'anomaly', 'escalation', 'silence'] as const
export type RuleKind = (typeof RULE_KINDS)[number]
export const ALERT_LEVELS = ['yellow', 'orange', 'red'] as const
export type AlertLevel = (typeof ALERT_LEVELS)[number]
export const ANOMALY_METHODS = ['C1', 'C2', 'C3', 'cusum'] as const
export type AnomalyMethod = (typeof ANOMALY_METHODS)[number]

/** Defaults the contract names (docs/architecture.md §5). */
export const RULE_DEFAULTS = {
  method: 'C2' as AnomalyMethod,
  /** z for EARS */
  earsThreshold: 3,
  /** decision interval h for CUSUM */
  cusumThreshold: 4,
  minSigma: 1,
  minSources: 2,
  silencePoints: 0,
}

const durationString = z.string().superRefine((v, ctx) => {
  const r = tryParseDuration(v)
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message })
})

const modifierSchema = z.strictObject({
  when: z.string().min(1),
  factor: z.number().positive().max(10),
})

/** A numeric event field a threshold rule may sum instead of counting events. */
const sumField = z.union([
  z.enum(['peopleCount', 'severity']),
  z.string().regex(/^attributes\.[A-Za-z_][A-Za-z0-9_]*$/, 'sum must be peopleCount, severity or attributes.<name>'),
])

const ruleSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'id: letters, digits, - _ . ; at most 64'),
  name: z.string().min(1).max(100),
  kind: z.enum(RULE_KINDS),
  when: z.string().min(1).optional(),
  points: z.number().min(0).max(100).optional(),
  halfLife: durationString.optional(),
  alert: z.enum(ALERT_LEVELS).optional(),
  window: durationString.optional(),
  count: z.number().positive().optional(),
  sum: sumField.optional(),
  method: z.enum(ANOMALY_METHODS).optional(),
  threshold: z.number().positive().optional(),
  minSigma: z.number().min(0).optional(),
  minSources: z.number().int().min(2).max(3).optional(),
  enabled: z.boolean().optional(),
  description: z.string().max(2000).optional(),
  modifiers: z.array(modifierSchema).optional(),
})

const ackWithin = durationString.nullable().optional()

/** Grouping of alerts into cases and the acknowledgement deadlines (server/domain/cases.ts). */
const casesSchema = z.strictObject({
  groupWindow: durationString.optional(),
  ackWithin: z.strictObject({ red: ackWithin, orange: ackWithin, yellow: ackWithin }).optional(),
  escalation: z
    .array(z.strictObject({ after: durationString, notify: z.enum(ESCALATION_AUDIENCES, `one of ${ESCALATION_AUDIENCES.join(', ')}`) }))
    .max(CASE_LIMITS.maxSteps, `at most ${CASE_LIMITS.maxSteps} steps`)
    .optional(),
})

export const ruleSetSchema = z.strictObject({
  name: z.string().max(200).optional(),
  description: z.string().max(4000).optional(),
  levels: z.strictObject({
    yellow: z.number().positive().max(100),
    orange: z.number().positive().max(100),
    red: z.number().positive().max(100),
  }),
  hysteresis: z.number().min(0),
  rules: z.array(ruleSchema),
  modifiers: z.array(modifierSchema).optional(),
  cases: casesSchema.optional(),
})

export type RuleSetDocument = z.infer<typeof ruleSetSchema>
export type RuleDocument = z.infer<typeof ruleSchema>
export type ModifierDocument = z.infer<typeof modifierSchema>
export type Levels = RuleSetDocument['levels']

export interface ValidationError {
  /** e.g. "rules[2].when" */
  path: string
  message: string
  /** Within the CEL expression at `path`, for parse and type errors. */
  position?: SourcePosition
  /**
   * For the evaluation budget's refusals (server/domain/rule-language.ts): `rule_over_budget` or
   * `rule_regex_unsupported`; their `message` is zh-CN and `messageEn` the English.
   */
  code?: CompileErrorCode
  messageEn?: string
}

export interface CompiledModifier {
  when: CompiledExpression
  factor: number
}

export interface CompiledRule {
  id: string
  name: string
  kind: RuleKind
  /** null: every event matches (escalation, silence without `when`) */
  when: CompiledExpression | null
  points: number
  halfLifeMs: number | null
  alert: AlertLevel | null
  windowMs: number | null
  count: number | null
  sum: string | null
  method: AnomalyMethod
  threshold: number
  minSigma: number
  minSources: number
  modifiers: CompiledModifier[]
}

export interface CompiledRuleSet {
  document: RuleSetDocument
  levels: Levels
  hysteresis: number
  /** Enabled rules only, in document order. */
  rules: CompiledRule[]
  modifiers: CompiledModifier[]
  /** Case grouping and acknowledgement deadlines, defaults filled in. */
  cases: CaseSettings
}

export type RuleSetValidation =
  | { ok: true; ruleSet: CompiledRuleSet }
  | { ok: false; errors: ValidationError[] }

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out === '' ? String(p) : `.${String(p)}`
  }
  return out
}

type FieldName = keyof RuleDocument
const KIND_FIELDS: Record<RuleKind, { required: FieldName[]; allowed: FieldName[] }> = {
  trigger: { required: ['when', 'halfLife'], allowed: ['points', 'alert', 'modifiers'] },
  threshold: { required: ['when', 'window', 'count'], allowed: ['sum', 'points', 'halfLife', 'alert', 'modifiers'] },
  anomaly: {
    required: ['when', 'halfLife'],
    allowed: ['method', 'threshold', 'minSigma', 'points', 'alert', 'modifiers'],
  },
  escalation: { required: ['window', 'halfLife'], allowed: ['when', 'minSources', 'points', 'alert', 'modifiers'] },
  silence: { required: ['window'], allowed: ['when', 'points', 'halfLife', 'alert'] },
}
const COMMON_FIELDS: FieldName[] = ['id', 'name', 'kind', 'enabled', 'description']
const WHY_REQUIRED: Partial<Record<FieldName, string>> = {
  halfLife: 'its signals would otherwise never expire',
  window: 'it looks back over a window',
  count: 'it fires when the window reaches this count',
  when: 'it needs a condition on the event',
}

function compileInto(
  text: string,
  path: string,
  errors: ValidationError[],
  options: CompileOptions = {},
): CompiledExpression | null {
  const r = compileExpression(text, options)
  if (r.ok) return r.expression
  errors.push({ path, message: r.message, position: r.position, ...(r.code ? { code: r.code, messageEn: r.messageEn } : {}) })
  return null
}

function durationMs(text: string | undefined): number | null {
  if (text === undefined) return null
  const r = tryParseDuration(text)
  return r.ok ? r.ms : null
}

/**
 * Validate and compile. Structural errors name the path; CEL errors also carry a position.
 * `options.budget`: see CompileOptions — 'guard' only for loading a version already stored.
 */
export function validateRuleSet(input: unknown, options: CompileOptions = {}): RuleSetValidation {
  const parsed = ruleSetSchema.safeParse(input)
  if (!parsed.success) {
    const errors: ValidationError[] = parsed.error.issues.map((i) => ({
      path: formatPath(i.path),
      message: i.message,
    }))
    // Still report CEL errors so the editor can underline them while other fields are wrong.
    collectLooseCelErrors(input, errors)
    return { ok: false, errors }
  }
  const doc = parsed.data
  const errors: ValidationError[] = []

  const { yellow, orange, red } = doc.levels
  if (!(yellow < orange)) errors.push({ path: 'levels.orange', message: 'orange must be greater than yellow' })
  if (!(orange < red)) errors.push({ path: 'levels.red', message: 'red must be greater than orange' })
  if (!(doc.hysteresis < yellow)) {
    errors.push({ path: 'hysteresis', message: 'hysteresis must be smaller than the yellow level, or a level could never drop' })
  }

  errors.push(...validateCases(doc.cases))

  const modifiers: CompiledModifier[] = []
  doc.modifiers?.forEach((m, i) => {
    const when = compileInto(m.when, `modifiers[${i}].when`, errors, options)
    if (when) modifiers.push({ when, factor: m.factor })
  })

  const seen = new Map<string, number>()
  const rules: CompiledRule[] = []
  doc.rules.forEach((rule, i) => {
    const at = `rules[${i}]`
    const first = seen.get(rule.id)
    if (first !== undefined) {
      errors.push({ path: `${at}.id`, message: `duplicate rule id "${rule.id}" (also rules[${first}])` })
    } else {
      seen.set(rule.id, i)
    }
    const spec = KIND_FIELDS[rule.kind]
    for (const f of spec.required) {
      if (rule[f] === undefined) {
        const why = WHY_REQUIRED[f]
        errors.push({ path: `${at}.${f}`, message: `a ${rule.kind} rule requires ${f}${why ? `: ${why}` : ''}` })
      }
    }
    for (const key of Object.keys(rule) as FieldName[]) {
      if (!COMMON_FIELDS.includes(key) && !spec.required.includes(key) && !spec.allowed.includes(key)) {
        errors.push({ path: `${at}.${key}`, message: `${key} does not apply to a ${rule.kind} rule` })
      }
    }
    if (rule.kind !== 'silence' && rule.points === undefined && rule.alert === undefined) {
      errors.push({ path: `${at}.points`, message: 'a rule needs points or alert, or it has no effect' })
    }
    if (rule.kind === 'threshold' && rule.sum === undefined && rule.count !== undefined && !Number.isInteger(rule.count)) {
      errors.push({ path: `${at}.count`, message: 'count must be a whole number unless sum is given' })
    }
    const when = rule.when === undefined ? null : compileInto(rule.when, `${at}.when`, errors, options)
    const ruleModifiers: CompiledModifier[] = []
    rule.modifiers?.forEach((m, j) => {
      const w = compileInto(m.when, `${at}.modifiers[${j}].when`, errors, options)
      if (w) ruleModifiers.push({ when: w, factor: m.factor })
    })
    const method = rule.method ?? RULE_DEFAULTS.method
    if (rule.enabled === false) return
    rules.push({
      id: rule.id,
      name: rule.name,
      kind: rule.kind,
      when,
      points: rule.points ?? (rule.kind === 'silence' ? RULE_DEFAULTS.silencePoints : 0),
      halfLifeMs: durationMs(rule.halfLife),
      alert: rule.alert ?? null,
      windowMs: durationMs(rule.window),
      count: rule.count ?? null,
      sum: rule.sum ?? null,
      method,
      threshold: rule.threshold ?? (method === 'cusum' ? RULE_DEFAULTS.cusumThreshold : RULE_DEFAULTS.earsThreshold),
      minSigma: rule.minSigma ?? RULE_DEFAULTS.minSigma,
      minSources: rule.minSources ?? RULE_DEFAULTS.minSources,
      modifiers: ruleModifiers,
    })
  })

  if (errors.length > 0) return { ok: false, errors }
  // The schema neither adds nor transforms values, so the input itself is the document; keeping
  // it (rather than zod's output) also keeps the analyst's key order for byte-equal export.
  const document = structuredClone(input) as RuleSetDocument
  return { ok: true, ruleSet: { document, levels: doc.levels, hysteresis: doc.hysteresis, rules, modifiers, cases: caseSettingsOf(doc) } }
}

function collectLooseCelErrors(input: unknown, errors: ValidationError[]): void {
  if (typeof input !== 'object' || input === null) return
  const doc = input as { rules?: unknown; modifiers?: unknown }
  const seenPaths = new Set(errors.map((e) => e.path))
  const tryWhen = (value: unknown, path: string) => {
    if (typeof value !== 'string' || value === '' || seenPaths.has(path)) return
    compileInto(value, path, errors)
  }
  const mods = (list: unknown, prefix: string) => {
    if (!Array.isArray(list)) return
    list.forEach((m: unknown, j) => tryWhen((m as { when?: unknown } | null)?.when, `${prefix}modifiers[${j}].when`))
  }
  mods(doc.modifiers, '')
  if (Array.isArray(doc.rules)) {
    doc.rules.forEach((r: unknown, i) => {
      if (typeof r !== 'object' || r === null) return
      tryWhen((r as { when?: unknown }).when, `rules[${i}].when`)
      mods((r as { modifiers?: unknown }).modifiers, `rules[${i}].`)
    })
  }
}

/** Export form: the document as stored, pretty-printed for humans and diffs. */
export function exportRuleSet(doc: RuleSetDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`
}

export function importRuleSet(json: string): RuleSetValidation {
  let input: unknown
  try {
    input = JSON.parse(json)
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }] }
  }
  return validateRuleSet(input)
}
