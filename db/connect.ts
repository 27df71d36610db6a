import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { CamelCasePlugin, Kysely, PGliteDialect, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>

export interface DatabaseHandle {
  db: Db
  /** 'pglite' is in-process and single-connection; 'postgres' is a real server through a pool. */
  kind: 'pglite' | 'postgres'
  /** The pg pool behind `db` (PostgreSQL only): the realtime hub copies its settings for the Socket.IO adapter. */
  pool?: pg.Pool
  close(): Promise<void>
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  /** dataDir undefined: in memory (tests). */
  | { kind: 'pglite'; dataDir?: string }

const INT8_OID = 20
// One rule for both drivers: int8 (count(*), bigint ids) is a JS number. Ids and counts stay far
// below 2^53, and a BigInt would break JSON.stringify.
const parseInt8 = (value: string) => Number(value)

const PGLITE_CONF = 'shared_buffers = 16MB'

/** A new data directory is made in a child process, whose memory goes back to the system when it ends. */
function initdbInChild(dataDir: string): Promise<void> {
  const script = fileURLToPath(new URL('./pglite-initdb.ts', import.meta.url))
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, dataDir, PGLITE_CONF], { timeout: 120_000 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`creating the embedded database in ${dataDir} failed: ${stderr || err.message}`)) : resolve(),
    )
  })
}

export async function connectDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  const plugins = [new CamelCasePlugin()]
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    })
    // A client losing its server (restart, network blip, outage) must not crash the process.
    // Idle ones are reported on the pool, which drops them. A checked-out one between two
    // queries of a transaction has no query to fail and no pool listener (pg-pool removes it on
    // checkout), so its 'error' would be an uncaught exception: swallow it there; its next query
    // fails (the request answers 503) and the pool discards it on release.
    pool.on('error', () => {})
    pool.on('connect', (client) => client.on('error', () => {}))
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins })
    return { db, kind: 'postgres', pool, close: () => db.destroy() }
  }
  // A county's working set is small: 16 MB of buffers instead of PGlite's 128 MB keeps the whole
  // server near 300 MB, as a kiosk-class machine needs (the OS still caches the files below).
  if (target.dataDir && !existsSync(join(target.dataDir, 'PG_VERSION'))) await initdbInChild(target.dataDir)
  const pglite = await PGlite.create(target.dataDir ?? 'memory://', {
    parsers: { [INT8_OID]: parseInt8 },
    postgresqlconf: PGLITE_CONF,
  })
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), plugins })
  return { db, kind: 'pglite', close: () => db.destroy() }
}
