import type { FastifyInstance } from 'fastify'
import type { Role } from '../../db/schema.ts'
import { createFeed } from '../../server/modules/feeds/repository.ts'
import { createUser } from '../../server/modules/users/repository.ts'

export interface SignedIn {
  username: string
  cookie: string
  csrfToken: string
  /** Headers for a cookie-authenticated write. */
  headers: Record<string, string>
}

let counter = 0

/** Creates a user with these roles and signs in through the real login endpoint. */
export async function signIn(app: FastifyInstance, roles: Role[], options: { township?: string; username?: string } = {}): Promise<SignedIn> {
  const username = options.username ?? `${roles.join('-')}-${++counter}`
  const password = `pw-${username}-correct-horse`
  await createUser(app.db, { username, password, roles, township: options.township ?? null })
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password } })
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
