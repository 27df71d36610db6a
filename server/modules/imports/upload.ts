// The multipart body of a ledger import (docs/architecture.md §4, "ledgers"): one `file`, and the
// optional fields `mapping`, `defaults` and `dryRun`, each checked with a field-level 400.
import type { FastifyRequest } from 'fastify'
import type { CodeBook } from '../../domain/code-tables.ts'
import { z } from 'zod'
import { badRequest } from '../../http-errors.ts'
import { readFileUpload, truthy } from '../../multipart-upload.ts'
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
  const { file, fileName, fields } = await readFileUpload(request, { what: 'ledger', maxBytes: MAX_LEDGER_BYTES })
  const mapping = parseMapping(fields['mapping'])
  const defaults = parseDefaults(fields['defaults'])
  const defaultErrors = checkDefaults(defaults, { regions: ctx.regions, codes: ctx.codes, tz: ctx.tz })
  if (defaultErrors.length) throw badRequest(`defaults 有误：${defaultErrors.map((e) => `${e.field} ${e.message}`).join('；')}`, defaultErrors)
  return { file, fileName, mapping, defaults, dryRun: truthy(fields['dryRun']) || truthy(ctx.queryDryRun) }
}
