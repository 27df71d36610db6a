// `npm run soak` in a short form (1 minute): the script's own checks decide (stored equals
// acknowledged, no error-level log line, no failed request, a clean stop) and its exit code says so.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = new URL('../..', import.meta.url).pathname

describe('soak, short form', () => {
  it(`${process.env['DATABASE_URL'] ? 'PostgreSQL' : 'PGlite'}: one minute of steady ingest ends with stored = acknowledged, no errors, a clean stop`, { timeout: 300_000 }, async () => {
    // PGlite shares the server's one thread with the database: a lower rate on a shared machine.
    const rate = process.env['DATABASE_URL'] ? '500' : '200'
    const run = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/soak.ts'), '--minutes', '1', '--rate', rate], { cwd: ROOT, maxBuffer: 10_000_000, timeout: 280_000 }).catch(
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ stdout: `${err.stdout ?? ''}\n(exit ${err.code})`, stderr: err.stderr ?? '' }),
    )
    console.log(run.stdout)
    expect(run.stdout).toMatch(/events stored\s+(\d+) \(\1 distinct\)\s+\(equal\)/)
    expect(run.stdout).toMatch(/error-level log lines\s+0$/m)
    expect(run.stdout).toMatch(/^OK$/m)
  })
})
