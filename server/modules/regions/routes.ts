// The region tree, managed (docs/architecture.md §3): county → township/street → village/community
// → grid. Regions are created, renamed, moved, tagged and retired — never deleted, so stored events
// keep their place — and imported from the national statistical code table (import-routes.ts). Every change is
// audited, reaches the ingest's region cache and the engine (townships are the scoring unit) at
// once, and is pushed live (`regions:updated`), so screens show it without a reload.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Db } from '../../../db/connect.ts'
import { actorOf } from '../../access/principal.ts'
import { impliedParent, KINDS_OF, kindOfName, levelOfCode, normalizeCode, parentLevel, REGION_CODE, REGION_CODE_MESSAGE, REGION_KINDS, REGION_TAG, type RegionLevel } from '../../domain/region-codes.ts'
import { conflict, type FieldError, HttpError, isUniqueViolation, notFound } from '../../http-errors.ts'
import { recordAudit } from '../audit/repository.ts'
import { regionsChanged } from './changed.ts'
import { Region } from './schema.ts'
import { findRegion, insertRegions, listRegionRecords, lockRegion, type RegionChanges, type RegionRecord, updateRegion } from './repository.ts'

/** A code as a client may send it: 6, 9 or 12 digits (the table's padded 12-digit county and township forms too), or a grid's village code and -NN. */
const RegionCode = z.string({ error: 'must be a string' }).trim().regex(REGION_CODE, REGION_CODE_MESSAGE)
const Name = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(100, 'at most 100 characters')
const Tags = z
  .array(z.string({ error: 'must be a string' }).regex(REGION_TAG, 'a tag is lowercase letters, digits and "_", starting with a letter (county_seat, border, resettlement)'), { error: 'must be a list of tags' })
  .max(20, 'at most 20 tags')
  .refine((tags) => new Set(tags).size === tags.length, 'each tag once')
const Kind = z.enum(REGION_KINDS, { error: `must be one of ${REGION_KINDS.join(', ')}` })
const UrbanRural = z.string({ error: 'must be a string' }).regex(/^\d{3}$/, 'must be a 3-digit urban-rural code (城乡分类代码, e.g. 111, 220)')


const NewRegionBody = z.object({
  code: RegionCode,
  name: Name,
  /** Optional: the code's digits name it (a township's county, a village's township); given, it must agree. */
  parentCode: RegionCode.optional(),
  kind: Kind.optional(),
  tags: Tags.optional(),
  urbanRural: UrbanRural.optional(),
})

const RegionPatch = z
  .object({
    name: Name.optional(),
    /** Moves the region under another region of the level above. */
    parentCode: RegionCode.optional(),
    tags: Tags.optional(),
    kind: Kind.optional(),
    urbanRural: UrbanRural.nullable().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'nothing to change: give name, parentCode, tags, kind or urbanRural')

const Note = z.object({ note: z.string({ error: 'must be a string' }).trim().max(500, 'at most 500 characters').optional() }).optional()
const CodeParams = z.object({ code: RegionCode })

const invalid = (fields: FieldError[]) => new HttpError(400, 'validation', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields })
const LEVEL_WORD: Record<RegionLevel, string> = { county: 'county', township: 'township', village: 'village', grid: 'grid' }

function view(r: RegionRecord): z.infer<typeof Region> {
  return { code: r.code, parentCode: r.parentCode, level: r.level, name: r.name, kind: r.kind, tags: r.tags, urbanRural: r.urbanRural, retiredAt: r.retiredAt, createdAt: r.createdAt, updatedAt: r.updatedAt }
}

