// Who may open the live feed: the Origin check (before Socket.IO accepts the HTTP request) and
// the session check (the namespace's middleware), each refusing with `err.data = {code, message}`.
import { readsFreeText } from '../access/free-text.ts'
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import { type Principal, townshipScope } from '../access/principal.ts'
import type { LiveSocket } from './messages.ts'

/** A refused handshake: the client's `connect_error` carries `data`. */
export class HandshakeError extends Error {
  readonly data: { code: string; message: string }
  constructor(code: string, message: string) {
    super(message)
    this.data = { code, message }
  }
}

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

export function parseOffset(raw: unknown): number | null | 'invalid' {
  if (raw === undefined || raw === null || raw === '') return null
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  return Number.isSafeInteger(n) && n >= 0 ? n : 'invalid'
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value
  return v?.split(',')[0]?.trim() || undefined
}

/**
 * Whether a handshake's Origin may open the feed. The session cookie goes with any request a
 * browser makes, so without this a page of another origin (even another port of this host) could
 * read the live feed with its visitor's session. No Origin header: not a browser (socket.io-client
 * in Node, curl), which cannot ride a victim's cookie; it authenticates like any other client.
 */
export function originAllowed(
  headers: IncomingHttpHeaders,
  encrypted: boolean,
  trustProxy: boolean | string[],
  allowed: ReadonlySet<string>,
): boolean {
  const origin = firstHeader(headers.origin)
  if (origin === undefined) return true
  let requested: string
  try {
    requested = new URL(origin).origin
  } catch {
    return false
  }
  // An opaque origin ("null": sandboxed frames, file:) is never this server.
  if (requested === 'null') return false
  if (allowed.has(requested)) return true
  const own = (scheme: string, host: string | undefined) => {
    if (!host) return null
    try {
      return new URL(`${scheme}://${host}`).origin
    } catch {
      return null
    }
  }
  if (requested === own(encrypted ? 'https' : 'http', firstHeader(headers.host))) return true
  // Behind a trusted TLS proxy the browser's origin is the proxy's (X-Forwarded-*). A browser
  // cannot set these headers on a cross-site request, so believing them opens nothing to a page.
  if (trustProxy !== false) {
    const proto = firstHeader(headers['x-forwarded-proto'])
    const host = firstHeader(headers['x-forwarded-host']) ?? firstHeader(headers.host)
    if (proto && requested === own(proto, host)) return true
  }
  return false
}

export interface AuthenticateOptions {
  /** The session cookie's name (a browser's handshake carries it). */
  cookie: string
  principalFromSessionToken(token: string): Promise<Principal | null>
  log: FastifyBaseLogger
}

/**
 * The namespace middleware: a signed-in user's session (the cookie, or `auth.token`, e.g. a
 * paired wall's) and a valid `auth.offset`; sets the socket's state, gated until its catch-up.
 */
export function authenticate(options: AuthenticateOptions) {
  return async (socket: LiveSocket, next: (err?: Error) => void): Promise<void> => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>
    const token = typeof auth['token'] === 'string' && auth['token'] ? auth['token'] : cookieValue(socket.handshake.headers.cookie, options.cookie)
    if (!token) return next(new HandshakeError('unauthenticated', 'sign in first: send the session cookie or auth.token'))
    const offset = parseOffset(auth['offset'])
    if (offset === 'invalid') return next(new HandshakeError('bad_request', 'auth.offset must be the last seq you received (a whole number ≥ 0)'))
    let principal: Principal | null
    try {
      principal = await options.principalFromSessionToken(token)
    } catch (err) {
      options.log.error({ err }, 'realtime handshake failed')
      return next(new HandshakeError('unavailable', 'cannot check the session right now; retry'))
    }
    if (!principal || principal.kind !== 'user') return next(new HandshakeError('unauthenticated', 'the session is not valid (signed out, expired or revoked)'))
    const scope = townshipScope(principal)
    if (scope === null && !principal.roles.some((r) => r !== 'township')) {
      return next(new HandshakeError('forbidden', 'a township officer without a township sees nothing'))
    }
    socket.data = { principal, token, scope, offset, pending: [], replayedUpTo: 0, freeText: readsFreeText(principal) }
    next()
  }
}
