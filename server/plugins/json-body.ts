import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HttpError } from '../http-errors.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A request body in UTF-8, or a 400. Fastify's own decoding turns invalid bytes into U+FFFD, which
 * would then be stored as if the sender had meant it (docs/architecture.md §4: bad input is refused,
 * never repaired). Used by every parser of a text body.
 */
export function decodeBody(body: Buffer): string {
  try {
    return utf8.decode(body)
  } catch {
    throw new HttpError(400, 'invalid_encoding', 'request body is not valid UTF-8')
  }
}

/** JSON bodies: decoded strictly, then Fastify's own parser (prototype-poisoning protection kept). */
export default fp(
  async function jsonBody(app: FastifyInstance) {
    const parseJson = app.getDefaultJsonParser('error', 'error')
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      let text: string
      try {
        text = decodeBody(body as Buffer)
      } catch (err) {
        done(err as Error, undefined)
        return
      }
      parseJson(request, text, done)
    })
  },
  { name: 'json-body' },
)
