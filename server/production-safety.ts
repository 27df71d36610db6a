import type { Db } from '../db/connect.ts'
import { DEMO_USERS } from './bootstrap.ts'
import type { Config } from './config.ts'
import { demoUsernames } from './modules/users/repository.ts'

/** The passwords printed in README and at a demo start: public knowledge, never for production. */
export const DEMO_PASSWORDS: ReadonlySet<string> = new Set(DEMO_USERS.map((u) => u.password))

/** Why the configuration alone forbids a production start, or null. Needs no database: run it first. */
export function productionConfigProblem(config: Config): string | null {
  if (!config.production) return null
  if (config.demo) return 'NODE_ENV=production refuses DEMO=1 (demo county, demo users with published passwords, simulator): set DEMO=0'
  if (config.adminPassword && DEMO_PASSWORDS.has(config.adminPassword)) {
    return 'NODE_ENV=production refuses an ADMIN_PASSWORD that is one of the published demo passwords: choose another'
  }
  return null
}

/**
 * Why a production start (NODE_ENV=production) must not go on, or null when it may: the
 * configuration, then the database. Run after migrating and before seeding or bootstrapping
 * anything, so a refused start changes nothing.
 */
export async function productionSafetyProblem(db: Db, config: Config): Promise<string | null> {
  if (!config.production) return null
  const configProblem = productionConfigProblem(config)
  if (configProblem) return configProblem
  const demoUsers = await demoUsernames(db)
  if (demoUsers.length) {
    return `NODE_ENV=production refuses a database with demo users (${demoUsers.join(', ')}): give each a new password (PATCH /api/v1/users/:id) or use a fresh database`
  }
  return null
}
