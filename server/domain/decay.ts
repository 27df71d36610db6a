// Signals fade: points halve every half-life, so yesterday's collective petition still counts
// but less than today's. Below SIGNAL_EPSILON a signal no longer moves a score a displayed
// point and is dropped, which bounds the state the engine keeps per township.

/** A signal whose current points fall below this is dropped. */
export const SIGNAL_EPSILON = 0.5

export function decayedPoints(points: number, at: number, now: number, halfLifeMs: number | null): number {
  if (halfLifeMs === null || now <= at) return points
  return points * 0.5 ** ((now - at) / halfLifeMs)
}

/**
 * When a decaying signal is dropped: the instant its points reach SIGNAL_EPSILON, rounded up to
 * the millisecond. A signal lives at least one half-life so that alert-only rules (points 0)
 * still have a visible lifetime, which is what their alert's recovery waits for.
 */
export function expiryTime(points: number, at: number, halfLifeMs: number | null): number {
  if (halfLifeMs === null) return Number.POSITIVE_INFINITY
  const halvings = points > SIGNAL_EPSILON ? Math.log2(points / SIGNAL_EPSILON) : 0
  return Math.ceil(at + halfLifeMs * Math.max(1, halvings))
}
