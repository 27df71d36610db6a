// How producers' bursts are bounded before they reach the sockets: risk changes coalesced per
// township (the last value wins) and flushed at most every interval; events sampled by a token
// bucket to at most a rate.
import type { RiskChange } from '#contract/realtime.ts'

export class RiskCoalescer {
  private readonly buffer = new Map<string, RiskChange>()
  private timer: NodeJS.Timeout | null = null
  private readonly flushMs: number
  private readonly send: (changes: RiskChange[]) => void

  constructor(flushMs: number, send: (changes: RiskChange[]) => void) {
    this.flushMs = flushMs
    this.send = send
  }

  add(changes: readonly RiskChange[]): void {
    for (const c of changes) this.buffer.set(c.township, { township: c.township, score: c.score, level: c.level })
    if (this.buffer.size && !this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs)
  }

  /** Sends what is buffered now. */
  flush(): void {
    this.cancel()
    if (this.buffer.size === 0) return
    const changes = [...this.buffer.values()]
    this.buffer.clear()
    this.send(changes)
  }

  /** Stops the pending flush (shutdown); the buffer stays. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}

export class TokenBucket {
  private readonly perSecond: number
  private tokens: number
  private refilledAt = Date.now()

  constructor(perSecond: number) {
    this.perSecond = perSecond
    this.tokens = perSecond
  }

  /** Whether one more may go now. */
  take(): boolean {
    const now = Date.now()
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond)
    this.refilledAt = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
