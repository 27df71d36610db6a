// A throwaway PostgreSQL 15 cluster of the test's own (initdb + pg_ctl in a temp dir, on a free
// port), so a test can stop and start "the database" without touching the shared server on 5432.
import { execFile } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../../scripts/lib/free-port.ts'

const run = promisify(execFile)
const BIN = process.env['PG_BIN'] ?? '/usr/lib/postgresql/15/bin'


// PostgreSQL refuses to run as root: as root, run its tools as the `postgres` system user.
const asRoot = process.getuid?.() === 0

async function pgTool(tool: string, args: string[]): Promise<string> {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]] : [join(BIN, tool), args]
  const { stdout } = await run(cmd, argv, { timeout: 120_000 })
  return stdout
}

export interface Cluster {
  /** postgres://postgres@127.0.0.1:PORT/DB */
  url(database?: string): string
  port: number
  /** Stops the server: `immediate` is a crash (no checkpoint, connections cut), `fast` a clean stop. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  start(): Promise<void>
  /** Stops it if running and removes its files. */
  destroy(): Promise<void>
}

export async function createCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'shaowang-pg-'))
  if (asRoot) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()))
  const data = join(dir, 'data')
  const port = await freePort()
  await pgTool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions'])
  // fsync off: the test crashes the server, not the machine; durability against PostgreSQL
  // restarts holds without it (the WAL is written, just not flushed to the platter).
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`
  let running = false
  const cluster: Cluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await pgTool('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', options, 'start'])
      running = true
    },
    async stop(mode = 'fast') {
      await pgTool('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'])
      running = false
    },
    async destroy() {
      if (running) await cluster.stop('immediate').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await cluster.start()
  return cluster
}
