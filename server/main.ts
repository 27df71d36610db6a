import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import closeWithGrace from 'close-with-grace'
import { sql } from 'kysely'
import { connectDatabase, type DatabaseHandle } from '../db/connect.ts'
import { MigrationError, migrateToLatest } from '../db/migrate.ts'
import { seedDemoCounty } from '../db/seed/demo-county.ts'
import { buildApp } from './app.ts'
import { makeDataDirPrivate } from './data-dir.ts'
import { bootstrap, DEMO_USERS } from './bootstrap.ts'
import { ConfigError, type Config, loadConfig } from './config.ts'
import { productionConfigProblem, productionSafetyProblem } from './production-safety.ts'
import { startSimulator } from './simulator/index.ts'

/** A start-up failure the operator can fix: printed as one line, no stack trace. */
class StartupError extends Error {}

function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable URL)'
  }
}

async function openDatabase(config: Config): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    const handle = await connectDatabase({ kind: 'postgres', url: config.databaseUrl })
    try {
      await sql`select 1`.execute(handle.db)
    } catch (err) {
      await handle.close().catch(() => {})
      const reason = err instanceof Error ? (err.message || (err as NodeJS.ErrnoException).code || err.name) : String(err)
      throw new StartupError(`cannot reach the database at ${redactUrl(config.databaseUrl)} (DATABASE_URL): ${reason}`)
    }
    return handle
  }
  const dataDir = resolve(config.dataDir, 'pglite')
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new StartupError(`cannot create the data directory ${dataDir} (DATA_DIR): ${(err as Error).message}`)
  }
  const handle = await connectDatabase({ kind: 'pglite', dataDir })
  // PGlite unpacks a fresh cluster with mode 0666 regardless of the umask: tighten what it wrote.
  makeDataDirPrivate(dataDir)
  return handle
}

async function start(): Promise<void> {
  const config = loadConfig()
  const unsafeConfig = productionConfigProblem(config)
  if (unsafeConfig) throw new StartupError(unsafeConfig)
  try {
    makeDataDirPrivate(resolve(config.dataDir))
  } catch (err) {
    throw new StartupError(`cannot make the data directory ${resolve(config.dataDir)} private (DATA_DIR): ${(err as Error).message}`)
  }
  const database = await openDatabase(config)
  await migrateToLatest(database.db)
  const unsafe = await productionSafetyProblem(database.db, config)
  if (unsafe) {
    await database.close().catch(() => {})
    throw new StartupError(unsafe)
  }
  if (config.demo) await seedDemoCounty(database.db)
  const report = await bootstrap(database.db, config)

  const app = await buildApp({ config, database })
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
    await database.close()
  })

  // Said by /api/v1/health from the first request on, so a caller can wait for the whole demo.
  if (config.demo) app.demoHistory = 'loading'
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new StartupError(`port ${config.port} on ${config.host} is already in use (set PORT to another port)`)
    if (code === 'EACCES') throw new StartupError(`not allowed to listen on port ${config.port} (set PORT to a port above 1024)`)
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StartupError(`cannot listen on host ${config.host} (set HOST to an address of this machine)`)
    throw err
  }
  if (config.demo) {
    console.log(['', '  Demo sign-ins (DEMO=1; refused in production):', ...DEMO_USERS.map((u) => `    ${u.username.padEnd(9)} ${u.password.padEnd(20)} ${u.roles.join(',')}`), ''].join('\n'))
  }
  if (config.demo) {
    // After listen: the server answers while the history backfills. Stopped by app.close().
    const { backfilled } = await startSimulator(app, { rate: config.simulatorRate, backfillDays: 60 })
    app.demoHistory = 'ready'
    if (backfilled) app.log.info(`simulator: backfilled ${backfilled} demo events over 60 days`)
  }
  if (report.createdAdmin) app.log.info('created the administrator "admin" from ADMIN_PASSWORD')
  app.log.info(`Shaowang 哨望 is serving http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} on ${database.kind === 'pglite' ? `embedded PGlite (${resolve(config.dataDir)})` : 'PostgreSQL'}`)
}

start().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof MigrationError || err instanceof StartupError) {
    console.error(`shaowang: ${err.message}`)
  } else {
    console.error('shaowang: failed to start:', err)
  }
  process.exit(1)
})
