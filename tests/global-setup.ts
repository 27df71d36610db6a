import type { TestProject } from 'vitest/node'
import { adminPool, createTemplateDatabase, dropDatabase } from './helpers/postgres.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PostgreSQL database that each test file clones; null on PGlite. */
    pgTemplate: string | null
  }
}

export default async function setup(project: TestProject) {
  const url = process.env['DATABASE_URL']
  if (!url) {
    project.provide('pgTemplate', null)
    return
  }
  const template = await createTemplateDatabase(url)
  project.provide('pgTemplate', template)
  return async () => {
    const pool = adminPool(url)
    try {
      await dropDatabase(pool, template)
    } finally {
      await pool.end()
    }
  }
}
