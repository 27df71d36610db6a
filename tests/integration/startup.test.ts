import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connectDatabase } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'
import { migrations } from '../../db/migrations/index.ts'

const MAIN = new URL('../../server/main.ts', import.meta.url).pathname
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shaowang-start-'))
  dirs.push(dir)
  return dir
}

/** Starts the real entry point and collects what it prints until it exits. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env['PATH'] ?? '', DEMO: '0', LOG_LEVEL: 'warn', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`main did not exit; stderr: ${stderr}`))
    }, 20_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, stdout })
    })
  })
}

const oneLine = (s: string) => s.trim().split('\n')

describe('start-up failures are one clear line, not a stack trace', () => {
  it('a wrong PORT', async () => {
    const r = await runMain({ PORT: 'eighty', DATA_DIR: tempDir() })
    expect(r.code).toBe(1)
    expect(oneLine(r.stderr)).toEqual(['shaowang: invalid configuration: PORT must be a port number (got "eighty")'])
  })

  it('an unreachable DATABASE_URL', async () => {
    const r = await runMain({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
    expect(r.code).toBe(1)
    const lines = oneLine(r.stderr)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^shaowang: cannot reach the database at postgres:\/\/nobody@127\.0\.0\.1:1\/none \(DATABASE_URL\): .*ECONNREFUSED/)
  })

  // Migrating a fresh embedded database and starting the real entry point: slow on a loaded machine.
  it('a database that ran a migration this code does not have', { timeout: 90_000 }, async () => {
    const dataDir = tempDir()
    const handle = await connectDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pglite') })
    await migrateToLatest(handle.db, { ...migrations, '9999_from_the_future': { up: async () => {} } })
    await handle.close()

    const r = await runMain({ DATA_DIR: dataDir })
    expect(r.code).toBe(1)
    expect(oneLine(r.stderr)).toEqual([
      'shaowang: database schema is newer than this version of Shaowang (previously executed migration 9999_from_the_future is missing); run the matching release or restore the migration file',
    ])
  })
})
