import { describe, expect, it } from 'vitest'
import { CUSUM_RUN_DAYS, detectSeries, earsC, lookbackDays } from '../../../server/domain/anomaly.ts'

describe('EARS by hand', () => {
  it('C1 floors a zero standard deviation at minSigma', () => {
    // baseline 2,2,2,2,2,2,2: mean 2, sd 0 → σ = max(0, 1) = 1; bound = 2 + 3·1 = 5
    const r = earsC([2, 2, 2, 2, 2, 2, 2, 6], { method: 'C1' })
    const day = r[7]!
    expect(day.upperbound).toBe(5)
    expect(day.statistic).toBe(4)
    expect(day.alarm).toBe(true)
    // exactly at the bound is no alarm (strict >, like R)
    expect(earsC([2, 2, 2, 2, 2, 2, 2, 5], { method: 'C1' })[7]!.alarm).toBe(false)
  })
  it('C1 uses the sample standard deviation (n − 1)', () => {
    // baseline 1,2,3,1,2,3,2: mean 2, squared deviations 1,0,1,1,0,1,0 = 4, var = 4/6,
    // sd 0.816 (the population sd would be 0.756); minSigma 0 so the floor does not hide it
    const r = earsC([1, 2, 3, 1, 2, 3, 2, 5], { method: 'C1', minSigma: 0 })
    expect(r[7]!.upperbound).toBeCloseTo(2 + 3 * Math.sqrt(4 / 6), 12)
    expect(r[7]!.alarm).toBe(true)
    // with the default floor of 1 the same sd is lifted: bound 2 + 3 = 5, and 5 is not above it
    expect(earsC([1, 2, 3, 1, 2, 3, 2, 5], { method: 'C1' })[7]!.upperbound).toBe(5)
  })
  it('C2 ignores the two days just before t (lag 2)', () => {
    // days 0..6 are the baseline of day 9; days 7 and 8 (a spike) are not in it
    const r = earsC([1, 1, 1, 1, 1, 1, 1, 50, 50, 5], { method: 'C2' })
    expect(r[9]!.upperbound).toBe(1 + 3 * 1)
    expect(r[9]!.alarm).toBe(true)
  })
  it('gives no verdict without a full baseline (NaN bound, no alarm)', () => {
    const c1 = earsC([0, 9, 0, 9, 0, 9, 0, 99], { method: 'C1' })
    expect(c1.slice(0, 7).every((d) => Number.isNaN(d.upperbound) && !d.alarm)).toBe(true)
    const c2 = earsC(Array(9).fill(0).concat([99]), { method: 'C2' })
    expect(c2.slice(0, 9).every((d) => Number.isNaN(d.upperbound) && !d.alarm)).toBe(true)
    expect(c2[9]!.alarm).toBe(true)
    const c3 = earsC(Array(12).fill(1), { method: 'C3' })
    expect(c3.filter((d) => !Number.isNaN(d.upperbound)).length).toBe(1)
    expect(lookbackDays('C3')).toBe(11)
  })
  it('treats sparse days as zeros and does not alarm on a single 1 with minSigma 1', () => {
    const r = earsC([0, 0, 0, 0, 0, 0, 0, 1], { method: 'C1' })
    expect(r[7]!.upperbound).toBe(3)
    expect(r[7]!.alarm).toBe(false)
    // without the floor (R's default minSigma 0) the same 1 is an alarm: bound = mean = 0
    expect(earsC([0, 0, 0, 0, 0, 0, 0, 1], { method: 'C1', minSigma: 0 })[7]!.alarm).toBe(true)
  })
  it("C3 sums the two previous days' C2 excess over 1, like R", () => {
    // flat 2s, then day 12 = 6: C2_12 = (6 − 2)/1 = 4 → day 13 bound = 2 + 1·(3 − 3) = 2, and
    // day 14 has C2_12 at lag 2: bound = y + (3 − 3) = y → no alarm (y > y is false)
    const y = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 6, 2, 2]
    const r = earsC(y, { method: 'C3' })
    expect(r[13]!.statistic).toBe(3)
    expect(r[13]!.upperbound).toBe(2)
    expect(r[13]!.alarm).toBe(false)
  })
})

