// The live runner around the pure engine: it feeds accepted events and clock ticks to the
// domain core one at a time, persists what changed and hands alert decisions to the alert
// service. All I/O goes through the ports below, so the runner is tested without a server.
import { type AlertDecision, createEngine, type Engine, type EngineOutput, type Explanation, type TownshipSnapshot } from '../domain/engine.ts'
import type { RiskEvent, SensitivePeriod, TownshipContext, ZeroReport } from '../domain/event.ts'
import { warmupHorizonMs } from '../domain/backtest.ts'
import type { AlertLevel, CompiledRuleSet } from '../domain/ruleset.ts'

export interface EngineInputs {
  ruleSet: CompiledRuleSet
  townships: TownshipContext[]
  calendar: SensitivePeriod[]
}

/** What the runner needs from storage. */
export interface EngineStore {
  loadInputs(): Promise<EngineInputs | null>
  /** Events with occurredAt ≥ since, in the order they were accepted (id), in pages. */
  eventsSince(since: Date): AsyncIterable<Array<RiskEvent & { receivedAt: number }>>
  zeroReportsSince(since: Date): Promise<ZeroReport[]>
  saveRisk(snapshots: TownshipSnapshot[]): Promise<void>
  /** Open (not closed) alerts by key with their level, and the last time each key was seen on any alert. */
  alertKeys(): Promise<{ open: Map<string, AlertLevel>; openRecovered: Set<string>; lastSeen: Map<string, number> }>
  /** When stored data begin at or after `since` (the first event or zero report), or null when there are none. */
  dataStart(since: Date): Promise<number | null>
}

/** What the runner hands on: alert decisions to store and push, risk changes to push. */
export interface EngineSink {
  applyAlerts(decisions: AlertDecision[], now: Date): Promise<void>
  riskChanged(changes: Array<{ township: string; score: number; level: string }>): void
  eventAccepted?(event: RiskEvent): void
}

export interface LiveEngineOptions {
  store: EngineStore
  sink: EngineSink
  timeZone: string
  now?: () => number
  /** Milliseconds between clock ticks (decay, window expiry, silence). */
  tickMs?: number
  /** Milliseconds between passes that save and push scores changed by decay alone. */
  refreshMs?: number
  /** Milliseconds before a failed start is tried again. */
  retryMs?: number
  log?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void }
}

const DAY = 86_400_000
/** How long an accepted event may sit between its commit and the engine (requests time out at 30 s). */
const IN_FLIGHT_MS = 2 * 60_000
/** A rebuild reads at most this much history, however long a rule's window or half-life. */
const MAX_HORIZON_MS = 120 * DAY

/** How far back the state of a rule set reaches (the backtest's warm-up, capped). */
export function horizonOf(ruleSet: CompiledRuleSet): number {
  return Math.min(Math.max(warmupHorizonMs(ruleSet), DAY), MAX_HORIZON_MS)
}

export class LiveEngine {
  #engine: Engine | null = null
  #queue: Promise<void> = Promise.resolve()
  #timer: NodeJS.Timeout | null = null
  #retry: NodeJS.Timeout | null = null
  #stopped = false
  #paused = false
  #lastRefresh = 0
  #lastRebuild: { seconds: number; events: number } | null = null
  #ruleSet: CompiledRuleSet | null = null
  /**
   * Recently received events the last rebuild read from the store. An event committed just
   * before the rebuild read it may still be on its way here (handed off or notified, queued
   * behind the rebuild): scoring it again would count it twice.
   */
  #replayed = new Set<number>()
  readonly #options: LiveEngineOptions
  readonly #now: () => number

