import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { UserPrincipal } from '../../access/principal.ts'
import { CODE_KINDS, CodeBook, type CodeEntry, type CodeKind, FIXED_KINDS, perSource, repeatedWords } from '../../domain/code-tables.ts'
import { SOURCES } from '../../domain/taxonomy.ts'
import { badRequest, conflict, type FieldError, notFound } from '../../http-errors.ts'
import { recordAudit } from '../audit/repository.ts'
import { type CodeEntryRow, insertCodeEntry, listCodeEntries, lockCodeTable, updateCodeEntry } from './repository.ts'

// Code tables (docs/architecture.md §4, "Code tables"; README "Code tables"): every signed-in
// person and a paired wall reads them (labels are not secret; the wall labels its charts with
// them); the administrator adds codes, edits labels and synonyms, retires and restores codes.
// Codes are never deleted: a retired code stays on the events that carry it.

export const LIMITS = { code: 40, label: 60, synonym: 60, synonyms: 200, sort: 9999 } as const

const Kind = z.enum(CODE_KINDS, { error: `must be one of ${CODE_KINDS.join(', ')}` })
const Source = z.enum(SOURCES, { error: `must be one of ${SOURCES.join(', ')}` })
const word = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
const Synonyms = z.array(word(LIMITS.synonym), { error: 'must be an array of strings' }).max(LIMITS.synonyms, `at most ${LIMITS.synonyms} synonyms`)
const Sort = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be at least 0').max(LIMITS.sort, `must be at most ${LIMITS.sort}`)

const Entry = z.object({
  kind: Kind,
  source: z.string().nullable(),
  code: z.string(),
  labelZh: z.string(),
  labelEn: z.string(),
  synonyms: z.array(z.string()),
  sort: z.number(),
  retired: z.boolean(),
  retiredAt: z.string().nullable(),
  updatedAt: z.string(),
})

const CreateEntry = z.strictObject({
  source: Source.optional(),
  code: z
    .string({ error: 'must be a string' })
    .regex(/^[a-z][a-z0-9_]*$/, 'must be lower-case letters, digits and _, starting with a letter (e.g. forest_rights)')
    .max(LIMITS.code, `must be at most ${LIMITS.code} characters`),
  labelZh: word(LIMITS.label),
  labelEn: word(LIMITS.label),
  synonyms: Synonyms.default([]),
  sort: Sort.optional(),
})

