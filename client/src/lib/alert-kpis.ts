// The alert counters of the wall and the duty console: open alerts by level (the one meaning of
// "open" is the contract's), 办结率, 按期办结率 and 满意度. Pure.
import { isOpen, SATISFACTIONS, type Satisfaction } from '#contract/alerts.ts'
import type { Alert } from '#contract/api.ts'
import { LEVELS, type Level } from '#contract/taxonomy.ts'

/** num / den, or null when it cannot be computed (no denominator). */
export function ratio(num: number, den: number): number | null {
  if (!Number.isFinite(num) || !Number.isFinite(den) || den <= 0) return null
  return num / den
}

export interface AlertKpis {
  /** Open (not closed) alerts by level: the wall's 在办, the duty console's 未关闭. */
  openByLevel: Record<Level, number>
  openTotal: number
  /** 办结率: resolved or closed / all alerts held. */
  resolvedRatio: number | null
  /** 按期办结率: resolved by the deadline / resolved with a deadline and a resolution time. */
  onTimeRatio: number | null
  /** 满意度: (满意 + 基本满意) / follow-up visits with a recorded satisfaction. */
  satisfaction: number | null
}

const SATISFIED: ReadonlySet<string> = new Set<Satisfaction>(['satisfied', 'basically_satisfied'])
const SATISFACTION_VALUES: ReadonlySet<string> = new Set(SATISFACTIONS)

/** How many of `alerts` are open: what both screens show as the open count. */
export function openCount(alerts: Iterable<Pick<Alert, 'state'>>): number {
  let n = 0
  for (const alert of alerts) if (isOpen(alert)) n++
  return n
}

export function alertKpis(alerts: Iterable<Alert>): AlertKpis {
  const openByLevel: Record<Level, number> = { blue: 0, yellow: 0, orange: 0, red: 0 }
  let total = 0
  let done = 0
  let timed = 0
  let onTime = 0
  let visited = 0
  let satisfied = 0
  for (const alert of alerts) {
    total++
    if (isOpen(alert) && alert.level in openByLevel) openByLevel[alert.level]++
    if (alert.state !== 'resolved' && alert.state !== 'closed') continue
    done++
    const resolvedAt = alert.resolvedAt ? Date.parse(alert.resolvedAt) : Number.NaN
    const deadline = alert.deadline ? Date.parse(alert.deadline) : Number.NaN
    if (Number.isFinite(resolvedAt) && Number.isFinite(deadline)) {
      timed++
      if (resolvedAt <= deadline) onTime++
    }
    if (alert.state === 'closed' && typeof alert.satisfaction === 'string' && SATISFACTION_VALUES.has(alert.satisfaction)) {
      visited++
      if (SATISFIED.has(alert.satisfaction)) satisfied++
    }
  }
  const openTotal = LEVELS.reduce((n, l) => n + openByLevel[l], 0)
  return { openByLevel, openTotal, resolvedRatio: ratio(done, total), onTimeRatio: ratio(onTime, timed), satisfaction: ratio(satisfied, visited) }
}