// Reference values from R 4.x, surveillance 1.20.3:
//   s <- sts(observed = matrix(y, ncol = 1))
//   earsC(s, control = list(method = m, alpha = 1 - pnorm(3), minSigma = ms))
// qnorm(1 − alpha) there is 2.9999999999999969, passed as the threshold so the bounds agree to
// ~1e-14; R returns only `range` (from day baseline+1, +3, +5 for C1, C2, C3), so the arrays
// below start there.
const Z_R = 2.9999999999999969
const R_REFERENCE: Array<{ y: number[]; method: 'C1' | 'C2' | 'C3'; minSigma: number; ub: number[]; alarm: number[] }> = [
  {
    y: [2, 3, 1, 4, 2, 3, 2, 3, 2, 9, 1, 2, 3, 12, 4],
    method: 'C1',
    minSigma: 0,
    ub: [5.35627164741702, 5.49912879027417, 5.35627164741702, 11.0928266177647, 11.1606944002299, 11.1606944002299, 11.1606944002299, 17.1639433548794],
    alarm: [0, 0, 1, 0, 0, 0, 1, 0],
  },
  {
    y: [2, 3, 1, 4, 2, 3, 2, 3, 2, 9, 1, 2, 3, 12, 4],
    method: 'C2',
    minSigma: 1,
    ub: [5.42857142857143, 5.57142857142857, 5.42857142857143, 11.0928266177647, 11.1606944002299, 11.1606944002299],
    alarm: [1, 0, 0, 0, 1, 0],
  },
  {
    y: [2, 3, 1, 4, 2, 3, 2, 3, 2, 9, 1, 2, 3, 12, 4],
    method: 'C3',
    minSigma: 0,
    ub: [0, 10.5213980463361, 20.0178372573727, 5.83330681935411],
    alarm: [1, 0, 0, 0],
  },
  {
    y: [0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0],
    method: 'C1',
    minSigma: 0,
    ub: [1.27675056188482, 1.27675056188482, 2.78895880597976, 2.55350112376965, 2.55350112376965, 2.55350112376965, 2.55350112376965, 4.47498473745376, 4.47498473745376],
    alarm: [0, 1, 0, 0, 0, 0, 1, 0, 0],
  },
  {
    y: [0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0],
    method: 'C2',
    minSigma: 1,
    ub: [3.14285714285714, 3.14285714285714, 3.42857142857143, 3.28571428571428, 3.28571428571428, 3.28571428571428, 3.28571428571428],
    alarm: [0, 0, 0, 0, 0, 0, 0],
  },
  {
    y: [0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0],
    method: 'C3',
    minSigma: 1,
    ub: [3, 3, 6, 1.28571428571428, 1.28571428571428],
    alarm: [0, 0, 0, 0, 0],
  },
  {
    y: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 6, 2, 2],
    method: 'C3',
    minSigma: 1,
    ub: [5, 9, 2, 2],
    alarm: [0, 0, 1, 1],
  },
  {
    y: [1, 2, 1, 3, 2, 2, 1, 2, 3, 2, 5, 7, 9, 11, 4, 3],
    method: 'C2',
    minSigma: 0,
    ub: [3.98207255234107, 3.92733953516992, 4.44948974278318, 4.2130538208842, 6.24582549025354, 9.48995996900658, 13.0471097384271],
    alarm: [0, 1, 1, 1, 1, 0, 0],
  },
  {
    y: [1, 2, 1, 3, 2, 2, 1, 2, 3, 2, 5, 7, 9, 11, 4, 3],
    method: 'C3',
    minSigma: 1,
    ub: [7.85714285714285, 5.85714285714285, 2.27484785901231, 0, 0],
    alarm: [0, 1, 1, 1, 1],
  },
]

describe('EARS against R surveillance::earsC', () => {
  for (const [i, ref] of R_REFERENCE.entries()) {
    it(`matches R: case ${i} (${ref.method}, minSigma ${ref.minSigma})`, () => {
      const start = lookbackDays(ref.method)
      const got = earsC(ref.y, { method: ref.method, minSigma: ref.minSigma, threshold: Z_R }).slice(start)
      expect(got.length).toBe(ref.ub.length)
      got.forEach((d, j) => {
        expect(d.upperbound).toBeCloseTo(ref.ub[j]!, 10)
        expect(d.alarm ? 1 : 0).toBe(ref.alarm[j])
      })
    })
  }
  it('gives NaN bounds where R does (C3, zero variance, minSigma 0) and no alarm where R has NA', () => {
    const y = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 6, 2, 2]
    const got = earsC(y, { method: 'C3', minSigma: 0, threshold: Z_R }).slice(11)
    expect(got.every((d) => Number.isNaN(d.upperbound) && !d.alarm)).toBe(true)
  })
})

describe('CUSUM', () => {
  it('accumulates standardised excess over k and alarms above h', () => {
    // flat baseline of 2 (σ floored to 1): z = y − 2; S grows by z − 0.5 per day
    const y = Array(16).fill(2).concat([4, 5])
    const r = detectSeries(y, { method: 'cusum' })
    // day 16: S = 0 + (4 − 2) − 0.5 = 1.5 → no alarm; day 17: 1.5 + 3 − 0.5 = 4 → not > 4
    expect(r[16]!.statistic).toBe(1.5)
    expect(r[16]!.alarm).toBe(false)
    expect(r[17]!.statistic).toBe(4)
    expect(r[17]!.alarm).toBe(false)
    // the bound is the count at which S would reach h: 2 + 1·(4 + 0.5 − 1.5) = 5
    expect(r[17]!.upperbound).toBe(5)
    const r2 = detectSeries(Array(16).fill(2).concat([4, 6]), { method: 'cusum' })
    expect(r2[17]!.alarm).toBe(true)
  })
  it('needs run + baseline + lag days of history', () => {
    expect(lookbackDays('cusum')).toBe(CUSUM_RUN_DAYS - 1 + 9)
    const r = detectSeries(Array(15).fill(0).concat([30]), { method: 'cusum' })
    expect(r.slice(0, 15).every((d) => !d.alarm && Number.isNaN(d.upperbound))).toBe(true)
    expect(r[15]!.alarm).toBe(true)
  })
})
