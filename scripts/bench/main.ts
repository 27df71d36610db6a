// npm run bench [-- --quick] [-- --only ingest,latency]: docs/architecture.md §10 figures, one table.
// Each section lives in its own module and returns rows; this file only runs them in order.
import { printTable, type BenchContext, type BenchRow, type BenchSection } from './table.ts'

const sections: Array<[name: string, load: () => Promise<BenchSection>]> = [
  ['ingest', async () => (await import('./ingest.ts')).run],
  ['latency', async () => (await import('./latency.ts')).run],
  ['fanout', async () => (await import('./fanout.ts')).run],
  ['scale', async () => (await import('./scale.ts')).run],
  ['backtest', async () => (await import('./backtest.ts')).run],
  ['rules', async () => (await import('./rule-budget.ts')).run],
  ['wall', async () => (await import('./wall.ts')).run],
]

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const only = onlyArg ? new Set(onlyArg.split(',')) : null
const databaseUrl = process.env['DATABASE_URL'] || undefined

const ctx: BenchContext = { databaseUrl, quick, log: (line) => console.error(`[bench] ${line}`) }
if (!databaseUrl) ctx.log('DATABASE_URL is not set: running on embedded PGlite, only the sections that make sense there (docs/architecture.md §10 targets are for PostgreSQL)')

const rows: BenchRow[] = []
const started = Date.now()
for (const [name, load] of sections) {
  if (only && !only.has(name)) continue
  ctx.log(`${name}…`)
  const t0 = Date.now()
  try {
    rows.push(...(await (await load())(ctx)))
  } catch (err) {
    rows.push({ section: name, measure: 'section failed', value: String((err as Error).message ?? err).slice(0, 80), reference: '', target: '', verdict: 'NOT MET' })
    console.error(err)
  }
  ctx.log(`${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
}
console.log(printTable(rows))
console.log(`\n${quick ? 'quick' : 'full'} run, ${((Date.now() - started) / 1000).toFixed(0)} s, ${databaseUrl ? 'PostgreSQL' : 'PGlite'}`)
process.exitCode = rows.some((r) => r.verdict === 'NOT MET') ? 1 : 0
