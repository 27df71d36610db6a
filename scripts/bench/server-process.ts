import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../lib/free-port.ts'
import { processMemory } from '../lib/process-memory.ts'

const ROOT = new URL('../..', import.meta.url).pathname

export interface ServerProcess {
  url: string
  pid: number
  /** Resident memory of the server process now (Linux /proc). */
  rssBytes(): number
  /** Peak resident memory since start (VmHWM). */
  peakRssBytes(): number
  output(): string
  stop(): Promise<void>
}


/**
 * The real entry point as its own process, as in production: the bench drives it over HTTP and
 * Socket.IO from this process. `readyPath` is polled until it answers 2xx.
 */
export async function startServerProcess(env: Record<string, string>, options: { readyPath?: string; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'shaowang-bench-'))
  const url = `http://127.0.0.1:${port}`
  let log = ''
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'server/main.ts')], {
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, SIMULATOR_RATE: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d) => (log = (log + d).slice(-20_000)))
  child.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)))
  const deadline = Date.now() + (options.timeoutMs ?? 120_000)
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`server did not become ready:\n${log}`)
    }
    try {
      if ((await fetch(`${url}${options.readyPath ?? '/api/v1/health'}`)).ok) break
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const pid = child.pid!
  return {
    url,
    pid,
    rssBytes: () => processMemory(pid, 'VmRSS'),
    peakRssBytes: () => processMemory(pid, 'VmHWM'),
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
          child.once('exit', () => {
            clearTimeout(t)
            resolve()
          })
          child.kill('SIGTERM')
        })
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