const PatchEntry = z
  .strictObject({
    labelZh: word(LIMITS.label).optional(),
    labelEn: word(LIMITS.label).optional(),
    synonyms: Synonyms.optional(),
    sort: Sort.optional(),
    retired: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'name at least one of labelZh, labelEn, synonyms, sort, retired')

function toJson(e: CodeEntryRow): z.infer<typeof Entry> {
  return {
    kind: e.kind,
    source: e.source || null,
    code: e.code,
    labelZh: e.labelZh,
    labelEn: e.labelEn,
    synonyms: e.synonyms,
    sort: e.sort,
    retired: e.retiredAt !== null,
    retiredAt: e.retiredAt?.toISOString() ?? null,
    updatedAt: e.updatedAt.toISOString(),
  }
}

/** The source a kind is kept under: required for a category, refused for the others. */
function scopeOf(kind: CodeKind, source: string | undefined, field: string): string {
  if (perSource(kind) && !source) throw badRequest(`${field}: required for a category (${SOURCES.join(', ')})`, [{ field, message: `required for a category: one of ${SOURCES.join(', ')}` }])
  if (!perSource(kind) && source) throw badRequest(`${field}: only categories are kept per source`, [{ field, message: 'only categories are kept per source; leave it out' }])
  return source ?? ''
}

/** Every word of an entry that another code of its kind and source already answers to, and repeats within its synonyms. */
function wordErrors(book: CodeBook, e: CodeEntry, withCode: boolean): FieldError[] {
  const words = [...(withCode ? [e.code] : []), e.labelZh, e.labelEn, ...e.synonyms]
  const fieldOf = (i: number) => {
    const fields = [...(withCode ? ['code'] : []), 'labelZh', 'labelEn']
    return i < fields.length ? fields[i]! : `synonyms.${i - fields.length}`
  }
  const errors: FieldError[] = book.clashes(e.kind, e.source, e.code, words).map((c) => ({ field: fieldOf(c.index), message: `“${c.word}” already stands for ${c.code}; a word may stand for one code only` }))
  for (const i of repeatedWords(e.synonyms)) errors.push({ field: `synonyms.${i}`, message: `“${e.synonyms[i]}” is listed twice` })
  return errors
}

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/v1/code-tables',
    {
      schema: {
        tags: ['code-tables'],
        summary: 'Every code of every kind (categories per source), with labels, synonyms and whether it is retired',
        response: { 200: z.object({ kinds: z.array(z.object({ kind: Kind, fixed: z.boolean(), perSource: z.boolean() })), items: z.array(Entry) }) },
      },
    },
    async () => ({
      kinds: CODE_KINDS.map((kind) => ({ kind, fixed: FIXED_KINDS.has(kind), perSource: perSource(kind) })),
      items: app.codeTables.rows.map(toJson),
    }),
  )

  app.post(
    '/api/v1/code-tables/:kind',
    {
      schema: {
        tags: ['code-tables'],
        summary: 'Add a code (a category needs its source); statuses and severities are fixed: give them synonyms instead',
        params: z.object({ kind: Kind }),
        body: CreateEntry,
        response: { 201: Entry },
      },
    },
    async (request, reply) => {
      const principal = request.principal as UserPrincipal
      const { kind } = request.params
      const body = request.body
      if (FIXED_KINDS.has(kind)) throw badRequest(`the ${kind} codes are fixed; add a synonym to one of them instead`, [{ field: 'code', message: `the ${kind} codes are fixed (${kind === 'status' ? 'open, in_progress, resolved, closed' : '1–4'}); add a synonym instead` }])
      const source = scopeOf(kind, body.source, 'source')
      const now = app.now()
      const entry = await app.db.transaction().execute(async (trx) => {
        await lockCodeTable(trx)
        // Judged against the table as it is now (under the lock), not this process's copy.
        const book = new CodeBook(await listCodeEntries(trx))
        if (book.entry(kind, source, body.code)) throw conflict(`${kind} ${source ? `${source} ` : ''}${body.code} exists`, [{ field: 'code', message: 'exists already (a code is never reused; edit or restore it)' }])
        const sort = body.sort ?? Math.max(-1, ...book.entries.filter((e) => e.kind === kind && e.source === source).map((e) => e.sort)) + 1
        const e: CodeEntry = { kind, source, code: body.code, labelZh: body.labelZh, labelEn: body.labelEn, synonyms: body.synonyms, sort, retiredAt: null }
        const errors = wordErrors(book, e, true)
        if (errors.length) throw conflict(errors.map((x) => `${x.field}: ${x.message}`).join('; '), errors)
        await insertCodeEntry(trx, e, principal.username, now)
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'code-table.create', target: `code:${kind}:${source ? `${source}:` : ''}${e.code}`, to: { labelZh: e.labelZh, labelEn: e.labelEn, synonyms: e.synonyms, sort }, ip: request.ip })
        return { ...e, updatedAt: now, updatedBy: principal.username }
      })
      await app.codeTables.reload()
      return reply.code(201).send(toJson(entry))
    },
  )

  app.patch(
    '/api/v1/code-tables/:kind/:code',
    {
      schema: {
        tags: ['code-tables'],
        summary: "Change a code's labels, synonyms (the whole list) or order, or retire / restore it (?source= for a category)",
        params: z.object({ kind: Kind, code: z.string().max(LIMITS.code, `must be at most ${LIMITS.code} characters`) }),
        querystring: z.object({ source: Source.optional() }),
        body: PatchEntry,
        response: { 200: Entry },
      },
    },
    async (request) => {
      const principal = request.principal as UserPrincipal
      const { kind, code } = request.params
      const source = scopeOf(kind, request.query.source, 'source')
      const body = request.body
      if (body.retired === true && FIXED_KINDS.has(kind)) throw badRequest(`the ${kind} codes are fixed and cannot be retired`, [{ field: 'retired', message: `the ${kind} codes are fixed and cannot be retired` }])
      const now = app.now()
      const entry = await app.db.transaction().execute(async (trx) => {
        await lockCodeTable(trx)
        const book = new CodeBook(await listCodeEntries(trx))
        const current = book.entry(kind, source, code)
        if (!current) throw notFound(`${kind} ${source ? `${source} ` : ''}${code}`)
        const next: CodeEntry = {
          ...current,
          labelZh: body.labelZh ?? current.labelZh,
          labelEn: body.labelEn ?? current.labelEn,
          synonyms: body.synonyms ?? current.synonyms,
          sort: body.sort ?? current.sort,
          retiredAt: body.retired === undefined ? current.retiredAt : body.retired ? (current.retiredAt ?? now) : null,
        }
        const errors = wordErrors(book, next, false)
        if (errors.length) throw conflict(errors.map((x) => `${x.field}: ${x.message}`).join('; '), errors)
        await updateCodeEntry(trx, next, principal.username, now)
        const pick = (e: CodeEntry) => ({ labelZh: e.labelZh, labelEn: e.labelEn, synonyms: e.synonyms, sort: e.sort, retired: e.retiredAt !== null })
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'code-table.update', target: `code:${kind}:${source ? `${source}:` : ''}${code}`, from: pick(current), to: pick(next), ip: request.ip })
        return { ...next, updatedAt: now, updatedBy: principal.username }
      })
      await app.codeTables.reload()
      return toJson(entry)
    },
  )
}

export default routes
