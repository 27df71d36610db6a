import { z } from 'zod'
import type { Party } from '../../access/personal-data.ts'
import type { CodeBook, CodeKind } from '../../domain/code-tables.ts'
import { type EventStatus, MEDIATION_KINDS, type Source, SOURCES } from '../../domain/taxonomy.ts'
import type { FieldError } from '../../http-errors.ts'
import type { RegionCache, RegionInfo } from './regions.ts'
import { parseIsoDateTime } from './time.ts'

// Validation of one incoming event (docs/architecture.md §4), shared by the API, ledger imports and the
// simulator: one pipeline, one set of rules, one set of messages.

export const LIMITS = {
  externalId: 128,
  sourceSystem: 64,
  title: 200,
  summary: 4000,
  peopleCount: 1_000_000,
  parties: 50,
  partyName: 64,
  partyIdNumber: 32,
  partyPhone: 32,
  /** Serialised attributes (JSON characters). */
  attributes: 16_384,
  /** occurredAt / reportedAt may lie at most this far ahead of the server's clock. */
  futureMs: 5 * 60_000,
} as const

/** Nothing happened before this in a system built in 2026; guards against typos such as 0202. */
export const EARLIEST = Date.UTC(2000, 0, 1)

/** A validated, normalised event, ready to store. */
export interface IncomingEvent {
  source: Source
  sourceSystem: string
  externalId: string
  township: string
  village: string | null
  grid: string | null
  category: string
  severity: number
  peopleCount: number
  occurredAt: number
  /** null: not given (defaults to the time received, and is no part of the content). */
  reportedAt: number | null
  status: EventStatus
  title: string | null
  summary: string | null
  attributes: Record<string, unknown>
  parties: Party[]
}

export interface ValidationContext {
  regions: RegionCache
  /** The code tables (docs/architecture.md §4): which categories, statuses, … exist, and their words. */
  codes: CodeBook
  now: number
  /** sourceSystem when the item names none: the feed's name. */
  defaultSourceSystem: string
  /** Zone for a reportedAt without an offset (TZ_DISPLAY). */
  tz: string
}

/** A type error names the expectation; a missing value says 'required'. */
const req = (message: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : message) })

const chars = (s: string) => {
  let n = 0
  for (const _ of s) n++
  return n
}
const text = (max: number) =>
  z.string(req('must be a string')).refine((s) => chars(s) <= max, `must be at most ${max} characters`)
const nonBlank = (max: number) => text(max).refine((s) => s.trim().length > 0, 'must not be empty')

