import type { FastifySchemaCompiler } from 'fastify'
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod'
import { z } from 'zod'

/** A row id in a path or body: PostgreSQL `integer` (a larger number would fail in the database as a 500). */
export const DbId = z.coerce
  .number({ error: 'must be an id (a whole number)' })
  .int('must be an id (a whole number)')
  .min(1, 'must be an id (a whole number ≥ 1)')
  .max(2 ** 31 - 1, 'no such id: ids are at most 2147483647')

/** Before this, a date is a typo; year 0 and earlier also fail in PostgreSQL. */
const EARLIEST_INSTANT = Date.UTC(1900, 0, 1)

/** An instant from a client: ISO-8601 with an offset (four-digit years), from 1900 on. */
export const isoDateTime = (error = 'must be an ISO-8601 date-time with an offset, e.g. 2026-03-01T00:00:00+08:00') =>
  z.iso.datetime({ offset: true, error, abort: true }).refine((v) => Date.parse(v) >= EARLIEST_INSTANT, 'must not be before 1900')

/** At most this many findings are reported per request part (one is enough to fix the client). */
const MAX_TEXT_ISSUES = 5

/** Where a value sits, linked to its parent: a path is built only for a value that is reported. */
interface Place {
  value: unknown
  key: PropertyKey | null
  parent: Place | null
}

function pathOf(place: Place): PropertyKey[] {
  const path: PropertyKey[] = []
  for (let p: Place | null = place; p && p.key !== null; p = p.parent) path.push(p.key)
  return path.reverse()
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and jsonb refuses a lone surrogate (JSON.stringify
 * writes it as an escape): such a string would reach the database and fail there as a 500.
 * Refused here, for every schema'd body, query and path parameter, as a 400 naming the field.
 * Walks without recursion, in time linear in the value: a loose schema may let deep nesting through.
 */
function refuseUnstorableText(value: unknown, ctx: z.RefinementCtx): void {
  const stack: Place[] = [{ value, key: null, parent: null }]
  let issues = 0
  const report = (place: Place, message: string, input: string) => {
    issues++
    ctx.addIssue({ code: 'custom', path: pathOf(place), message, input })
  }
  while (stack.length && issues < MAX_TEXT_ISSUES) {
    const place = stack.pop()!
    const v = place.value
    if (typeof v === 'string') {
      const problem = textProblem(v)
      if (problem) report(place, problem, v)
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: place })
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      for (const [k, child] of Object.entries(v)) {
        const entry = { value: child, key: k, parent: place }
        const problem = textProblem(k)
        if (problem) report(entry, `the name ${problem}`, k)
        stack.push(entry)
      }
    }
  }
}

function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)'
  // \p{Cs} matches only unpaired surrogates under /u (the client's type-check lib predates isWellFormed).
  if (/\p{Cs}/u.test(s)) return 'must be valid Unicode text (it has a lone surrogate)'
  return null
}

/** The zod validator compiler, with U+0000 and lone surrogates refused in every string the schema lets through. */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, ...rest }) =>
  zodValidatorCompiler({ schema: schema.superRefine(refuseUnstorableText), ...rest })
