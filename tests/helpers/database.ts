import { inject } from 'vitest'
import { connectDatabase, type DatabaseHandle } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'
import { seedDemoCounty } from '../../db/seed/demo-county.ts'
import { adminPool, dropDatabase, uniqueName, withDatabase } from './postgres.ts'

export interface TestDatabase extends DatabaseHandle {
  /** A URL other processes can use (PostgreSQL only). */
  url: string | null
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or, when DATABASE_URL is set,
 * a new PostgreSQL database cloned from the run's migrated template and dropped on close.
 */
export async function createTestDatabase(options: { demoCounty?: boolean } = {}): Promise<TestDatabase> {
  const baseUrl = process.env['DATABASE_URL']
  const template = inject('pgTemplate')
  let handle: TestDatabase
  if (baseUrl && template) {
    const name = uniqueName('shaowang_t')
    const admin = adminPool(baseUrl)
    await admin.query(`create database "${name}" template "${template}"`)
    const url = withDatabase(baseUrl, name)
    const inner = await connectDatabase({ kind: 'postgres', url })
    handle = {
      ...inner,
      url,
      close: async () => {
        await inner.close()
        try {
          await dropDatabase(admin, name)
        } finally {
          await admin.end()
        }
      },
    }
  } else {
    const inner = await connectDatabase({ kind: 'pglite' })
    await migrateToLatest(inner.db)
    handle = { ...inner, url: null }
  }
  if (options.demoCounty ?? true) await seedDemoCounty(handle.db)
  // Tests may close a database on purpose (to see the app cope); closing twice is harmless.
  let closing: Promise<void> | undefined
  const close = handle.close
  return { ...handle, close: () => (closing ??= close()) }
}
