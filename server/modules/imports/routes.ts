import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { UserPrincipal } from '../../access/principal.ts'
import { badRequest, HttpError } from '../../http-errors.ts'
import { recordAudit } from '../audit/repository.ts'
import { FieldErrorSchema } from '../events/schema.ts'
import { LedgerError, readSheet, resolveColumns, rowToEvent } from './ledger.ts'

/** A ledger file may be this large (an XLSX of 10,000 rows is about 1 MB). */
export const MAX_LEDGER_BYTES = 10 * 1024 * 1024
export const MAX_LEDGER_ROWS = 10_000

const ImportReport = z.object({
  dryRun: z.boolean(),
  format: z.enum(['csv', 'xlsx']),
  /** The text encoding detected for a CSV (utf-8, gb18030, …); null for XLSX. */
  encoding: z.string().nullable(),
  rows: z.number().int(),
  accepted: z.number().int(),
  updated: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(FieldErrorSchema.extend({ row: z.number().int() })),
})

const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase())

const routes: FastifyPluginAsyncZod = async (app) => {
  await app.register(multipart, { limits: { fileSize: MAX_LEDGER_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024 } })

  app.post(
    '/api/v1/imports',
    {
      schema: {
        tags: ['events'],
        summary: 'Import a ledger (台账): multipart `file` (CSV or XLSX), optional `mapping` (JSON column → field) and `dryRun`',
        querystring: z.object({ dryRun: z.string().optional() }),
        response: { 200: ImportReport },
      },
    },
    async (request) => {
      if (!request.isMultipart()) throw new HttpError(415, 'unsupported_media_type', 'send multipart/form-data with a `file` field (CSV or XLSX)')
      const fields: Record<string, string> = {}
      let file: Buffer | null = null
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file') throw badRequest(`unexpected file field "${part.fieldname}": send the ledger as "file"`, [{ field: part.fieldname || '(body)', message: 'unexpected file: send the ledger as "file"' }])
            file = await part.toBuffer()
          } else {
            fields[part.fieldname] = String(part.value)
          }
        }
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new HttpError(413, 'payload_too_large', `a ledger may be at most ${MAX_LEDGER_BYTES / 1024 / 1024} MiB`)
        if ((err as { code?: string }).code === 'FST_FILES_LIMIT') throw badRequest('send one file per import', [{ field: 'file', message: 'one file per import' }])
        if (err instanceof HttpError || (err as { statusCode?: number }).statusCode !== undefined) throw err
        // The multipart parser's own errors (no boundary, truncated form, malformed part header).
        const reason = err instanceof Error ? err.message : String(err)
        throw badRequest(`the multipart body is malformed: ${reason}`, [{ field: '(body)', message: reason }])
      }
      if (!file) throw badRequest('no file: send the ledger in the multipart field "file"', [{ field: 'file', message: 'required' }])
      const dryRun = truthy(fields['dryRun']) || truthy(request.query.dryRun)

      let mapping: Record<string, string> | null = null
      if (fields['mapping']?.trim()) {
        try {
          const parsed = JSON.parse(fields['mapping']) as unknown
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) throw new Error()
          mapping = parsed as Record<string, string>
        } catch {
          throw badRequest('mapping must be a JSON object of column header → field, e.g. {"单号": "externalId"}', [{ field: 'mapping', message: 'must be a JSON object of strings' }])
        }
      }

      let sheet
      try {
        sheet = await readSheet(file, MAX_LEDGER_ROWS)
      } catch (err) {
        if (err instanceof LedgerError) {
          const tooMany = err.message.startsWith('at most')
          throw new HttpError(tooMany ? 413 : 400, tooMany ? 'payload_too_large' : 'bad_ledger', err.message, { fields: [{ field: 'file', message: err.message }] })
        }
        throw err
      }
      const { columns, errors: mappingErrors } = resolveColumns(sheet.header, mapping)
      if (mappingErrors.length) throw badRequest(`the ledger's columns do not fit: ${mappingErrors.map((e) => e.message).join('; ')}`, mappingErrors)

      const ctx = { regions: app.regions, tz: app.config.tzDisplay }
      const converted = sheet.rows.map((r) => ({ rowNumber: r.rowNumber, ...rowToEvent(r.cells, sheet.header, columns, ctx) }))
      const principal = request.principal as UserPrincipal
      const submitter = { feedId: null, name: `import:${principal.username}`, defaultSourceSystem: 'ledger' }
      // Rows that failed conversion are not sent on; the rest go through the one pipeline.
      const passing = converted.filter((c) => c.errors.length === 0)
      const result = await app.ingest.ingest(
        passing.map((c) => c.item),
        submitter,
        { dryRun },
      )
      const rejected: Array<{ row: number; field: string; message: string }> = []
      for (const c of converted) for (const e of c.errors) rejected.push({ row: c.rowNumber, field: e.field, message: e.message })
      for (const r of result.rejected) {
        const c = passing[r.index]!
        for (const e of r.errors) {
          const [top, second] = e.field.split('.')
          const column = (top === 'attributes' && second ? c.fieldColumns.get(`attributes.${second}`) : undefined) ?? c.fieldColumns.get(top ?? '') ?? e.field
          rejected.push({ row: c.rowNumber, field: column, message: e.message })
        }
      }
      rejected.sort((a, b) => a.row - b.row)
      const report = {
        dryRun,
        format: sheet.format,
        encoding: sheet.encoding,
        rows: sheet.rows.length,
        accepted: result.accepted,
        updated: result.updated,
        duplicates: result.duplicates,
        rejected,
      }
      if (!dryRun) {
        await recordAudit(app.db, {
          actor: principal.username,
          actorKind: 'user',
          action: 'events.import',
          to: { rows: report.rows, accepted: report.accepted, updated: report.updated, duplicates: report.duplicates, rejectedRows: new Set(rejected.map((r) => r.row)).size },
          ip: request.ip,
        })
      }
      return report
    },
  )
}

export default routes
