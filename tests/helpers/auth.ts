import type { FastifyInstance } from 'fastify'
import type { Role } from '../../db/schema.ts'
import { createFeed } from '../../server/modules/feeds/repository.ts'
import { createKiosk } from '../../server/modules/kiosks/repository.ts'
import { createUser } from '../../server/modules/users/repository.ts'

export interface SignedIn {
  username: string
  cookie: string
  csrfToken: string
  /** Headers for a cookie-authenticated write. */
  headers: Record<string, string>
}

let counter = 0

/**
 * A distinct client address per sign-in, so helpers never trip the per-IP sign-in rate limit
 * (tests of that limit choose their own address).
 */
export const nextAddress = () => {
  const n = ++counter
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
}

/** Creates a user with these roles and signs in through the real login endpoint. */
export async function signIn(app: FastifyInstance, roles: Role[], options: { township?: string; username?: string } = {}): Promise<SignedIn> {
  const username = options.username ?? `${roles.join('-')}-${++counter}`
  const password = `pw-${username}-correct-horse`
  await createUser(app.db, { username, password, roles, township: options.township ?? null })
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, remoteAddress: nextAddress() })
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
  const setCookie = res.cookies.find((c) => c.name === 'sid')
  if (!setCookie) throw new Error('no session cookie')
  const cookie = `sid=${setCookie.value}`
  const { csrfToken } = res.json() as { csrfToken: string }
  return { username, cookie, csrfToken, headers: { cookie, 'x-csrf-token': csrfToken } }
}

export async function feedToken(app: FastifyInstance, name = `feed-${++counter}`): Promise<string> {
  const { token } = await createFeed(app.db, { name, createdBy: 'test' })
  return token
}

/** Pairs a wall display through the real endpoint: a read-only kiosk session. */
export async function pairKiosk(app: FastifyInstance, name = `wall-${++counter}`): Promise<SignedIn & { kioskId: number; token: string }> {
  const { kiosk, token } = await app.db.transaction().execute((trx) => createKiosk(trx, { name, createdBy: 'test' }))
  const res = await app.inject({ method: 'POST', url: '/api/v1/session/kiosk', payload: { token }, remoteAddress: nextAddress() })
  if (res.statusCode !== 200) throw new Error(`pairing failed: ${res.statusCode} ${res.body}`)
  const setCookie = res.cookies.find((c) => c.name === 'sid')
  if (!setCookie) throw new Error('no session cookie')
  const cookie = `sid=${setCookie.value}`
  const { csrfToken, user } = res.json() as { csrfToken: string; user: { username: string } }
  return { username: user.username, cookie, csrfToken, headers: { cookie, 'x-csrf-token': csrfToken }, kioskId: kiosk.id, token }
}
