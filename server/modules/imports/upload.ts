// The multipart body of a ledger import (docs/architecture.md §4, "ledgers"): one `file`, and the
// optional fields `mapping`, `defaults` and `dryRun`, each checked with a field-level 400.
import type { FastifyRequest } from 'fastify'
import type { CodeBook } from '../../domain/code-tables.ts'
import { z } from 'zod'
import { badRequest, HttpError } from '../../http-errors.ts'
import type { RegionCache } from '../events/regions.ts'
import { checkDefaults, DEFAULT_FIELDS, type Defaults } from './ledger.ts'

/** A ledger file may be this large (an XLSX of 10,000 rows is about 1 MB). */
export const MAX_LEDGER_BYTES = 10 * 1024 * 1024

export interface LedgerUpload {
  file: Buffer
  /** The file's name as the browser sent it ('' when none). */
  fileName: string
  mapping: Record<string, string> | null
  defaults: Defaults
  dryRun: boolean
}

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

function parseMapping(raw: string | undefined): Record<string, string> | null {
  if (!raw?.trim()) return null
  try {
    const parsed = JSON.parse(raw) as unknown
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) throw new Error()
    return parsed as Record<string, string>
  } catch {
    throw badRequest('mapping 应为一个 JSON 对象，列名 → 字段，例如 {"单号": "externalId"}', [{ field: 'mapping', message: '应为 JSON 对象：列名 → 字段（都是文字）' }])
  }
}

/** Reads and checks the upload; `queryDryRun` is the `?dryRun=` of the URL. */
export async function readLedgerUpload(request: FastifyRequest, ctx: { regions: RegionCache; codes: CodeBook; tz: string; queryDryRun?: string }): Promise<LedgerUpload> {
  if (!request.isMultipart()) throw new HttpError(415, 'unsupported_media_type', 'send multipart/form-data with a `file` field (CSV or XLSX)')
  const fields: Record<string, string> = {}
  let file: Buffer | null = null
  let fileName = ''
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw badRequest(`unexpected file field "${part.fieldname}": send the ledger as "file"`, [{ field: part.fieldname || '(body)', message: 'unexpected file: send the ledger as "file"' }])
        file = await part.toBuffer()
        fileName = (part.filename ?? '').slice(0, 255)
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
  const mapping = parseMapping(fields['mapping'])
  const defaults = parseDefaults(fields['defaults'])
  const defaultErrors = checkDefaults(defaults, { regions: ctx.regions, codes: ctx.codes, tz: ctx.tz })
  if (defaultErrors.length) throw badRequest(`defaults 有误：${defaultErrors.map((e) => `${e.field} ${e.message}`).join('；')}`, defaultErrors)
  return { file, fileName, mapping, defaults, dryRun: truthy(fields['dryRun']) || truthy(ctx.queryDryRun) }
}
