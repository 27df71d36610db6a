import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer } from '../e2e/harness.ts'

const parent = mkdtempSync(join(tmpdir(), 'shaowang-perms-'))
afterAll(() => rmSync(parent, { recursive: true, force: true }))

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name)
    return d.isDirectory() ? [path, ...walk(path)] : [path]
  })
}

describe('DATA_DIR is private to the server user', () => {
  it('is created 0700 and everything in it is unreadable to group and others', async () => {
    const dataDir = join(parent, 'data')
    const server = await startServer({ DATA_DIR: dataDir, DEMO: '0', ADMIN_PASSWORD: 'a-long-admin-password-1' })
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700)
      const entries = walk(dataDir)
      expect(entries.length).toBeGreaterThan(0)
      const open = entries.filter((p) => (statSync(p).mode & 0o077) !== 0).map((p) => `${p.slice(dataDir.length)} ${(statSync(p).mode & 0o777).toString(8)}`)
      expect(open).toEqual([])
    } finally {
      await server.stop()
    }
  })
})
