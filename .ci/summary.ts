// CI summary over vitest JSON reports (node .ci/summary.ts label=file.json ...).
//
// The database tests (tests/integration, tests/e2e, tests/faults) are counted per report, i.e. per
// backend. The database-free tests (tests/unit, tests/client) run in every `npm test` but are counted
// once: a test passed when it passed in every report that holds it, failed when it failed in any.
// Nothing that did not run counts as passed: a missing report, a file that failed to load, or a
// report whose run did not finish is a failure. Exits 1 when anything failed.
import { existsSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'

type Status = 'passed' | 'failed' | 'skipped'

interface Report {
  success?: boolean
  testResults: Array<{
    name: string
    status: string
    message?: string
    assertionResults: Array<{ fullName: string; status: string }>
  }>
}

const root = new URL('..', import.meta.url).pathname
const databaseFree = (file: string) => /^tests\/(unit|client)\//.test(file)

const status = (s: string): Status => (s === 'passed' ? 'passed' : s === 'failed' ? 'failed' : 'skipped')

interface Counts {
  passed: number
  failed: number
  skipped: number
}
const count = (statuses: Iterable<Status>): Counts => {
  const c = { passed: 0, failed: 0, skipped: 0 }
  for (const s of statuses) c[s]++
  return c
}
const line = (c: Counts) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`

let anyFailed = false
const shared = new Map<string, Status[]>()
const rows: string[] = []
const problems: string[] = []

for (const arg of process.argv.slice(2)) {
  const eq = arg.indexOf('=')
  const label = eq > 0 ? arg.slice(0, eq) : arg
  const file = eq > 0 ? arg.slice(eq + 1) : arg
  if (!existsSync(file)) {
    problems.push(`${label}: no report (the run did not finish)`)
    anyFailed = true
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report
  const own: Status[] = []
  let brokenFiles = 0
  for (const result of report.testResults) {
    const path = relative(root, result.name)
    // A file that failed to load or whose hooks failed: its tests never ran, whatever they say.
    if (result.status === 'failed' && result.assertionResults.every((a) => a.status !== 'failed')) {
      brokenFiles++
      problems.push(`${label}: ${path} failed outside its tests: ${(result.message ?? '').split('\n')[0]}`)
    }
    for (const a of result.assertionResults) {
      const s = status(a.status)
      if (databaseFree(path)) {
        const key = `${path} > ${a.fullName}`
        shared.set(key, [...(shared.get(key) ?? []), s])
      } else own.push(s)
    }
  }
  const c = count(own)
  c.failed += brokenFiles
  if (c.failed > 0 || report.success === false) anyFailed = true
  rows.push(`${label.padEnd(12)} database tests: ${line(c)}${brokenFiles ? ` (${brokenFiles} files did not run)` : ''}`)
}

if (shared.size > 0) {
  const c = count(
    [...shared.values()].map((ss): Status => (ss.includes('failed') ? 'failed' : ss.every((s) => s === 'passed') ? 'passed' : 'skipped')),
  )
  if (c.failed > 0) anyFailed = true
  rows.push(`${'once'.padEnd(12)} database-free tests (unit, client): ${line(c)}`)
}

for (const r of rows) console.log(r)
for (const p of problems) console.log(`!! ${p}`)
process.exit(anyFailed ? 1 : 0)
