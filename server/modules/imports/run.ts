// One ledger run (docs/architecture.md §4, "ledgers"): the sheet read, its columns resolved, each
// row converted and sent through the one ingest pipeline (or only checked, in a dry run), and
// every reason of every refused row gathered, in Chinese, by the ledger's own column headers.
import { HttpError, badRequest } from '../../http-errors.ts'
import type { RegionCache } from '../events/regions.ts'
import type { IngestService, ItemOutcome } from '../events/service.ts'
import { validateEvent } from '../events/validate.ts'
import { headerTarget, normalizeHeader } from './headers.ts'
import { type ConvertedRow, resolveColumns, rowToEvent } from './ledger.ts'
import { zhMessage } from './messages.ts'
import { LedgerError, readSheet, type Sheet } from './sheet.ts'
import type { LedgerUpload } from './upload.ts'

export const MAX_LEDGER_ROWS = 10_000

export interface LedgerRunDeps {
  regions: RegionCache
  tz: string
  now: () => Date
  ingest: Pick<IngestService, 'ingest' | 'codes'>
}

export interface RefusedReason {
  row: number
  field: string
  message: string
}

export async function runLedger(deps: LedgerRunDeps, upload: LedgerUpload, username: string) {
  const mapped = new Set(Object.keys(upload.mapping ?? {}).map(normalizeHeader))
  let sheet
  try {
    // The header is the row naming the most known columns: the mapping's, and the default ones.
    sheet = await readSheet(upload.file, MAX_LEDGER_ROWS, (h) => mapped.has(h) || headerTarget(h) !== undefined)
  } catch (err) {
    if (err instanceof LedgerError) {
      throw new HttpError(err.tooMany ? 413 : 400, err.tooMany ? 'payload_too_large' : 'bad_ledger', err.message, { fields: [{ field: 'file', message: err.message }] })
    }
    throw err
  }
  const { columns, errors: mappingErrors } = resolveColumns(sheet.header, upload.mapping, upload.defaults)
  if (mappingErrors.length) throw badRequest(`台账的列对不上：${mappingErrors.map((e) => e.message).join('；')}`, mappingErrors)

  // The code tables as they are now (docs/architecture.md §4): an administrator's new synonym applies at once.
  const codes = deps.ingest.codes
  const ctx = { regions: deps.regions, codes, tz: deps.tz, date1904: sheet.date1904 }
  const converted = sheet.rows.map((r) => ({ rowNumber: r.rowNumber, ...rowToEvent(r.cells, sheet.header, columns, ctx, upload.defaults) }))
  const submitter = { feedId: null, name: `import:${username}`, defaultSourceSystem: 'ledger' }
  // Rows that failed conversion are not sent on; the rest go through the one pipeline.
  const passing = converted.filter((c) => c.errors.length === 0)
  const result = await deps.ingest.ingest(
    passing.map((c) => c.item),
    submitter,
    { dryRun: upload.dryRun },
  )
  const rejected: RefusedReason[] = []
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
  const now = deps.now().getTime()
  for (const c of converted) {
    if (c.errors.length === 0) continue
    rejected.push(...c.errors.map((e) => ({ row: c.rowNumber, field: e.field, message: e.message })))
    const checked = validateEvent(c.item, { regions: deps.regions, codes, now, defaultSourceSystem: submitter.defaultSourceSystem, tz: deps.tz })
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
    dryRun: upload.dryRun,
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
  return { report, sheet }
}

export type LedgerReport = Awaited<ReturnType<typeof runLedger>>['report']
export type { Sheet }
