import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium } from 'playwright-core'
import { adminPool, dropDatabase, uniqueName, withDatabase } from '../helpers/postgres.ts'
import { freePort } from '../../scripts/lib/free-port.ts'

const ROOT = new URL('../..', import.meta.url).pathname
export const ARTIFACTS = join(ROOT, 'tests/e2e/artifacts')

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}


export interface RunningServer {
  url: string
  env: Record<string, string>
  /** SIGKILL: a crash. */
  kill(): Promise<void>
  /** SIGTERM, a graceful shutdown, keeping the data for restart(); resolves with how it exited. */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** The process id while it runs. */
  pid(): number | undefined
  /** Starts the same server again on the same port and data. */
  restart(): Promise<void>
  /** SIGTERM and clean up its data. */
  stop(): Promise<void>
  output(): string
}

/**
 * The real entry point (`server/main.ts`) as a child process, with the demo county and users,
 * on a fresh embedded database — or a fresh PostgreSQL database when DATABASE_URL is set.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'shaowang-e2e-'))
  let database: string | null = null
  // An explicit DATABASE_URL shares that database (several processes); else a fresh one per server.
  const base = env['DATABASE_URL'] ? undefined : process.env['DATABASE_URL']
  const fullEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DEMO: '1',
    SIMULATOR_RATE: '0',
    LOG_LEVEL: 'warn',
    ...env,
  }
  if (base) {
    database = uniqueName('shaowang_e2e')
    const admin = adminPool(base)
    await admin.query(`create database "${database}"`)
    await admin.end()
    fullEnv['DATABASE_URL'] = withDatabase(base, database)
  }
  let child: ChildProcess | null = null
  let log = ''
  const url = `http://127.0.0.1:${port}`

  async function launch(): Promise<void> {
    child = spawn(process.execPath, [join(ROOT, 'server/main.ts')], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.on('data', (d) => (log += d))
    child.stderr!.on('data', (d) => (log += d))
    // The first start loads the demo's 60 days of history; a loaded machine needs longer.
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`)
      try {
        const res = await fetch(`${url}/api/v1/health`)
        // With the demo: once its history is stored and handled, so every test starts from the same county.
        if (res.ok && ((await res.json()) as { demoHistory: string | null }).demoHistory !== 'loading') return
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error(`server did not become healthy:\n${log}`)
  }

  function waitExit(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const c = child
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve({ code: c?.exitCode ?? null, signal: c?.signalCode ?? null })
    return new Promise((resolve) => {
      c.once('exit', (code, sig) => resolve({ code, signal: sig }))
      c.kill(signal)
    })
  }

  await launch()
  return {
    url,
    env: fullEnv,
    kill: async () => {
      await waitExit('SIGKILL')
    },
    terminate: () => waitExit('SIGTERM'),
    pid: () => (child as ChildProcess | null)?.pid,
    restart: launch,
    output: () => log,
    async stop() {
      await waitExit('SIGTERM')
      rmSync(dataDir, { recursive: true, force: true })
      if (base && database) {
        const admin = adminPool(base)
        await dropDatabase(admin, database)
        await admin.end()
      }
    },
  }
}

/** Signs a browser context in through the real login endpoint (the cookie lands in the context). */
export async function signInContext(context: BrowserContext, server: Pick<RunningServer, 'url'>, username: string, password: string): Promise<void> {
  const res = await context.request.post(`${server.url}/api/v1/session`, { data: { username, password } })
  if (!res.ok()) throw new Error(`sign-in as ${username} failed: ${res.status()} ${await res.text()}`)
}
