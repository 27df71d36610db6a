import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { connectDatabase } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'

export function adminPool(url: string): pg.Pool {
  return new pg.Pool({ connectionString: url, max: 1 })
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

export const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`

export async function dropDatabase(pool: pg.Pool, name: string): Promise<void> {
  await pool.query(`drop database if exists "${name}" with (force)`)
}

/** Creates and migrates the database each test file clones (CREATE DATABASE … TEMPLATE is fast). */
export async function createTemplateDatabase(url: string): Promise<string> {
  const name = uniqueName('shaowang_tmpl')
  const pool = adminPool(url)
  try {
    await pool.query(`create database "${name}"`)
  } finally {
    await pool.end()
  }
  const handle = await connectDatabase({ kind: 'postgres', url: withDatabase(url, name), poolSize: 1 })
  try {
    await migrateToLatest(handle.db)
  } finally {
    await handle.close()
  }
  return name
}
