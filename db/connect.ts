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
    // An idle client losing its server (restart, network blip) must not crash the process;
    // the pool drops it and the next query reconnects.
    pool.on('error', () => {})
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins })
    return { db, kind: 'postgres', pool, close: () => db.destroy() }
  }
  const pglite = await PGlite.create(target.dataDir ?? 'memory://', {
    parsers: { [INT8_OID]: parseInt8 },
  })
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), plugins })
  return { db, kind: 'pglite', close: () => db.destroy() }
}
