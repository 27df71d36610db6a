// The national statistical code table (统计用区划代码) imported into the region tree
// (docs/architecture.md §3): read with the ledgers' sheet reader, planned against what is stored
// (server/modules/regions/code-table.ts), previewed with `dryRun`, applied in one transaction.
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Db } from '../../../db/connect.ts'
import { actorOf } from '../../access/principal.ts'
import { kindOfName, type RegionLevel } from '../../domain/region-codes.ts'
import { HttpError } from '../../http-errors.ts'
import { readFileUpload, truthy } from '../../multipart-upload.ts'
import { type AuditEntry, recordAudits } from '../audit/repository.ts'
import { LedgerError, readSheet } from '../imports/sheet.ts'
import { regionsChanged } from './changed.ts'
import { ImportResult } from './schema.ts'
import { codeColumnOf, type ImportPlan, planImport, readCodeRows } from './code-table.ts'
import { insertRegions, listRegionRecords, type RegionChanges, type RegionRecord, updateRegion } from './repository.ts'


/** A region file may be this large: a province's table is about 2 MB as CSV. */
export const MAX_REGION_FILE_BYTES = 20 * 1024 * 1024
export const MAX_REGION_ROWS = 100_000
/** At most this many row errors are listed (the first ones say what is wrong with the file). */
const MAX_ROW_ERRORS = 100

const routes: FastifyPluginAsyncZod = async (app) => {
  // A plugin of its own, so only this route takes multipart bodies.
  await app.register(multipart, { limits: { fileSize: MAX_REGION_FILE_BYTES, files: 1, fields: 5, fieldSize: 1024 } })
  app.post(
    '/api/v1/regions/import',
    {
      schema: {
        tags: ['regions'],
        summary:
          'Import the national statistical division code table (统计用区划代码: 12-digit code, 名称, 城乡分类代码 optional; CSV or XLSX, a title row may sit above the header) as multipart `file`; `dryRun` previews what is added, renamed, moved, retired',
        querystring: z.object({ dryRun: z.string().max(10).optional() }),
        response: { 200: ImportResult },
      },
    },
    async (request) => {
      const { file, fileName, fields } = await readFileUpload(request, { what: 'code table', maxBytes: MAX_REGION_FILE_BYTES })
      const dryRun = truthy(fields['dryRun']) || truthy(request.query.dryRun)

      let sheet
      try {
        sheet = await readSheet(file, MAX_REGION_ROWS, (h) => codeColumnOf(h) !== undefined)
      } catch (err) {
        if (err instanceof LedgerError) throw new HttpError(err.tooMany ? 413 : 400, err.tooMany ? 'payload_too_large' : 'bad_region_file', err.message, { fields: [{ field: 'file', message: err.message }] })
        throw err
      }
      const read = readCodeRows(sheet)
      const stored = await listRegionRecords(app.db)
      const { plan, errors, inserts } = planImport(read.rows, stored)
      plan.skipped = read.skipped
      const rowErrors = [...read.errors, ...errors].sort((a, b) => a.row - b.row)
      if (rowErrors.length) {
        const listed = rowErrors.slice(0, MAX_ROW_ERRORS).map((e) => ({ field: 'file', message: `第 ${e.row} 行：${e.message}` }))
        const more = rowErrors.length > MAX_ROW_ERRORS ? `（另有 ${rowErrors.length - MAX_ROW_ERRORS} 行有误）` : ''
        throw new HttpError(400, 'bad_region_file', `区划代码表有 ${rowErrors.length} 行有误，未导入任何区域${more}：${listed.slice(0, 3).map((f) => f.message).join('；')}`, { fields: listed })
      }
      if (read.rows.length === 0) throw new HttpError(400, 'bad_region_file', '文件里没有县（区）以下的区划（乡镇、村）', { fields: [{ field: 'file', message: '没有县（区）以下的区划' }] })
      const result = { dryRun, format: sheet.format, encoding: sheet.encoding, headerRows: sheet.headerRows, ...plan }
      if (dryRun) return result
      const { actor, actorKind } = actorOf(request.principal)
      const now = app.now()
      const codes = await app.db.transaction().execute(async (trx) => applyPlan(trx, plan, inserts, stored, now, { actor, actorKind, ip: request.ip, fileName: fileName || null }))
      if (codes.length) await regionsChanged(app, codes, ['township'])
      return result
    },
  )
}

/** Applies an import's plan in the caller's transaction, one audit row per change and one for the import. */
async function applyPlan(
  trx: Db,
  plan: ImportPlan,
  inserts: Parameters<typeof insertRegions>[1],
  stored: readonly RegionRecord[],
  now: Date,
  who: { actor: string; actorKind: AuditEntry['actorKind']; ip: string; fileName: string | null },
): Promise<string[]> {
  const byCode = new Map(stored.map((r) => [r.code, r]))
  const audits: AuditEntry[] = []
  const entry = (action: string, code: string, from: unknown, to: unknown): AuditEntry => ({ actor: who.actor, actorKind: who.actorKind, action, target: `region:${code}`, from, to, note: 'import', ip: who.ip })
  await insertRegions(trx, inserts, now)
  for (const r of inserts) audits.push(entry('region.create', r.code, undefined, r))
  // One update per region, whatever changed about it.
  const updates = new Map<string, { changes: RegionChanges; from: Record<string, unknown>; to: Record<string, unknown> }>()
  const touch = (code: string) => {
    let u = updates.get(code)
    if (!u) updates.set(code, (u = { changes: {}, from: {}, to: {} }))
    return u
  }
  for (const r of plan.renamed) {
    const u = touch(r.code)
    u.changes.name = r.to
    u.from['name'] = r.from
    u.to['name'] = r.to
    const kind = kindOfName(r.level as RegionLevel, r.to)
    if (kind !== byCode.get(r.code)?.kind) {
      u.changes.kind = kind
      u.from['kind'] = byCode.get(r.code)?.kind
      u.to['kind'] = kind
    }
  }
  for (const r of plan.moved) {
    const u = touch(r.code)
    u.changes.parentCode = r.to!
    u.from['parentCode'] = r.from
    u.to['parentCode'] = r.to
  }
  for (const r of plan.reclassified) {
    const u = touch(r.code)
    u.changes.urbanRural = r.to
    u.from['urbanRural'] = r.from
    u.to['urbanRural'] = r.to
  }
  for (const r of plan.reinstated) {
    const u = touch(r.code)
    u.changes.retiredAt = null
    u.from['retiredAt'] = byCode.get(r.code)?.retiredAt
    u.to['retiredAt'] = null
  }
  for (const r of plan.retired) {
    const u = touch(r.code)
    u.changes.retiredAt = now
    u.from['retiredAt'] = null
    u.to['retiredAt'] = now
  }
  for (const [code, u] of updates) {
    await updateRegion(trx, code, u.changes, now)
    audits.push(entry(u.changes.retiredAt ? 'region.retire' : 'region.update', code, u.from, u.to))
  }
  audits.push({
    actor: who.actor,
    actorKind: who.actorKind,
    action: 'region.import',
    target: `regions:${plan.counties.join(',')}`,
    to: { fileName: who.fileName, added: plan.added.length, renamed: plan.renamed.length, moved: plan.moved.length, reclassified: plan.reclassified.length, reinstated: plan.reinstated.length, retired: plan.retired.length, unchanged: plan.unchanged },
    ip: who.ip,
  })
  await recordAudits(trx, audits)
  return [...inserts.map((r) => r.code), ...updates.keys()]
}

export default routes
