// The outbox worker (docs/architecture.md): claims due messages channel by channel, sends them,
// and marks each sent, due again after an exponential backoff with jitter, or dead after the
// channel's maximum attempts. Channels are drained independently, so a channel that hangs or
// fails holds up only its own messages; alerting itself never waits for any of this.

import type { Db } from '../../../db/connect.ts'
import type { NotificationChannelRow, NotificationOutboxRow } from '../../../db/schema.ts'
import { channelsWithDueMessages, claimDue, findChannel, markFailed, markSent } from './repository.ts'
import { send as sendMessage, type SendOptions } from './senders.ts'

export interface OutboxOptions {
  /** How often due messages are looked for (besides a wake-up on every enqueue). Default 1 s. */
  pollMs?: number
  /** A claimed message is due again after this if its process dies mid-send. Default 60 s. */
  leaseMs?: number
  /** One attempt's time limit. Default 10 s. */
  timeoutMs?: number
  /** First retry after about this; doubling per attempt. Default 5 s. */
  backoffMs?: number
  /** Retries are never further apart than this. Default 10 min. */
  maxBackoffMs?: number
  /** Messages claimed per channel at a time. Default 20. */
  batch?: number
}

export type Outcome = 'sent' | 'retry' | 'dead'

export interface OutboxDeps {
  db: Db
  now: () => Date
  sendOptions: () => Omit<SendOptions, 'now' | 'timeoutMs'>
  onOutcome?: (row: NotificationOutboxRow, channel: NotificationChannelRow, outcome: Outcome, error?: string) => void
  onError?: (err: unknown) => void
  /** Replaces the real senders (tests). */
  send?: typeof sendMessage
  random?: () => number
}

/** Backoff before attempt `attempts + 1`: base·2^(attempts−1), capped, with "equal jitter" (half fixed, half random). */
export function backoffMs(attempts: number, base: number, max: number, random: () => number): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempts - 1))
  return Math.round(exp / 2 + random() * (exp / 2))
}

export class OutboxWorker {
  private readonly o: Required<OutboxOptions>
  private timer: NodeJS.Timeout | null = null
  private readonly busy = new Set<number>()
  private readonly inflight = new Set<Promise<void>>()
  private scanning = false
  private rescan = false
  private stopped = false
  private readonly deps: OutboxDeps

  constructor(deps: OutboxDeps, options: OutboxOptions = {}) {
    this.deps = deps
    this.o = { pollMs: 1000, leaseMs: 60_000, timeoutMs: 10_000, backoffMs: 5000, maxBackoffMs: 600_000, batch: 20, ...options }
  }

  start(): void {
    if (this.timer || this.o.pollMs <= 0) return
    this.stopped = false
    this.timer = setInterval(() => this.wake(), this.o.pollMs)
    this.timer.unref()
    this.wake()
  }

  /** Looks for due messages now (called after an enqueue commits). */
  wake(): void {
    if (this.stopped) return
    if (this.scanning) {
      this.rescan = true
      return
    }
    this.scanning = true
    void this.scan()
      .catch((err: unknown) => this.deps.onError?.(err))
      .finally(() => {
        this.scanning = false
        if (this.rescan) {
          this.rescan = false
          this.wake()
        }
      })
  }

  /** Resolves when no channel is being drained (tests wait for it). */
  async idle(): Promise<void> {
    while (this.inflight.size || this.scanning) await Promise.all([...this.inflight, new Promise((r) => setTimeout(r, 5))])
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await Promise.allSettled([...this.inflight])
  }

  private async scan(): Promise<void> {
    const due = await channelsWithDueMessages(this.deps.db, this.deps.now())
    for (const id of due) {
      if (this.busy.has(id) || this.stopped) continue
      this.busy.add(id)
      const p: Promise<void> = this.drain(id)
        .catch((err: unknown) => this.deps.onError?.(err))
        .finally(() => {
          this.busy.delete(id)
          this.inflight.delete(p)
        })
      this.inflight.add(p)
    }
  }

  private async drain(channelId: number): Promise<void> {
    for (;;) {
      if (this.stopped) return
      const channel = await findChannel(this.deps.db, channelId)
      if (!channel || !channel.enabled) return
      // Within the channel's rate, shared by all processes (repository's claimDue).
      const rows = await claimDue(this.deps.db, channelId, this.deps.now(), this.o.leaseMs, this.o.batch)
      for (const row of rows) await this.deliver(channel, row)
      if (rows.length < this.o.batch) return
    }
  }

  private async deliver(channel: NotificationChannelRow, row: NotificationOutboxRow): Promise<void> {
    const send = this.deps.send ?? sendMessage
    try {
      await send(channel, row.message, row.idempotencyKey, { ...this.deps.sendOptions(), now: this.deps.now(), timeoutMs: this.o.timeoutMs })
    } catch (err) {
      const error = err instanceof Error ? `${err.name === 'TimeoutError' ? 'timeout: ' : ''}${err.message}` : String(err)
      const dead = row.attempts >= channel.maxAttempts
      const retryAt = new Date(this.deps.now().getTime() + backoffMs(row.attempts, this.o.backoffMs, this.o.maxBackoffMs, this.deps.random ?? Math.random))
      if (await markFailed(this.deps.db, row, { error, retryAt, dead, now: this.deps.now() })) this.deps.onOutcome?.(row, channel, dead ? 'dead' : 'retry', error)
      return
    }
    if (await markSent(this.deps.db, row, this.deps.now())) this.deps.onOutcome?.(row, channel, 'sent')
  }
}
