import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'

/** A fresh high-entropy credential (256 bits), URL-safe. */
export const newToken = () => randomBytes(32).toString('base64url')

/**
 * Tokens are random, so a fast hash suffices to store them: there is nothing to brute-force.
 * Passwords are chosen by people and get a slow KDF (argon2id) instead.
 */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex')

export const hashPassword = (password: string) => hash(password)

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
