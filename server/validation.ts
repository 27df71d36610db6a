import type { FastifySchemaCompiler } from 'fastify'
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod'
import { z } from 'zod'

/** A row id in a path or body: PostgreSQL `integer` (a larger number would fail in the database as a 500). */
export const DbId = z.coerce
  .number({ error: 'must be an id (a whole number)' })
  .int('must be an id (a whole number)')
  .min(1, 'must be an id (a whole number ≥ 1)')
  .max(2 ** 31 - 1, 'no such id: ids are at most 2147483647')

/** At most this many NUL findings are reported per request part (one is enough to fix the client). */
const MAX_NUL_ISSUES = 5

/**
 * PostgreSQL text and jsonb cannot hold U+0000: a string carrying one would reach the database
 * and fail there as a 500. Refused here, for every schema'd body, query and path parameter, as a
 * 400 naming the field. Walks without recursion: a loose schema may let deep nesting through.
 */
function refuseNul(value: unknown, ctx: z.RefinementCtx): void {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [] }]
  let issues = 0
  while (stack.length && issues < MAX_NUL_ISSUES) {
    const { value: v, path } = stack.pop()!
    if (typeof v === 'string') {
      if (v.includes('\u0000')) {
        issues++
        ctx.addIssue({ code: 'custom', path, message: 'must not contain the NUL character (U+0000)', input: v })
      }
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] })
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) {
          issues++
          ctx.addIssue({ code: 'custom', path: [...path, k], message: 'names must not contain the NUL character (U+0000)', input: k })
        }
        stack.push({ value: child, path: [...path, k] })
      }
    }
  }
}

/** The zod validator compiler, with U+0000 refused in every string the schema lets through. */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, ...rest }) =>
  zodValidatorCompiler({ schema: schema.superRefine(refuseNul), ...rest })
