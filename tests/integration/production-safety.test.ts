import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../server/access/secrets.ts'
import { DEMO_USERS } from '../../server/bootstrap.ts'
import { DEMO_PASSWORDS, productionSafetyProblem } from '../../server/production-safety.ts'
import { createUser, updateUser } from '../../server/modules/users/repository.ts'
import { testConfig } from '../helpers/app.ts'
import { createTestDatabase } from '../helpers/database.ts'

const database = await createTestDatabase({ demoCounty: false })
const dirs: string[] = []
afterAll(async () => {
  await database.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const production = (overrides: Parameters<typeof testConfig>[0] = {}) => testConfig({ production: true, demo: false, ...overrides })

describe('a production start refuses demo settings', () => {
  it('allows a clean production configuration, and anything outside production', async () => {
    expect(await productionSafetyProblem(database.db, production({ adminPassword: 'a-real-admin-password' }))).toBeNull()
    expect(await productionSafetyProblem(database.db, testConfig({ demo: true, adminPassword: DEMO_USERS[0]!.password }))).toBeNull()
  })

  it('refuses DEMO=1', async () => {
    expect(await productionSafetyProblem(database.db, production({ demo: true }))).toMatch(/DEMO=1.*set DEMO=0/)
  })

  it('refuses a published demo password as ADMIN_PASSWORD', async () => {
    expect(DEMO_PASSWORDS.size).toBe(DEMO_USERS.length)
    for (const password of DEMO_PASSWORDS) {
      expect(await productionSafetyProblem(database.db, production({ adminPassword: password }))).toMatch(/ADMIN_PASSWORD/)
    }
  })

  it('refuses a database holding demo users, until each has a new password', async () => {
    const user = await createUser(database.db, { username: 'leader', password: 'demo-leader-2026', roles: ['leader'], demo: true })
    expect(await productionSafetyProblem(database.db, production())).toMatch(/demo users \(leader\)/)
    await updateUser(database.db, user.id, { passwordHash: await hashPassword('no-longer-the-demo-one') }, new Date())
    expect(await productionSafetyProblem(database.db, production())).toBeNull()
  })

  it('exits with one clear line from the real entry point, before touching a database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shaowang-prod-'))
    dirs.push(dataDir)
    const main = new URL('../../server/main.ts', import.meta.url).pathname
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [main], {
        env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', DEMO: '1', PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: dataDir },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let err = ''
      child.stderr.on('data', (d) => (err += d))
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`main did not exit; stderr: ${err}`))
      }, 30_000)
      child.on('exit', (c) => {
        clearTimeout(timer)
        resolve({ code: c, stderr: err })
      })
    })
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^shaowang: NODE_ENV=production refuses DEMO=1/)])
    expect(existsSync(join(dataDir, 'pglite'))).toBe(false)
  })
})
