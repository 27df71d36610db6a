/** One line of the benchmark table: a figure beside the reference it is judged against (docs/architecture.md §10). */
export interface BenchRow {
  /** ingest, latency, fan-out, scale, backtest, wall */
  section: string
  /** What was measured, e.g. "batch endpoint, events/s". */
  measure: string
  /** The figure, formatted with its unit. */
  value: string
  /** The reference measured in the same run, or the fixed bound, e.g. "bare INSERT 98,000/s (31 %)". */
  reference: string
  /** The docs/architecture.md §10 target in words, e.g. "≥ 30 % of bare INSERT". */
  target: string
  verdict: 'met' | 'NOT MET' | 'info'
}

export interface BenchContext {
  /** postgres:// URL of a database the section may create databases beside; undefined on PGlite. */
  databaseUrl: string | undefined
  /** --quick: smaller volumes and shorter runs, the whole bench under 2 minutes. */
  quick: boolean
  log: (line: string) => void
}

export type BenchSection = (ctx: BenchContext) => Promise<BenchRow[]>

export function printTable(rows: readonly BenchRow[]): string {
  const head = ['section', 'measure', 'value', 'reference (same run)', 'target', 'verdict']
  const cells = rows.map((r) => [r.section, r.measure, r.value, r.reference, r.target, r.verdict])
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(width[i]!)).join(' | ')} |`
  return [line(head), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n')
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  ms: (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`,
  s: (n: number) => `${n.toFixed(1)} s`,
  mb: (bytes: number) => `${Math.round(bytes / 1024 / 1024).toLocaleString('en-US')} MB`,
  pct: (x: number) => `${Math.round(x * 100)} %`,
}

/** The p-th percentile (0–100) of the samples, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}