const PartySchema = z.strictObject(
  {
    name: text(LIMITS.partyName).optional(),
    idNumber: z
      .string(req('must be a string'))
      .max(LIMITS.partyIdNumber, `must be at most ${LIMITS.partyIdNumber} characters`)
      .regex(/^[0-9A-Za-z\- ]+$/, 'must be letters and digits (an ID card or passport number)')
      .optional(),
    phone: z
      .string(req('must be a string'))
      .max(LIMITS.partyPhone, `must be at most ${LIMITS.partyPhone} characters`)
      .regex(/^[0-9+\-() ]*\d[0-9+\-() ]*$/, 'must be a phone number (digits, +, -, spaces, parentheses)')
      .optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown party field(s): ${issue.keys.join(', ')}; a party has name, idNumber, phone` : 'must be an object {name?, idNumber?, phone?}') },
).refine((p) => p.name?.trim() || p.idNumber?.trim() || p.phone?.trim(), 'a party needs at least one of name, idNumber, phone')

const EventSchema = z.strictObject(
  {
    source: z.enum(SOURCES, req(`must be one of ${SOURCES.join(', ')}`)),
    externalId: nonBlank(LIMITS.externalId),
    sourceSystem: nonBlank(LIMITS.sourceSystem).optional(),
    township: z.string(req('must be a string')).regex(/^\d{9}$/, 'must be a 9-digit township code').optional(),
    village: z.string(req('must be a string')).regex(/^\d{12}$/, 'must be a 12-digit village or community code').nullable().optional(),
    grid: z.string(req('must be a string')).regex(/^\d{12}-\d{2}$/, 'must be a grid code: the 12-digit village code and -NN').nullable().optional(),
    category: z.string(req('must be a string')),
    // A number 1–4, or a label or synonym (特急): checked against the code table below.
    severity: z.union([z.number(), z.string()], req('must be a whole number from 1 to 4, or a severity label')).default(1),
    peopleCount: z
      .number(req('must be a whole number of at least 1'))
      .int('must be a whole number of at least 1')
      .min(1, 'must be at least 1')
      .max(LIMITS.peopleCount, `must be at most ${LIMITS.peopleCount}`)
      .default(1),
    occurredAt: z.string(req('must be an ISO-8601 date-time with an offset, e.g. 2026-11-20T14:30:00+08:00')),
    reportedAt: z.string(req('must be an ISO-8601 date-time, e.g. 2026-11-20T14:30:00+08:00')).nullable().optional(),
    // A code, label or synonym (调解中): checked against the code table below.
    status: z.string(req('must be a status code, label or synonym (open, in_progress, resolved, closed)')).default('open'),
    title: text(LIMITS.title).nullable().optional(),
    summary: text(LIMITS.summary).nullable().optional(),
    attributes: z.record(z.string(), z.unknown(), req('must be an object')).default({}),
    parties: z.array(PartySchema, req('must be an array of {name?, idNumber?, phone?}')).max(LIMITS.parties, `at most ${LIMITS.parties} parties`).default([]),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : issue.input === undefined
          ? 'required'
          : 'must be an event object',
  },
)

// Attributes: the keys docs/architecture.md §4 names are checked per source; other keys are kept as given
// (feeds carry their own references, e.g. a 110 dispatch number). Wrong types are rejected.
const bool = z.boolean(req('must be true or false'))
const ATTRIBUTES: Record<Source, z.ZodType> = {
  petition: z.looseObject({
    form: z.string(req('must be a string')).optional(),
    firstTime: bool.optional(),
    repeat: bool.optional(),
    skipLevel: bool.optional(),
    abnormal: bool.optional(),
  }),
  dispute: z.looseObject({
    flags: z.array(z.string(req('must be a string')), req('must be an array of dispute flags')).optional(),
    mediation: z.enum(MEDIATION_KINDS, req(`must be one of ${MEDIATION_KINDS.join(', ')}`)).optional(),
  }),
  incident: z.looseObject({
    policeStation: text(100).optional(),
  }),
}

function issuesToErrors(issues: readonly z.core.$ZodIssue[], prefix: string[] = []): FieldError[] {
  return issues.map((i) => {
    const path = [...prefix, ...i.path.map(String)]
    return { field: path.join('.') || '(item)', message: i.message }
  })
}

/** A string PostgreSQL cannot store (NUL) or that is not valid Unicode (lone surrogates). */
function findBadString(value: unknown, path: string[], depth = 0): FieldError | null {
  if (depth > 20) return { field: path.join('.') || '(item)', message: 'is nested too deeply' }
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { field: path.join('.'), message: 'must not contain NUL characters' }
    if (!value.isWellFormed()) return { field: path.join('.'), message: 'is not valid Unicode text' }
    return null
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadString(value[i], [...path, String(i)], depth + 1)
      if (bad) return bad
    }
    return null
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (findBadString(k, [], depth + 1)) return { field: path.join('.') || '(item)', message: 'has a key with NUL characters or invalid Unicode' }
      const bad = findBadString(v, [...path, k], depth + 1)
      if (bad) return bad
    }
  }
  return null
}

/**
 * `retired`: the item names a retired code. It is refused when it would be a new event, and taken
 * when it updates a stored one that carries the code (the ingest service knows which).
 */
export type Validated = { ok: true; event: IncomingEvent; retired?: FieldError[] } | { ok: false; errors: FieldError[] }

export function validateEvent(raw: unknown, ctx: ValidationContext): Validated {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, errors: [{ field: '(item)', message: 'must be an event object' }] }
  const bad = findBadString(raw, [])
  if (bad) return { ok: false, errors: [bad] }
  const parsed = EventSchema.safeParse(raw)
  const errors: FieldError[] = parsed.success ? [] : issuesToErrors(parsed.error.issues)
  const input = raw as Record<string, unknown>
  const data = parsed.success ? parsed.data : undefined

  // Checks that need the other fields or the regions; run them even when the shape failed, so
  // one answer names every problem the feed has to fix.
  const source = SOURCES.includes(input['source'] as Source) ? (input['source'] as Source) : undefined
  // Codes, labels and synonyms, read through the code tables: the code is what is stored. A
  // retired code is refused for new items and stays valid on the events that carry it.
  const codes = ctx.codes
  const retired: FieldError[] = []
  const lookup = (kind: CodeKind, scope: string, field: string, text: string, unknown: () => string): string | undefined => {
    const r = codes.resolve(kind, scope, text)
    if (!r) errors.push({ field, message: unknown() })
    else if (r.retired) retired.push({ field, message: `"${text}" is retired (${r.code} ${codes.label(kind, scope, r.code)?.zh ?? ''}): no longer accepted for new events` })
    return r?.code
  }
  const category = typeof input['category'] === 'string' && source ? lookup('category', source, 'category', input['category'], () => `unknown ${source} category "${String(input['category'])}"; one of ${codes.codes('category', source).join(', ')}`) : undefined
  const rawStatus = input['status']
  const status = typeof rawStatus === 'string' ? lookup('status', '', 'status', rawStatus, () => `must be one of ${codes.codes('status').join(', ')} (or a label or synonym such as 调解中)`) : 'open'
  const rawSeverity = input['severity']
  let severity: number | undefined = 1
  if (typeof rawSeverity === 'number') {
    severity = Number.isInteger(rawSeverity) && rawSeverity >= 1 && rawSeverity <= 4 ? rawSeverity : undefined
    if (severity === undefined) errors.push({ field: 'severity', message: Number.isInteger(rawSeverity) ? 'must be from 1 to 4' : 'must be a whole number from 1 to 4' })
  } else if (typeof rawSeverity === 'string') {
    const code = lookup('severity', '', 'severity', rawSeverity, () => `must be a whole number from 1 to 4, or a severity label or synonym (${codes.codes('severity').map((c) => codes.label('severity', '', c)?.zh).join('/')})`)
    severity = code === undefined ? undefined : Number(code)
  }
  let attributes: Record<string, unknown> | undefined
  if (source && input['attributes'] && typeof input['attributes'] === 'object' && !Array.isArray(input['attributes'])) {
    const attrs = ATTRIBUTES[source].safeParse(input['attributes'])
    if (!attrs.success) errors.push(...issuesToErrors(attrs.error.issues, ['attributes']))
    else attributes = { ...(attrs.data as Record<string, unknown>) }
    if (JSON.stringify(input['attributes']).length > LIMITS.attributes) errors.push({ field: 'attributes', message: `must be at most ${LIMITS.attributes} characters as JSON` })
    if (attributes && source === 'petition' && typeof attributes['form'] === 'string') {
      const form = attributes['form']
      attributes['form'] = lookup('petition_form', '', 'attributes.form', form, () => `must be one of ${codes.codes('petition_form').join(', ')}`)
    }
    if (attributes && source === 'dispute' && Array.isArray(attributes['flags'])) {
      const flags = (attributes['flags'] as string[]).map((f, i) => lookup('dispute_flag', '', `attributes.flags.${i}`, f, () => `must be among ${codes.codes('dispute_flag').join(', ')}`))
      if (new Set(flags).size !== flags.length) errors.push({ field: 'attributes.flags', message: 'must not repeat a flag' })
      attributes['flags'] = flags
    }
  }

  let occurredAt: number | null = null
  if (typeof input['occurredAt'] === 'string') {
    const t = parseIsoDateTime(input['occurredAt'])
    if (!t) errors.push({ field: 'occurredAt', message: 'must be an ISO-8601 date-time with an offset, e.g. 2026-11-20T14:30:00+08:00' })
    else if (t.ms > ctx.now + LIMITS.futureMs) errors.push({ field: 'occurredAt', message: 'must not be more than 5 minutes in the future' })
    else if (t.ms < EARLIEST) errors.push({ field: 'occurredAt', message: 'must not be before 2000-01-01' })
    else occurredAt = t.ms
  }
  let reportedAt: number | null = null
  if (typeof input['reportedAt'] === 'string') {
    const t = parseIsoDateTime(input['reportedAt'], ctx.tz)
    if (!t) errors.push({ field: 'reportedAt', message: 'must be an ISO-8601 date-time, e.g. 2026-11-20T14:30:00+08:00' })
    else if (t.ms > ctx.now + LIMITS.futureMs) errors.push({ field: 'reportedAt', message: 'must not be more than 5 minutes in the future' })
    else if (t.ms < EARLIEST) errors.push({ field: 'reportedAt', message: 'must not be before 2000-01-01' })
    else reportedAt = t.ms
  }

  const place = resolvePlace(input, ctx.regions, ctx.tz)
  errors.push(...place.errors)

  if (errors.length || !data || !source || occurredAt === null || !place.township || category === undefined || status === undefined || severity === undefined) {
    return { ok: false, errors: errors.length ? dedupe([...errors, ...retired]) : [{ field: '(item)', message: 'invalid event' }] }
  }
  const parties = data.parties.map((p) => {
    const out: Party = {}
    if (p.name?.trim()) out.name = p.name.trim()
    if (p.idNumber?.trim()) out.idNumber = p.idNumber.trim()
    if (p.phone?.trim()) out.phone = p.phone.trim()
    return out
  })
  return {
    ok: true,
    event: {
      source,
      sourceSystem: data.sourceSystem ?? ctx.defaultSourceSystem,
      externalId: data.externalId,
      township: place.township,
      village: place.village,
      grid: place.grid,
      category,
      severity,
      peopleCount: data.peopleCount,
      occurredAt,
      reportedAt,
      status: status as EventStatus,
      title: data.title ?? null,
      summary: data.summary ?? null,
      attributes: attributes ?? data.attributes,
      parties,
    },
    ...(retired.length ? { retired } : {}),
  }
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>()
  return errors.filter((e) => {
    const k = `${e.field}\u0000${e.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** Township, village and grid: each must exist, sit inside the others, and fill in the ones omitted. */
function resolvePlace(input: Record<string, unknown>, regions: RegionCache, tz: string): { township: string | null; village: string | null; grid: string | null; errors: FieldError[] } {
  const errors: FieldError[] = []
  // A retired region keeps its events but takes no new ones (docs/architecture.md §3): said once,
  // on the field that led to it, naming what was retired and when.
  let retiredSaid = false
  const refuseRetired = (field: string, r: RegionInfo | undefined) => {
    if (retiredSaid || !r?.retiredIn) return
    retiredSaid = true
    const on = localDate(r.retiredIn.at, tz)
    errors.push({
      field,
      message: r.retiredIn.code === r.code ? `${r.level} ${r.code} was retired on ${on}: it takes no new events` : `${r.level} ${r.code} lies in ${r.retiredIn.level} ${r.retiredIn.code}, retired on ${on}: it takes no new events`,
    })
  }
  const str = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : null)
  let township = str('township')
  let village = str('village')
  const grid = str('grid')
  if (township !== null && !/^\d{9}$/.test(township)) township = null
  if (village !== null && !/^\d{12}$/.test(village)) village = null
  const gridOk = grid !== null && /^\d{12}-\d{2}$/.test(grid)

  if (gridOk) {
    const g = regions.get(grid)
    if (!g || g.level !== 'grid') errors.push({ field: 'grid', message: `grid ${grid} does not exist` })
    else {
      if (village !== null && g.parentCode !== village) errors.push({ field: 'grid', message: `grid ${grid} is not in village ${village}` })
      if (township !== null && g.township !== township) errors.push({ field: 'grid', message: `grid ${grid} is not in township ${township}` })
      refuseRetired('grid', g)
      village ??= g.parentCode
      township ??= g.township
    }
  }
  if (village !== null) {
    const v = regions.get(village)
    if (!v || v.level !== 'village') errors.push({ field: 'village', message: `village ${village} does not exist` })
    else {
      if (township !== null && v.township !== township) errors.push({ field: 'village', message: `village ${village} is not in township ${township}` })
      refuseRetired(input['village'] == null ? 'grid' : 'village', v)
      township ??= v.township
    }
  }
  if (township !== null) {
    const t = regions.get(township)
    if (!t || t.level !== 'township') errors.push({ field: 'township', message: `township ${township} does not exist` })
    else refuseRetired(input['township'] != null ? 'township' : input['village'] != null ? 'village' : 'grid', t)
  } else if (input['township'] === undefined && input['village'] == null && input['grid'] == null) {
    errors.push({ field: 'township', message: 'required (or give village or grid)' })
  }
  return { township: errors.length ? null : township, village: errors.length ? null : village, grid: errors.length || !gridOk ? null : grid, errors }
}

/** YYYY-MM-DD in the display zone. */
function localDate(at: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)
}
