import type { FastifyInstance } from 'fastify'
import { afterAll } from 'vitest'
import type { DatabaseHandle } from '../../db/connect.ts'
import { type AppOptions, buildApp } from '../../server/app.ts'
import { type Config, loadConfig } from '../../server/config.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ DEMO: '0', SIMULATOR_RATE: '0', NODE_ENV: 'test', LOG_LEVEL: 'silent', SECRET_KEY: 'test-secret-key-for-personal-data-0123456789' }),
    ...overrides,
  }
}

export interface BuildOptions extends Partial<Omit<AppOptions, 'config' | 'database'>> {
  /** Overrides of the test configuration. */
  config?: Partial<Config>
  /** Seed the demo county into the fresh database (default true). */
  demoCounty?: boolean
  /** Use this database instead of a fresh one (a second "process" on the same one); the caller closes it. */
  database?: DatabaseHandle
  /** Runs before `ready()`: a test's own routes or hooks. */
  prepare?: (app: FastifyInstance) => void
  /** Listen on a free loopback port (tests that need a real socket). */
  listen?: boolean
  /** `caller`: an app made inside a test, closed by the test with `close()` (hooks cannot be added there). */
  closedBy?: 'file' | 'caller'
}

export interface TestApp {
  app: FastifyInstance
  database: TestDatabase
  /** Closes the app and the database it made; also run after the file's tests (once in all). */
  close(): Promise<void>
}

/** The app on a fresh database with the demo county, closed after the file's tests (or by `close()`). */
export async function build(options: BuildOptions = {}): Promise<TestApp> {
  const { config, demoCounty, database: given, prepare, listen, closedBy = 'file', ...appOptions } = options
  const database: TestDatabase = given ? { ...given, url: null } : await createTestDatabase({ demoCounty })
  const app = await buildApp({ logger: false, ...appOptions, config: testConfig(config), database })
  prepare?.(app)
  if (listen) await app.listen({ port: 0, host: '127.0.0.1' })
  else await app.ready()
  let closing: Promise<void> | null = null
  const close = () =>
    (closing ??= (async () => {
      await app.close()
      if (!given) await database.close()
    })())
  if (closedBy === 'file') afterAll(close)
  return { app, database, close }
}
