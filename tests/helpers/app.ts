import type { FastifyInstance } from 'fastify'
import { afterAll } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { type Config, loadConfig } from '../../server/config.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ DEMO: '0', SIMULATOR_RATE: '0', NODE_ENV: 'test', LOG_LEVEL: 'silent', SECRET_KEY: 'test-secret-key-for-personal-data-0123456789' }),
    ...overrides,
  }
}

export interface TestApp {
  app: FastifyInstance
  database: TestDatabase
}

/** The app on a fresh database with the demo county, closed after the file's tests. */
export async function build(options: { config?: Partial<Config>; demoCounty?: boolean } = {}): Promise<TestApp> {
  const database = await createTestDatabase({ demoCounty: options.demoCounty })
  const app = await buildApp({ config: testConfig(options.config), database, logger: false })
  await app.ready()
  afterAll(async () => {
    await app.close()
    await database.close()
  })
  return { app, database }
}
