import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { UserPrincipal } from '../../access/principal.ts'
import { badRequest, HttpError } from '../../http-errors.ts'
import { recordAudit } from '../audit/repository.ts'
import { FieldErrorSchema } from '../events/schema.ts'
import type { ItemOutcome } from '../events/service.ts'
import { validateEvent } from '../events/validate.ts'
import { headerTarget, normalizeHeader } from './headers.ts'
import { checkDefaults, type ConvertedRow, DEFAULT_FIELDS, type Defaults, resolveColumns, rowToEvent } from './ledger.ts'
import { zhMessage } from './messages.ts'
import { LedgerError, readSheet } from './sheet.ts'

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
  /** The spreadsheet rows the header was found on (below any title and 填报单位 rows). */
  headerRows: z.array(z.number().int()),
  /** Which column fills which field. */
  columns: z.array(z.object({ column: z.string(), field: z.string() })),
  /** What each data row did (dry run: would do), by spreadsheet row. */
  outcomes: z.array(z.object({ row: z.number().int(), outcome: z.enum(['accepted', 'updated', 'duplicate', 'rejected']) })),
  /** Every reason of every refused row, in Chinese, by column header. */
  rejected: z.array(FieldErrorSchema.extend({ row: z.number().int() })),
})

const DEFAULTS_HINT = `一个 JSON 对象，字段 → 值，可用字段：${DEFAULT_FIELDS.join('、')}；例如 {"source": "矛盾纠纷", "sourceSystem": "青石镇矛盾纠纷排查台账", "township": "青石镇"}`
const word = z.string({ error: '应为文字' }).trim().min(1, '不能为空').max(64, '最多 64 个字')
const wordOrNumber = z.union([z.number(), word], { error: '应为文字或数字' })
const DefaultsSchema = z.strictObject(
  { source: word, sourceSystem: word, township: word, village: word, category: word, severity: wordOrNumber, status: word, peopleCount: wordOrNumber },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? '不是可设默认值的字段' : `应为${DEFAULTS_HINT}`) },
).partial()

/** The multipart field `defaults`: field → value for every row, checked like any input (field-level 400s). */
function parseDefaults(raw: string | undefined): Defaults {
  if (!raw?.trim()) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw badRequest(`defaults 不是有效的 JSON：应为${DEFAULTS_HINT}`, [{ field: 'defaults', message: `不是有效的 JSON；应为${DEFAULTS_HINT}` }])
  }
  const result = DefaultsSchema.safeParse(parsed)
  if (result.success) return result.data as Defaults
  const fields = result.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ field: `defaults.${k}`, message: `不是可设默认值的字段；可用 ${DEFAULT_FIELDS.join('、')}` }))
      : [{ field: ['defaults', ...i.path.map(String)].join('.'), message: i.message }],
  )
  throw badRequest(`defaults 有误：${fields.map((f) => `${f.field} ${f.message}`).join('；')}`, fields)
}

const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase())

const routes: FastifyPluginAsyncZod = async (app) => {
  await app.register(multipart, { limits: { fileSize: MAX_LEDGER_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024 } })

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
          throw badRequest('mapping 应为一个 JSON 对象，列名 → 字段，例如 {"单号": "externalId"}', [{ field: 'mapping', message: '应为 JSON 对象：列名 → 字段（都是文字）' }])
        }
      }

      const defaults = parseDefaults(fields['defaults'])
      const defaultErrors = checkDefaults(defaults, { regions: app.regions, codes: app.codeTables.book, tz: app.config.tzDisplay })
      if (defaultErrors.length) throw badRequest(`defaults 有误：${defaultErrors.map((e) => `${e.field} ${e.message}`).join('；')}`, defaultErrors)

      const mapped = new Set(Object.keys(mapping ?? {}).map(normalizeHeader))
      let sheet
      try {
        // The header is the row naming the most known columns: the mapping's, and the default ones.
        sheet = await readSheet(file, MAX_LEDGER_ROWS, (h) => mapped.has(h) || headerTarget(h) !== undefined)
      } catch (err) {
        if (err instanceof LedgerError) {
          throw new HttpError(err.tooMany ? 413 : 400, err.tooMany ? 'payload_too_large' : 'bad_ledger', err.message, { fields: [{ field: 'file', message: err.message }] })
        }
        throw err
      }
      const { columns, errors: mappingErrors } = resolveColumns(sheet.header, mapping, defaults)
      if (mappingErrors.length) throw badRequest(`台账的列对不上：${mappingErrors.map((e) => e.message).join('；')}`, mappingErrors)

      const ctx = { regions: app.regions, codes: app.codeTables.book, tz: app.config.tzDisplay, date1904: sheet.date1904 }
      const converted = sheet.rows.map((r) => ({ rowNumber: r.rowNumber, ...rowToEvent(r.cells, sheet.header, columns, ctx, defaults) }))
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
      const pipelineErrors = (c: ConvertedRow & { rowNumber: number }, errors: Array<{ field: string; message: string }>) => {
        for (const e of errors) {
          const [top, second] = e.field.split('.')
          if (c.failed.has(top ?? '')) continue // the conversion already said why
          const column = (top === 'attributes' && second ? c.fieldColumns.get(`attributes.${second}`) : undefined) ?? c.fieldColumns.get(top ?? '') ?? e.field
          rejected.push({ row: c.rowNumber, field: column, message: zhMessage(e.message) })
        }
      }
      // A row that failed conversion still gets the pipeline's word on its other fields: every
      // reason at once, so the owner fixes the row in one go.
      const now = app.now().getTime()
      for (const c of converted) {
        if (c.errors.length === 0) continue
        rejected.push(...c.errors.map((e) => ({ row: c.rowNumber, field: e.field, message: e.message })))
        const checked = validateEvent(c.item, { regions: app.regions, codes: app.codeTables.book, now, defaultSourceSystem: submitter.defaultSourceSystem, tz: app.config.tzDisplay })
        if (!checked.ok) pipelineErrors(c, checked.errors)
      }
      for (const r of result.rejected) pipelineErrors(passing[r.index]!, r.errors)
      rejected.sort((a, b) => a.row - b.row)
      const outcomes: Array<{ row: number; outcome: ItemOutcome }> = converted.map((c) => ({ row: c.rowNumber, outcome: 'rejected' }))
      const passingIndex = new Map(passing.map((c, i) => [c, i]))
      converted.forEach((c, i) => {
        const j = passingIndex.get(c)
        if (j !== undefined) outcomes[i]!.outcome = result.outcomes[j]!
      })
      const report = {
        dryRun,
        format: sheet.format,
        encoding: sheet.encoding,
        rows: sheet.rows.length,
        accepted: result.accepted,
        updated: result.updated,
        duplicates: result.duplicates,
        headerRows: sheet.headerRows,
        columns: [...columns].sort(([a], [b]) => a - b).map(([i, field]) => ({ column: sheet.header[i] ?? '', field })),
        outcomes,
        rejected,
      }
      if (!dryRun) {
        await recordAudit(app.db, {
          actor: principal.username,
          actorKind: 'user',
          action: 'events.import',
          to: { rows: report.rows, accepted: report.accepted, updated: report.updated, duplicates: report.duplicates, rejectedRows: new Set(rejected.map((r) => r.row)).size, defaults },
          ip: request.ip,
        })
      }
      return report
    },
  )
}

export default routes
