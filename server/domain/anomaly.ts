// Surveillance detectors over daily counts. EARS C1/C2/C3 follow R's surveillance::earsC
// (version 1.20.3, read from its source) operation for operation, so a backtest here and an
// epidemiologist's R session agree:
//   C1: baseline = the `baseline` (7) days before t; upperbound = mean + z·max(sd, minSigma).
//   C2: baseline = days t−9 … t−3 (lag 2); same formula.
//   C3: with C2_i = (y_i − mean_i)/max(sd_i, minSigma) on C2 baselines,
//       upperbound_t = max(0, y_t + max(sd_t, minSigma)·(z − (C2_{t−2} − 1)⁺ − (C2_{t−1} − 1)⁺)).
//       Note R's C3 uses only the two previous days' C2 (not day t's own): y_t cancels, so the
//       alarm is (C2_{t−2} − 1)⁺ + (C2_{t−1} − 1)⁺ > z (or y_t > 0 when the bound floors at 0).
//   alarm = count > upperbound (strict); sd is the sample sd (n − 1).
// Differences from R's defaults, by contract (docs/architecture.md §5): minSigma defaults to 1 (R: 0), and the
// threshold is z itself (default 3) rather than alpha (R: qnorm(1 − 0.001) ≈ 3.09 for C1/C2,
// qnorm(1 − 0.025) ≈ 1.96 for C3). Pass alpha = 1 − pnorm(z) to R to compare.
// Days without a full baseline get upperbound NaN and no alarm (R leaves them out of `range`).

export type EarsMethod = 'C1' | 'C2' | 'C3'
export type DetectorMethod = EarsMethod | 'cusum'

export interface DetectorOptions {
  method: DetectorMethod
  /** z for EARS (default 3); decision interval h for CUSUM (default 4) */
  threshold?: number
  /** floor for the baseline's standard deviation (default 1) */
  minSigma?: number
  /** baseline length in days (default 7, R's minimum is 3) */
  baseline?: number
  /** CUSUM reference value k in standard deviations (default 0.5) */
  k?: number
}

export interface DetectorDay {
  count: number
  upperbound: number
  alarm: boolean
  /** C1/C2: (count − mean)/σ; C3: (C2_{t−2} − 1)⁺ + (C2_{t−1} − 1)⁺; cusum: S_t */
  statistic: number
}

export const CUSUM_DEFAULT_K = 0.5
export const CUSUM_DEFAULT_H = 4
/**
 * The CUSUM is restarted this many days before t, so a day's verdict depends only on a bounded
 * stretch of counts (the live engine keeps ~a month of daily counts) and is the same however
 * the history was fed. Its baseline is C2's (lag 2), so an outbreak does not mask itself.
 */
export const CUSUM_RUN_DAYS = 7

/** Days of history before t a method reads (t − lookback is the oldest index used). */
export function lookbackDays(method: DetectorMethod, baseline = 7): number {
  switch (method) {
    case 'C1':
      return baseline
    case 'C2':
      return baseline + 2
    case 'C3':
      return baseline + 4
    case 'cusum':
      return CUSUM_RUN_DAYS - 1 + baseline + 2
  }
}

/** Counts by day index; undefined = unknown (before the data begin). */
export type CountAt = (day: number) => number | undefined

const NO_VERDICT = (count: number): DetectorDay => ({ count, upperbound: Number.NaN, alarm: false, statistic: Number.NaN })

export interface Baseline {
  mean: number
  sd: number
}

/** The first lag of the EARS baselines: C1 reads t−1…, C2 (and C3, CUSUM) t−3…. */
export function baselineLag(method: DetectorMethod): number {
  return method === 'C1' ? 1 : 3
}

/** mean and sample sd of the n days from lag `firstLag` back (t − firstLag … t − firstLag − n + 1) */
export function baselineOf(get: CountAt, t: number, firstLag: number, n: number): Baseline | null {
  let sum = 0
  for (let lag = firstLag; lag < firstLag + n; lag++) {
    const v = get(t - lag)
    if (v === undefined) return null
    sum += v
  }
  const mean = sum / n
  let ss = 0
  for (let lag = firstLag; lag < firstLag + n; lag++) {
    const d = (get(t - lag) as number) - mean
    ss += d * d
  }
  return { mean, sd: Math.sqrt(ss / (n - 1)) }
}

/** The verdict for one day t, reading counts through `get`. */
export function detectDay(get: CountAt, t: number, opts: DetectorOptions): DetectorDay {
  const count = get(t)
  if (count === undefined) return NO_VERDICT(Number.NaN)
  const baseline = opts.baseline ?? 7
  const minSigma = opts.minSigma ?? 1
  const method = opts.method
  if (method === 'C1' || method === 'C2') {
    const z = opts.threshold ?? 3
    const b = baselineOf(get, t, baselineLag(method), baseline)
    if (!b) return NO_VERDICT(count)
    const sigma = Math.max(b.sd, minSigma)
    const upperbound = b.mean + z * sigma
    return { count, upperbound, alarm: count > upperbound, statistic: (count - b.mean) / sigma }
  }
  if (method === 'C3') {
    const z = opts.threshold ?? 3
    const c2 = (day: number): number | null => {
      const y = get(day)
      const b = baselineOf(get, day, 3, baseline)
      if (y === undefined || !b) return null
      return (y - b.mean) / Math.max(b.sd, minSigma)
    }
    const lag2 = c2(t - 2)
    const lag1 = c2(t - 1)
    const b = baselineOf(get, t, 3, baseline)
    if (lag2 === null || lag1 === null || !b) return NO_VERDICT(count)
    const part = Math.max(0, lag2 - 1) + Math.max(0, lag1 - 1)
    const upperbound = Math.max(0, count + Math.max(b.sd, minSigma) * (z - part))
    return { count, upperbound, alarm: count > upperbound, statistic: part }
  }
  const h = opts.threshold ?? CUSUM_DEFAULT_H
  const k = opts.k ?? CUSUM_DEFAULT_K
  let s = 0
  let last: { mean: number; sigma: number } | null = null
  for (let day = t - CUSUM_RUN_DAYS + 1; day <= t; day++) {
    const y = get(day)
    const b = baselineOf(get, day, 3, baseline)
    if (y === undefined || !b) return NO_VERDICT(count)
    const sigma = Math.max(b.sd, minSigma)
    if (day === t) last = { mean: b.mean, sigma }
    else s = Math.max(0, s + (y - b.mean) / sigma - k)
  }
  const { mean, sigma } = last as { mean: number; sigma: number }
  const st = Math.max(0, s + (count - mean) / sigma - k)
  // the count at which S_t would reach h
  const upperbound = mean + sigma * (h + k - s)
  return { count, upperbound, alarm: st > h, statistic: st }
}

/** Run a detector over a whole series (day 0 = counts[0]); the backtest and R comparison use it. */
export function detectSeries(counts: readonly number[], opts: DetectorOptions): DetectorDay[] {
  const get: CountAt = (day) => (day >= 0 && day < counts.length ? counts[day] : undefined)
  return counts.map((_, t) => detectDay(get, t, opts))
}

/** R's name for the EARS family, for readers coming from surveillance::earsC. */
export function earsC(
  counts: readonly number[],
  opts: { method?: EarsMethod; baseline?: number; minSigma?: number; threshold?: number } = {},
): DetectorDay[] {
  return detectSeries(counts, { ...opts, method: opts.method ?? 'C1' })
}
