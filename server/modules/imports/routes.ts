import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { UserPrincipal } from '../../access/principal.ts'
import { listAudit, recordAudit } from '../audit/repository.ts'
import { FieldErrorSchema } from '../events/schema.ts'
import { refusedWorkbook, XLSX_TYPE } from './refused-workbook.ts'
import { runLedger } from './run.ts'
import { MAX_LEDGER_BYTES, readLedgerUpload } from './upload.ts'

// Ledger imports (docs/architecture.md §4, "ledgers"): the run itself is in run.ts, the upload's
// checks in upload.ts; these handlers translate.

export { MAX_LEDGER_ROWS } from './run.ts'
export { MAX_LEDGER_BYTES } from './upload.ts'

const ImportReport = z.object({
  dryRun: z.boolean(),
  format: z.enum(['csv', 'xlsx']),
  /** The text encoding detected for a CSV (utf-8, gb18030, …); null for XLSX. */
  encoding: z.string().nullable(),
  rows: z.number().int(),
  accepted: z.number().int(),
  updated: z.number().int(),
  duplicates: z.number().int(),
  /** The spreadsheet rows the header was found on (below any title and 填报单位 rows). */
  headerRows: z.array(z.number().int()),
  /** Which column fills which field. */
  columns: z.array(z.object({ column: z.string(), field: z.string() })),
  /** What each data row did (dry run: would do), by spreadsheet row. */
  outcomes: z.array(z.object({ row: z.number().int(), outcome: z.enum(['accepted', 'updated', 'duplicate', 'rejected']) })),
  /** Every reason of every refused row, in Chinese, by column header. */
  rejected: z.array(FieldErrorSchema.extend({ row: z.number().int() })),
})

const ImportRecord = z.object({
  id: z.number().int(),
  at: z.date(),
  by: z.string(),
  fileName: z.string(),
  rows: z.number().int(),
  accepted: z.number().int(),
  updated: z.number().int(),
  duplicates: z.number().int(),
  /** Rows refused (each with at least one reason). */
  rejectedRows: z.number().int(),
})

const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

const routes: FastifyPluginAsyncZod = async (app) => {
  await app.register(multipart, { limits: { fileSize: MAX_LEDGER_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024 } })
  const deps = { regions: app.regions, tz: app.config.tzDisplay, now: () => app.now(), ingest: app.ingest }

  app.post(
    '/api/v1/imports',
    {
      schema: {
        tags: ['events'],
        summary: 'Import a ledger (台账): multipart `file` (CSV or XLSX), optional `mapping` (JSON column → field), `defaults` (JSON field → value for every row) and `dryRun` (a preview that stores nothing)',
        querystring: z.object({ dryRun: z.string().optional() }),
        response: { 200: ImportReport },
      },
    },
    async (request) => {
      const upload = await readLedgerUpload(request, { regions: app.regions, codes: app.codeTables.book, tz: app.config.tzDisplay, queryDryRun: request.query.dryRun })
      const principal = request.principal as UserPrincipal
      const { report } = await runLedger(deps, upload, principal.username)
      if (!upload.dryRun) {
        await recordAudit(app.db, {
          actor: principal.username,
          actorKind: 'user',
          action: 'events.import',
          target: upload.fileName ? `file:${upload.fileName}` : null,
          to: {
            fileName: upload.fileName,
            format: report.format,
            rows: report.rows,
            accepted: report.accepted,
            updated: report.updated,
            duplicates: report.duplicates,
            rejectedRows: new Set(report.rejected.map((r) => r.row)).size,
            defaults: upload.defaults,
          },
          ip: request.ip,
        })
      }
      return report
    },
  )

  app.post(
    '/api/v1/imports/refused',
    {
      schema: {
        tags: ['events'],
        summary: 'The refused rows of a ledger as an XLSX to fix and import again: the same multipart body as an import (always a dry run); each refused row as written, plus a 未通过原因 column',
        response: { 200: z.string().describe('an XLSX workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)') },
      },
    },
    async (request, reply) => {
      const upload = await readLedgerUpload(request, { regions: app.regions, codes: app.codeTables.book, tz: app.config.tzDisplay })
      const { report, sheet } = await runLedger(deps, { ...upload, dryRun: true }, (request.principal as UserPrincipal).username)
      const workbook = await refusedWorkbook(sheet, report.rejected)
      const base = (upload.fileName || 'ledger').replace(/\.[^.]+$/, '')
      return reply
        .type(XLSX_TYPE)
        .header('content-disposition', `attachment; filename="refused.xlsx"; filename*=UTF-8''${encodeURIComponent(`${base}-未通过.xlsx`)}`)
        // A Buffer is sent as it is (Fastify serialises objects only); the schema above documents it.
        .send(workbook as unknown as string)
    },
  )

  app.get(
    '/api/v1/imports',
    {
      schema: {
        tags: ['events'],
        summary: 'Ledger imports, newest first: who, when, the file and its counts (dry runs are not kept)',
        querystring: z.object({ limit: z.coerce.number().int().min(1, 'at least 1').max(200, 'at most 200').default(50) }),
        response: { 200: z.object({ items: z.array(ImportRecord) }) },
      },
    },
    async (request) => {
      const { items } = await listAudit(app.db, { action: 'events.import', limit: request.query.limit })
      return {
        items: items.map((a) => {
          const to = (a.to ?? {}) as Record<string, unknown>
          return {
            id: a.id,
            at: a.at,
            by: a.actor,
            fileName: typeof to['fileName'] === 'string' ? to['fileName'] : '',
            rows: count(to['rows']),
            accepted: count(to['accepted']),
            updated: count(to['updated']),
            duplicates: count(to['duplicates']),
            rejectedRows: count(to['rejectedRows']),
          }
        }),
      }
    },
  )
}

export default routes
