// One file uploaded as multipart/form-data with a few text fields (ledgers, the region code table):
// the parser's limits and failures turned into the house's 4xx answers, each naming the field.
import type { FastifyRequest } from 'fastify'
import { badRequest, HttpError } from './http-errors.ts'

export interface FileUpload {
  file: Buffer
  /** The file's name as the browser sent it ('' when none). */
  fileName: string
  /** The text fields, by name. */
  fields: Record<string, string>
}

/** "1", "true", "yes", "on": a form's way of saying yes. */
export const truthy = (v: string | undefined): boolean => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase())

/**
 * Reads the request's one file (field `file`) and its text fields. `what` names the file in
 * messages ("ledger", "code table"); `maxBytes` is the limit the multipart plugin was registered with.
 */
export async function readFileUpload(request: FastifyRequest, o: { what: string; maxBytes: number }): Promise<FileUpload> {
  if (!request.isMultipart()) throw new HttpError(415, 'unsupported_media_type', `send multipart/form-data with a \`file\` field (CSV or XLSX of the ${o.what})`)
  const fields: Record<string, string> = {}
  let file: Buffer | null = null
  let fileName = ''
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw badRequest(`unexpected file field "${part.fieldname}": send the ${o.what} as "file"`, [{ field: part.fieldname || '(body)', message: `unexpected file: send the ${o.what} as "file"` }])
        file = await part.toBuffer()
        fileName = (part.filename ?? '').slice(0, 255)
      } else {
        fields[part.fieldname] = String(part.value)
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new HttpError(413, 'payload_too_large', `a ${o.what} may be at most ${o.maxBytes / 1024 / 1024} MiB`)
    if (code === 'FST_FILES_LIMIT') throw badRequest('send one file', [{ field: 'file', message: 'one file per import' }])
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') throw badRequest('too many form fields', [{ field: '(body)', message: 'too many form fields' }])
    if (err instanceof HttpError || (err as { statusCode?: number }).statusCode !== undefined) throw err
    // The multipart parser's own errors (no boundary, truncated form, malformed part header).
    const reason = err instanceof Error ? err.message : String(err)
    throw badRequest(`the multipart body is malformed: ${reason}`, [{ field: '(body)', message: reason }])
  }
  if (!file) throw badRequest(`no file: send the ${o.what} in the multipart field "file"`, [{ field: 'file', message: 'required' }])
  return { file, fileName, fields }
}
