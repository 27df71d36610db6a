// The 代码表 tab's pure part (docs/architecture.md §4, "Code tables"): reading the synonyms box,
// checking a form before it is sent, and the server's field errors in Chinese.
import { ApiError } from '../../lib/api.ts'

export type FormErrors = Record<string, string>

/** Synonyms as typed: one per line, or separated by 、 , ， ; ； (trimmed, empty ones dropped). */
export function parseSynonyms(text: string): string[] {
  return text
    .split(/[\n、,，;；]/)
    .map((s) => s.trim())
    .filter(Boolean)
}

export const joinSynonyms = (synonyms: readonly string[]): string => synonyms.join('、')

const fold = (s: string) => s.normalize('NFKC').trim().toLowerCase()

export interface CodeForm {
  code: string
  labelZh: string
  labelEn: string
  synonyms: string
}

/** What the client can tell before sending: required fields, the code's form, a synonym typed twice. Values are keys of admin.codes.errors. */
export function validateCodeForm(form: CodeForm, options: { withCode: boolean }): FormErrors {
  const errors: FormErrors = {}
  if (options.withCode) {
    if (!form.code.trim()) errors['code'] = 'required'
    else if (!/^[a-z][a-z0-9_]*$/.test(form.code.trim())) errors['code'] = 'codeFormat'
    else if (form.code.trim().length > 40) errors['code'] = 'tooLong'
  }
  if (!form.labelZh.trim()) errors['labelZh'] = 'required'
  if (!form.labelEn.trim()) errors['labelEn'] = 'required'
  const seen = new Set<string>()
  for (const s of parseSynonyms(form.synonyms)) {
    if (seen.has(fold(s))) {
      errors['synonyms'] = 'repeated'
      break
    }
    seen.add(fold(s))
  }
  return errors
}

type T = (key: string, values?: Record<string, unknown>) => string

/** One server message (English, docs: README "Code tables") in Chinese. */
function zh(message: string, t: T): string {
  let m: RegExpMatchArray | null
  if ((m = /^“(.*)” already stands for (\S+);/.exec(message))) return t('admin.codes.errors.clash', { word: m[1], code: m[2] })
  if ((m = /^“(.*)” is listed twice$/.exec(message))) return t('admin.codes.errors.listedTwice', { word: m[1] })
  if (/^exists already/.test(message)) return t('admin.codes.errors.exists')
  if (/^must be lower-case letters/.test(message)) return t('admin.codes.errors.codeFormat')
  if (/^must not be empty$|^required/.test(message)) return t('admin.codes.errors.required')
  if ((m = /^must be at most (\d+) characters$/.exec(message))) return t('admin.codes.errors.atMost', { n: m[1] })
  if (/codes are fixed/.test(message)) return t('admin.codes.errors.fixed')
  return message
}

/**
 * A refused write as the form shows it: each field's message in Chinese (`synonyms.N` folded
 * into `synonyms`, several joined), and a line for the whole form.
 */
export function codeErrorText(err: unknown, t: T): { fields: FormErrors; message: string } {
  if (!(err instanceof ApiError)) return { fields: {}, message: t('admin.codes.errors.failed', { message: err instanceof Error ? err.message : String(err) }) }
  const fields: FormErrors = {}
  for (const f of err.fields) {
    const field = f.field.startsWith('synonyms') ? 'synonyms' : f.field
    const text = zh(f.message, t)
    fields[field] = fields[field] ? `${fields[field]}；${text}` : text
  }
  const message = err.status === 409 ? t('admin.codes.errors.conflict') : err.status === 403 ? t('admin.codes.errors.forbidden') : err.fields.length ? t('admin.codes.errors.refused') : t('admin.codes.errors.failed', { message: err.message })
  return { fields, message }
}