  constructor(options: LiveEngineOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  get running(): boolean {
    return this.#engine !== null
  }

  /** How long the last completed rebuild took (wall clock) and how many events it replayed. */
  get lastRebuild(): { seconds: number; events: number } | null {
    return this.#lastRebuild
  }

  /**
   * Per rule of the rule set this process runs (id, or `modifiers[i]` for a set-wide modifier):
   * evaluations skipped because they ran out of the evaluation budget since it was loaded
   * (server/domain/rule-language.ts). Empty when the engine does not run here.
   */
  ruleBudgetExceeded(): Map<string, number> {
    const out = new Map<string, number>()
    const ruleSet = this.#engine ? this.#ruleSet : null
    if (!ruleSet) return out
    for (const rule of ruleSet.rules) {
      out.set(rule.id, (rule.when?.budgetExceeded ?? 0) + rule.modifiers.reduce((n, m) => n + m.when.budgetExceeded, 0))
    }
    ruleSet.modifiers.forEach((m, i) => out.set(`modifiers[${i}]`, m.when.budgetExceeded))
    return out
  }

  /** Rebuilds from the store, then ticks on a timer until stop(). */
  async start(): Promise<void> {
    this.#stopped = false
    try {
      await this.rebuild()
    } catch {
      // Logged by #serial. The server keeps serving (events are stored regardless); the engine
      // tries again until it succeeds, and the next rebuild catches up on everything stored.
      this.#scheduleRetry()
    }
    const tickMs = this.#options.tickMs ?? 1_000
    if (tickMs > 0) {
      this.#timer = setInterval(() => void this.tick(), tickMs)
      this.#timer.unref()
    }
  }

  #scheduleRetry(): void {
    if (this.#stopped) return
    this.#retry = setTimeout(() => {
      if (this.#stopped || this.#engine) return
      this.rebuild().catch(() => this.#scheduleRetry())
    }, this.#options.retryMs ?? 5_000)
    this.#retry.unref()
  }

  /** Stops after the work in hand; nothing is lost (the store has every accepted event). */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    if (this.#retry) clearTimeout(this.#retry)
    this.#timer = null
    await this.#queue
    this.#engine = null
  }

  /**
   * Replays the store into a fresh engine, then reconciles with the stored alerts instead of
   * re-issuing what the replay decided: a key the engine holds active that has no alert seen
   * since it was raised is raised (it was lost in a crash); an open alert whose condition no
   * longer holds is marked recovered. So a restart never raises an alert twice.
   */
  rebuild(): Promise<void> {
    return this.#serial(async () => {
      const started = performance.now()
      const inputs = await this.#options.store.loadInputs()
      if (!inputs) {
        this.#engine = null
        this.#options.log?.info({}, 'risk engine idle: no published rule set')
        return
      }
      const now = this.#now()
      const since = new Date(now - horizonOf(inputs.ruleSet))
      // Silence counts from when data begin: a new installation is not a feed gap.
      const origin = Math.min(now, (await this.#options.store.dataStart(since)) ?? now)
      const engine = createEngine({ ...inputs, timeZone: this.#options.timeZone, origin })
      const reports = (await this.#options.store.zeroReportsSince(since)).sort((a, b) => a.at - b.at)
      const pending = new Map<string, AlertDecision>()
      const remember = (out: EngineOutput) => {
        for (const d of out.alerts) {
          const open = pending.get(d.key)
          if (d.kind === 'recover') pending.delete(d.key)
          else if (d.kind === 'raise' || !open) pending.set(d.key, d)
          // A repeat keeps the raise but carries the latest firing, as the stored alert would
          // (updated in place: the replay's decisions are this map's alone).
          else {
            open.at = d.at
            open.eventId = d.eventId ?? open.eventId
          }
        }
      }
      let r = 0
      let count = 0
      const replayed = new Set<number>()
      const inFlightSince = now - IN_FLIGHT_MS
      for await (const page of this.#options.store.eventsSince(since)) {
        for (const event of page) {
          if (event.receivedAt >= inFlightSince) replayed.add(event.id)
          const at = Math.max(event.receivedAt, event.occurredAt)
          while (r < reports.length && reports[r]!.at <= at) remember(engine.zeroReport(reports[r]!, reports[r++]!.at))
          remember(engine.ingest(event, at))
          count++
        }
      }
      while (r < reports.length) remember(engine.zeroReport(reports[r]!, reports[r++]!.at))
      remember(engine.tick(now))
      this.#engine = engine
      this.#ruleSet = inputs.ruleSet
      this.#replayed = replayed

      const stored = await this.#options.store.alertKeys()
      const active = new Set(engine.activeAlertKeys())
      const decisions: AlertDecision[] = []
      for (const key of active) {
        const decision = pending.get(key)
        if (!decision || stored.open.has(key)) continue
        if ((stored.lastSeen.get(key) ?? -Infinity) >= decision.at) continue
        decisions.push({ ...decision, kind: 'raise' })
      }
      for (const [key, level] of stored.open) {
        if (active.has(key) || stored.openRecovered.has(key)) continue
        const [township = '', rule = 'level'] = key.split('|')
        decisions.push({ kind: 'recover', key, township, ruleId: rule === 'level' ? null : rule, level, at: now, eventId: null, reason: 'condition no longer holds (found at engine start)' })
      }
      if (decisions.length) await this.#options.sink.applyAlerts(decisions, new Date(now))
      this.#lastRefresh = now
      await this.#saveAndPush(engine.snapshot(now))
      this.#lastRebuild = { seconds: (performance.now() - started) / 1000, events: count }
      this.#options.log?.info({ events: count, seconds: Math.round(this.#lastRebuild.seconds * 10) / 10, horizonDays: Math.round(horizonOf(inputs.ruleSet) / DAY), reconciled: decisions.length }, 'risk engine rebuilt')
    })
  }

  /**
   * While paused, accepted events are left to the next rebuild: a bulk load of history (the
   * demo's backfill, a large ledger import) then sets levels from the past without raising an
   * alert for every old event. resume() rebuilds.
   */
  pause(): void {
    this.#paused = true
  }

  resume(): Promise<void> {
    this.#paused = false
    return this.rebuild()
  }

  /** Accepted events, in the order they were stored. */
  ingest(events: RiskEvent[]): Promise<void> {
    return this.#serial(async () => {
      const engine = this.#engine
      if (!engine || this.#paused) return
      const now = this.#now()
      const outputs: EngineOutput[] = []
      for (const event of events) {
        if (!this.#replayed.delete(event.id)) outputs.push(engine.ingest(event, now))
        this.#options.sink.eventAccepted?.(event)
      }
      await this.#emit(outputs, now)
    })
  }

  zeroReport(report: ZeroReport): Promise<void> {
    return this.#serial(async () => {
      if (!this.#engine || this.#paused) return
      const now = this.#now()
      await this.#emit([this.#engine.zeroReport(report, now)], now)
    })
  }

  tick(): Promise<void> {
    return this.#serial(async () => {
      const engine = this.#engine
      if (!engine || this.#paused) return
      const now = this.#now()
      await this.#emit([engine.tick(now)], now)
      if (now - this.#lastRefresh >= (this.#options.refreshMs ?? 5_000)) {
        this.#lastRefresh = now
        // Only the engine's active townships can decay: walking a country's 40,000 every 5 s
        // is what this avoids (BENCHMARKS.md, scale).
        const changed = engine.refresh(now)
        if (changed.length) await this.#saveAndPush(engine.snapshotOf(changed.map((c) => c.township), now))
      }
    })
  }

  explain(township: string): Explanation | null {
    return this.#engine ? this.#engine.explain(township, this.#now()) : null
  }

  snapshot(): TownshipSnapshot[] {
    return this.#engine ? this.#engine.snapshot(this.#now()) : []
  }

  async #emit(outputs: EngineOutput[], now: number): Promise<void> {
    const decisions = outputs.flatMap((o) => o.alerts)
    const touched = new Set(outputs.flatMap((o) => o.changes.map((c) => c.township)))
    if (decisions.length) await this.#options.sink.applyAlerts(decisions, new Date(now))
    if (touched.size && this.#engine) {
      await this.#saveAndPush(this.#engine.snapshotOf(touched, now))
    }
  }

  /** Saves and pushes these townships' scores (the engine decided they changed, or a rebuild resets them all). */
  async #saveAndPush(snapshots: TownshipSnapshot[]): Promise<void> {
    if (snapshots.length === 0) return
    await this.#options.store.saveRisk(snapshots)
    this.#options.sink.riskChanged(snapshots.map((s) => ({ township: s.township, score: Math.round(s.score * 10) / 10, level: s.level })))
  }

  /** One thing at a time: the engine's state is a sequence, and a failure must not stop the line. */
  #serial(work: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(async () => {
      if (this.#stopped && this.#engine === null) return
      try {
        await work()
      } catch (err) {
        this.#options.log?.error({ err }, 'risk engine step failed')
        throw err
      }
    })
    this.#queue = next.catch(() => {})
    return next
  }
}
