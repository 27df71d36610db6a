import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Config } from '../config.ts'

/** One party of an event: personal data (docs/architecture.md §8). */
export interface Party {
  name?: string
  idNumber?: string
  phone?: string
}

/**
 * Keys for personal data, derived from one server secret kept outside the database (SECRET_KEY,
 * or DATA_DIR/secret.key): a stolen database dump alone reveals no names, ID numbers or phones,
 * and cannot be brute-forced for them either (the matching hashes are keyed).
 */
export interface PersonalDataKeys {
  /** AES-256-GCM key for the parties' data. */
  encryption: KeyObject
  /**
   * HMAC-SHA256 key for party matching hashes and content hashes. A KeyObject, not a Buffer: a
   * Buffer key is imported again on every createHmac, which profiled at 5 % of ingest CPU.
   */
  hashing: KeyObject
}

const SECRET_FILE = 'secret.key'

export function deriveKeys(secret: string | Buffer): PersonalDataKeys {
  const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
  const derive = (info: string) => createSecretKey(Buffer.from(hkdfSync('sha256', ikm, 'shaowang', info, 32)))
  return { encryption: derive('parties-encryption-v1'), hashing: derive('parties-hmac-v1') }
}

/**
 * SECRET_KEY when set; otherwise DATA_DIR/secret.key, created once (random, mode 0600) and reused.
 * Several processes on one PostgreSQL must share the key: set SECRET_KEY for them.
 */
export function loadPersonalDataKeys(config: Pick<Config, 'secretKey' | 'dataDir'>): PersonalDataKeys {
  if (config.secretKey) return deriveKeys(config.secretKey)
  const dir = resolve(config.dataDir)
  const file = join(dir, SECRET_FILE)
  let secret: string
  try {
    secret = readFileSync(file, 'utf8').trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    mkdirSync(dir, { recursive: true })
    const fresh = randomBytes(32).toString('hex')
    try {
      // 'wx': never overwrite a key another process wrote a moment ago.
      writeFileSync(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' })
      secret = fresh
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced
      secret = readFileSync(file, 'utf8').trim()
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
  if (secret.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters`)
  return deriveKeys(secret)
}

const VERSION = 'v1'

/** AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export function encryptJson(keys: PersonalDataKeys, value: unknown): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv)
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.')
}

export function decryptJson<T>(keys: PersonalDataKeys, sealed: string): T {
  const [version, iv, tag, data] = sealed.split('.')
  if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('unknown personal-data envelope')
  const decipher = createDecipheriv('aes-256-gcm', keys.encryption, Buffer.from(iv, 'base64url'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()])
  return JSON.parse(plain.toString('utf8')) as T
}

export function keyedHash(keys: PersonalDataKeys, value: string): string {
  return createHmac('sha256', keys.hashing).update(value, 'utf8').digest('base64url')
}

export const normaliseIdNumber = (id: string) => id.replace(/\s+/g, '').toUpperCase()
export const normalisePhone = (phone: string) => {
  const digits = phone.replace(/[^\d]/g, '')
  // +86 / 0086 prefixes name the same mobile number.
  return digits.length === 13 && digits.startsWith('86') ? digits.slice(2) : digits.length === 15 && digits.startsWith('0086') ? digits.slice(4) : digits
}

/**
 * The keyed hashes one party is matched by: its ID number and its phone, each on its own (a
 * petition with only a phone still matches the dispute that had both). A name alone is not an
 * identity (张伟 is thousands of people) and gives no hash.
 */
export function partyHashes(keys: PersonalDataKeys, parties: readonly Party[]): string[] {
  const out = new Set<string>()
  for (const p of parties) {
    if (p.idNumber && normaliseIdNumber(p.idNumber)) out.add(`id:${keyedHash(keys, `id:${normaliseIdNumber(p.idNumber)}`)}`)
    if (p.phone && normalisePhone(p.phone)) out.add(`ph:${keyedHash(keys, `phone:${normalisePhone(p.phone)}`)}`)
  }
  return [...out].sort()
}