/** The parent a region of `level` may hang under: it exists, is of the level above and is in service. */
async function checkParent(db: Db, level: RegionLevel, parentCode: string, field: string): Promise<FieldError | null> {
  const want = parentLevel(level)
  if (!want) return { field, message: 'a county has no parent' }
  const parent = await findRegion(db, parentCode)
  if (!parent) return { field, message: `region ${parentCode} does not exist` }
  if (parent.level !== want) return { field, message: `a ${LEVEL_WORD[level]} goes under a ${want}; ${parentCode} is a ${parent.level}` }
  if (parent.retiredAt) return { field, message: `${parent.level} ${parentCode} is retired: reinstate it first` }
  return null
}

const routes: FastifyPluginAsyncZod = async (app) => {
  const principalOf = (request: { principal: Parameters<typeof actorOf>[0] }) => actorOf(request.principal)

  app.get(
    '/api/v1/regions',
    { schema: { tags: ['regions'], summary: 'Every region (county, townships, villages, grids) with its parent, level, tags and whether it is retired; flat, by code', response: { 200: z.object({ items: z.array(Region) }) } } },
    async () => ({ items: (await listRegionRecords(app.db)).map(view) }),
  )

  app.post(
    '/api/v1/regions',
    { schema: { tags: ['regions'], summary: 'Create a region under its parent (the code’s digits name the parent; a grid is its village code and -NN)', body: NewRegionBody, response: { 201: Region } } },
    async (request, reply) => {
      const body = request.body
      const code = normalizeCode(body.code)
      const level = levelOfCode(code)!
      const fields: FieldError[] = []
      const implied = impliedParent(code)
      const parentCode = body.parentCode === undefined ? implied : normalizeCode(body.parentCode)
      if (level === 'county') {
        if (body.parentCode !== undefined) fields.push({ field: 'parentCode', message: 'a county has no parent' })
      } else if (parentCode !== implied) {
        fields.push({ field: 'parentCode', message: `the code ${code} lies in ${implied}: a ${LEVEL_WORD[level]}'s code begins with its ${parentLevel(level)}'s` })
      } else {
        const problem = await checkParent(app.db, level, parentCode!, body.parentCode === undefined ? 'code' : 'parentCode')
        if (problem) fields.push(problem)
      }
      const kind = body.kind ?? kindOfName(level, body.name)
      if (!KINDS_OF[level].includes(kind)) fields.push({ field: 'kind', message: `a ${LEVEL_WORD[level]} is one of ${KINDS_OF[level].join(', ')}` })
      if (fields.length) throw invalid(fields)
      if (await findRegion(app.db, code)) throw conflict(`region ${code} already exists`, [{ field: 'code', message: `region ${code} already exists` }])
      const { actor, actorKind } = principalOf(request)
      const now = app.now()
      const row = { code, parentCode: level === 'county' ? null : parentCode, level, name: body.name, kind, tags: body.tags ?? [], urbanRural: body.urbanRural ?? null }
      try {
        await app.db.transaction().execute(async (trx) => {
          await insertRegions(trx, [row], now)
          await recordAudit(trx, { actor, actorKind, action: 'region.create', target: `region:${code}`, to: row, ip: request.ip })
        })
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`region ${code} already exists`, [{ field: 'code', message: `region ${code} already exists` }])
        throw err
      }
      await regionsChanged(app, [code], [level])
      reply.code(201)
      return view((await findRegion(app.db, code))!)
    },
  )

  app.patch(
    '/api/v1/regions/:code',
    { schema: { tags: ['regions'], summary: 'Rename, move (parentCode: a region of the level above), retag or reclassify a region', params: CodeParams, body: RegionPatch, response: { 200: Region } } },
    async (request) => {
      const code = normalizeCode(request.params.code)
      const patch = request.body
      const { actor, actorKind } = principalOf(request)
      const now = app.now()
      const result = await app.db.transaction().execute(async (trx) => {
        const current = await lockRegion(trx, code)
        if (!current) throw notFound(`region ${code}`)
        const fields: FieldError[] = []
        const changes: RegionChanges = {}
        const from: Record<string, unknown> = {}
        const to: Record<string, unknown> = {}
        const set = <K extends keyof RegionChanges>(key: K, value: RegionChanges[K], was: unknown) => {
          if (JSON.stringify(value) === JSON.stringify(was)) return
          changes[key] = value
          from[key] = was
          to[key] = value
        }
        if (patch.name !== undefined) set('name', patch.name, current.name)
        if (patch.tags !== undefined) set('tags', patch.tags, current.tags)
        if (patch.urbanRural !== undefined) set('urbanRural', patch.urbanRural, current.urbanRural)
        if (patch.kind !== undefined) {
          if (!KINDS_OF[current.level].includes(patch.kind)) fields.push({ field: 'kind', message: `a ${LEVEL_WORD[current.level]} is one of ${KINDS_OF[current.level].join(', ')}` })
          else set('kind', patch.kind, current.kind)
        }
        if (patch.parentCode !== undefined) {
          const parentCode = normalizeCode(patch.parentCode)
          const problem = current.level === 'county' ? { field: 'parentCode', message: 'a county has no parent' } : parentCode === current.parentCode ? null : await checkParent(trx, current.level, parentCode, 'parentCode')
          if (problem) fields.push(problem)
          else set('parentCode', parentCode, current.parentCode)
        }
        if (fields.length) throw invalid(fields)
        if (Object.keys(changes).length === 0) return { current, changed: false }
        await updateRegion(trx, code, changes, now)
        await recordAudit(trx, { actor, actorKind, action: 'region.update', target: `region:${code}`, from, to, ip: request.ip })
        return { current, changed: true }
      })
      if (result.changed) await regionsChanged(app, [code], [result.current.level])
      return view((await findRegion(app.db, code))!)
    },
  )

  async function setRetired(request: { params: { code: string }; body?: { note?: string | undefined } | undefined; ip: string; principal: Parameters<typeof actorOf>[0] }, retire: boolean) {
    const code = normalizeCode(request.params.code)
    const { actor, actorKind } = actorOf(request.principal)
    const now = app.now()
    const level = await app.db.transaction().execute(async (trx) => {
      const current = await lockRegion(trx, code)
      if (!current) throw notFound(`region ${code}`)
      if (retire && current.retiredAt) throw conflict(`${current.level} ${code} is already retired`, [{ field: 'code', message: `already retired on ${current.retiredAt.toISOString()}` }])
      if (!retire && !current.retiredAt) throw conflict(`${current.level} ${code} is not retired`, [{ field: 'code', message: 'not retired' }])
      if (!retire && current.parentCode) {
        const parent = await findRegion(trx, current.parentCode)
        if (parent?.retiredAt) throw conflict(`${parent.level} ${parent.code} is retired: reinstate it first`, [{ field: 'code', message: `its ${parent.level} ${parent.code} is retired: reinstate that first` }])
      }
      await updateRegion(trx, code, { retiredAt: retire ? now : null }, now)
      await recordAudit(trx, {
        actor,
        actorKind,
        action: retire ? 'region.retire' : 'region.reinstate',
        target: `region:${code}`,
        from: { retiredAt: current.retiredAt },
        to: { retiredAt: retire ? now : null },
        note: request.body?.note || null,
        ip: request.ip,
      })
      return current.level
    })
    await regionsChanged(app, [code], [level])
    return view((await findRegion(app.db, code))!)
  }

  app.post(
    '/api/v1/regions/:code/retire',
    { schema: { tags: ['regions'], summary: 'Retire a region: it keeps its events and history, takes no new events (nor do the regions in it)', params: CodeParams, body: Note, response: { 200: Region } } },
    async (request) => setRetired(request, true),
  )

  app.post(
    '/api/v1/regions/:code/reinstate',
    { schema: { tags: ['regions'], summary: 'Put a retired region back in service (its parent must be in service)', params: CodeParams, body: Note, response: { 200: Region } } },
    async (request) => setRetired(request, false),
  )

}

export default routes
