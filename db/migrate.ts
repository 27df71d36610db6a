import { type MigrationProvider, type Migration, Migrator } from 'kysely/migration'
import type { Db } from './connect.ts'
import { migrations as all } from './migrations/index.ts'

export class MigrationError extends Error {}

export async function migrateToLatest(db: Db, migrations: Record<string, Migration> = all): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations }
  // Features built side by side land in another order than their numbers (0015 ran before 0014
  // on some databases): each migration stands alone, so one that arrives late still runs.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    const reason = error instanceof Error ? error.message : String(error)
    // Kysely says "corrupted migrations: previously executed migration X is missing" when the
    // database is newer than this code: say what to do about it.
    if (/previously executed migration .* is missing/.test(reason)) {
      throw new MigrationError(
        `database schema is newer than this version of Shaowang (${reason.replace(/^corrupted migrations: /, '')}); run the matching release or restore the migration file`,
      )
    }
    throw new MigrationError(failed ? `migration ${failed.migrationName} failed: ${reason}` : `migrations failed: ${reason}`)
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
