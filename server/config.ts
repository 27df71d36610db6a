import { z } from 'zod'
import { DEFAULT_TIME_ZONE, isTimeZone } from '#contract/zoned-time.ts'
import { REAL_RATE_PER_MINUTE } from './simulator/generator.ts'

/** Configuration from the environment (docs/architecture.md §9). Invalid values stop the start with one line each. */
export interface Config {
  port: number
  host: string
  /** Unset: embedded PGlite under dataDir. */
  databaseUrl: string | undefined
  dataDir: string
  demo: boolean
  /** Simulated events per minute; 0 turns the simulator off. */
  simulatorRate: number
  adminPassword: string | undefined
  feedToken: string | undefined
  /**
   * The server secret that encrypts parties' personal data and keys their matching hashes. Kept
   * outside the database; unset: a random one is generated once into DATA_DIR/secret.key (0600).
   */
  secretKey: string | undefined
  /** IANA zone in which days are counted and shown. */
  tzDisplay: string
  production: boolean
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /**
   * Whether to believe X-Forwarded-* from a reverse proxy (for the client address and https, so the
   * session cookie gets Secure behind a TLS proxy): false (default), true, or the proxy's addresses.
   */
  trustProxy: boolean | string[]
  /** Unset: /metrics is open; set: it needs `Authorization: Bearer <METRICS_TOKEN>`. */
  metricsToken: string | undefined
  /**
   * Browser origins besides the server's own that may open the live feed (`/live`), e.g. a wall
   * page served from another host name. Each is a normalised `scheme://host[:port]`.
   */
  allowedOrigins: string[]
}

/** Variables whose rejected value is never printed back (it may be a real secret). */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['ADMIN_PASSWORD', 'FEED_TOKEN', 'SECRET_KEY', 'METRICS_TOKEN', 'DATABASE_URL'])

const PROXY_ADDRESS = /^[0-9a-fA-F:.]+(\/\d{1,3})?$|^(loopback|linklocal|uniquelocal)$/

/** `https://wall.example:8443,http://localhost:5173` → normalised origins; null if any entry is not an http(s) origin. */
function parseOrigins(value: string): string[] | null {
  const out: string[] = []
  for (const entry of value.split(',').map((v) => v.trim()).filter(Boolean)) {
    let url: URL
    try {
      url = new URL(entry)
    } catch {
      return null
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== entry.replace(/\/$/, '').toLowerCase()) return null
    out.push(url.origin)
  }
  return out
}

function parseTrustProxy(value: string): boolean | string[] | null {
  if (value === '1' || value === 'true') return true
  if (value === '0' || value === 'false') return false
  const list = value.split(',').map((v) => v.trim()).filter(Boolean)
  return list.length && list.every((v) => PROXY_ADDRESS.test(v)) ? list : null
}

const flag = (name: string) =>
  z.enum(['0', '1', 'true', 'false'], { error: `${name} must be 1 or 0` }).transform((v) => v === '1' || v === 'true')


const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'PORT must be a port number' })
    .int('PORT must be a whole number')
    .min(0, 'PORT must be between 0 and 65535 (0: any free port)')
    .max(65535, 'PORT must be between 0 and 65535 (0: any free port)')
    .default(3000),
  HOST: z.string().min(1, 'HOST must not be empty').default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1, 'DATA_DIR must not be empty').default('./data'),
  DEMO: flag('DEMO').default(true),
  SIMULATOR_RATE: z.coerce
    .number({ error: 'SIMULATOR_RATE must be a number of events per minute' })
    .min(0, 'SIMULATOR_RATE must be 0 or more events per minute')
    .max(600_000, 'SIMULATOR_RATE must be at most 600000 events per minute')
    .default(REAL_RATE_PER_MINUTE),
  ADMIN_PASSWORD: z.string().min(12, 'ADMIN_PASSWORD must be at least 12 characters').optional(),
  FEED_TOKEN: z.string().min(24, 'FEED_TOKEN must be at least 24 characters').optional(),
  SECRET_KEY: z.string().min(32, 'SECRET_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  TZ_DISPLAY: z.string().refine(isTimeZone, 'TZ_DISPLAY must be an IANA time zone such as Asia/Shanghai').default(DEFAULT_TIME_ZONE),
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'NODE_ENV must be development, production or test' }).default('development'),
  TRUST_PROXY: z
    .string()
    .refine((v) => parseTrustProxy(v) !== null, 'TRUST_PROXY must be 1 or 0, or a comma-separated list of proxy addresses (e.g. 127.0.0.1,10.0.0.0/8)')
    .default('0'),
  ALLOWED_ORIGINS: z
    .string()
    .refine((v) => parseOrigins(v) !== null, 'ALLOWED_ORIGINS must be a comma-separated list of origins such as https://wall.example.org (scheme, host and port only)')
    .default(''),
  METRICS_TOKEN: z.string().min(24, 'METRICS_TOKEN must be at least 24 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
})

export class ConfigError extends Error {}

/** Reads the environment; empty strings count as unset so `PORT= npm start` means the default. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(present)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '')
      const got = name in present && !SECRET_VARIABLES.has(name) ? ` (got ${JSON.stringify(present[name])})` : ''
      return `${issue.message}${got}`
    })
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`)
  }
  const e = parsed.data
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    demo: e.DEMO,
    simulatorRate: e.SIMULATOR_RATE,
    adminPassword: e.ADMIN_PASSWORD,
    feedToken: e.FEED_TOKEN,
    secretKey: e.SECRET_KEY,
    tzDisplay: e.TZ_DISPLAY,
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    trustProxy: parseTrustProxy(e.TRUST_PROXY)!,
    metricsToken: e.METRICS_TOKEN,
    allowedOrigins: parseOrigins(e.ALLOWED_ORIGINS)!,
  }
}
