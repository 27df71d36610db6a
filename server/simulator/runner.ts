import { type CountyModel, EventFactory, intensity, type SimEvent } from './generator.ts'
import { Rng } from './random.ts'
import { type ScenarioPlan, SCENARIOS } from './scenarios.ts'

export interface SimulatorOptions {
  county: CountyModel
  /** Mean events per minute over a day (the daily rhythm shapes it). */
  rate: number
  seed: string
  /** Scenario time compression: 720 plays a simulated day in two minutes. */
  speed: number
  tz: string
  /** Delivers a batch: the in-process ingest service, or HTTP posts (the CLI). */
  sink: (events: SimEvent[]) => Promise<void>
  now?: () => number
  tickMs?: number
  /** Share of ticks' events that re-send an earlier event with a new status (updates). */
  updateShare?: number
  onError?: (err: unknown) => void
  /** Files zero reports for the quiet townships (those not silenced by a scenario); called every few minutes. */
  zeroReports?: (silent: Set<string>) => Promise<void>
  zeroReportEveryMs?: number
}

export interface ScenarioRun {
  name: string
  township: string | null
  /** Scripted events in the scenario. */
  events: number
  startedAt: number
  /** Real time at which it ends (simulated duration / speed). */
  endsAt: number
}

const NEXT_STATUS: Record<SimEvent['status'], SimEvent['status'] | null> = { open: 'in_progress', in_progress: 'resolved', resolved: 'closed', closed: null }
/** At most this many events per tick, whatever the rate (a tick after a long pause). */
const MAX_PER_TICK = 5000

/** Streams events in real time; scenarios play on top of the background stream. */
export class Simulator {
  readonly #o: Required<Omit<SimulatorOptions, 'onError' | 'zeroReports'>> & Pick<SimulatorOptions, 'onError' | 'zeroReports'>
  readonly #rng: Rng
  readonly #factory: EventFactory
  readonly #recent: SimEvent[] = []
  #active: Array<{ plan: ScenarioPlan; run: ScenarioRun; played: Set<number> }> = []
  #timer: NodeJS.Timeout | null = null
  #zeroTimer: NodeJS.Timeout | null = null
  #inFlight: Promise<unknown> | null = null
  #last: number
  #sent = 0

  constructor(options: SimulatorOptions) {
    this.#o = { now: () => Date.now(), tickMs: 1000, updateShare: 0.1, zeroReportEveryMs: 10 * 60_000, ...options }
    this.#rng = new Rng(`${options.seed}:live`)
    const runId = `${options.seed}-${this.#o.now().toString(36)}`
    this.#factory = new EventFactory(options.county, this.#rng, { tz: options.tz, idPrefix: `SIM-${runId}` })
    this.#last = this.#o.now()
  }

  get sent(): number {
    return this.#sent
  }

  get running(): boolean {
    return this.#timer !== null
  }

  start(): void {
    if (this.#timer) return
    this.#last = this.#o.now()
    this.#timer = setInterval(() => {
      if (this.#inFlight) return
      this.#inFlight = this.tick()
        .catch((err: unknown) => this.#o.onError?.(err))
        .finally(() => (this.#inFlight = null))
    }, this.#o.tickMs)
    this.#timer.unref()
    const zeroReports = this.#o.zeroReports
    if (zeroReports) {
      const file = () => void zeroReports(this.silentTownships()).catch((err: unknown) => this.#o.onError?.(err))
      file()
      this.#zeroTimer = setInterval(file, this.#o.zeroReportEveryMs)
      this.#zeroTimer.unref()
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    if (this.#zeroTimer) clearInterval(this.#zeroTimer)
    this.#timer = null
    this.#zeroTimer = null
    await this.#inFlight
  }

  trigger(name: string): ScenarioRun {
    const definition = SCENARIOS[name]
    if (!definition) throw new Error(`unknown scenario ${name}`)
    const plan = definition.plan(this.#o.county, this.#factory)
    const startedAt = this.#o.now()
    const run: ScenarioRun = { name: plan.name, township: plan.township, events: plan.steps.length, startedAt, endsAt: startedAt + Math.ceil(plan.durationMs / this.#o.speed) }
    this.#active.push({ plan, run, played: new Set() })
    return run
  }

  /** Townships whose feed a running scenario has cut: they send nothing, not even a zero report. */
  silentTownships(now = this.#o.now()): Set<string> {
    const silent = new Set<string>()
    for (const a of this.#active) if (now < a.run.endsAt) for (const t of a.plan.silence ?? []) silent.add(t)
    return silent
  }

  active(): ScenarioRun[] {
    return this.#active.map((a) => a.run)
  }

  /** Generates and delivers what happened since the last tick. */
  async tick(): Promise<number> {
    const now = this.#o.now()
    const dt = Math.max(0, now - this.#last)
    this.#last = now
    const batch: SimEvent[] = []
    const fresh: SimEvent[] = []

    // Scenario modifiers in force now.
    let rateFactor = 1
    let tension = 1
    const silent = this.silentTownships(now)
    for (const a of this.#active) {
      if (now >= a.run.endsAt) continue
      rateFactor *= a.plan.rateFactor ?? 1
      tension = Math.max(tension, a.plan.tension ?? 1)
    }
    this.#factory.configure({ silent, tension })

    const expected = intensity(this.#o.rate * rateFactor, now, this.#o.tz) * dt
    const n = Math.min(MAX_PER_TICK, this.#rng.poisson(expected))
    for (let i = 0; i < n; i++) {
      if (this.#recent.length && this.#rng.chance(this.#o.updateShare)) {
        const earlier = this.#recent[this.#rng.int(0, this.#recent.length - 1)]!
        const next = NEXT_STATUS[earlier.status]
        if (next && !silent.has(earlier.township)) {
          earlier.status = next
          batch.push({ ...earlier })
          continue
        }
      }
      const e = this.#factory.make(this.#factory.pickSource(), now - this.#rng.int(0, Math.max(0, dt - 1)))
      if (e) {
        batch.push(e)
        fresh.push(e)
      }
    }

    // Scripted steps that are due (in compressed time), played now.
    for (const a of this.#active) {
      a.plan.steps.forEach((step, i) => {
        if (a.played.has(i) || now < a.run.startedAt + step.offsetMs / this.#o.speed) return
        a.played.add(i)
        const e = step.make(this.#factory, now)
        if (e) batch.push(e)
      })
    }
    this.#active = this.#active.filter((a) => now < a.run.endsAt || a.played.size < a.plan.steps.length)

    this.#recent.push(...fresh)
    if (this.#recent.length > 500) this.#recent.splice(0, this.#recent.length - 500)
    if (!batch.length) return 0
    await this.#o.sink(batch)
    this.#sent += batch.length
    return batch.length
  }
}
