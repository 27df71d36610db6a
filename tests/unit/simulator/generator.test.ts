import { afterEach, describe, expect, it, vi } from 'vitest'
import { readDemoCounty } from '../../../db/seed/demo-county.ts'
import { wallClock } from '../../../server/modules/events/time.ts'
import { backfill, countyFromSeed, type SimEvent } from '../../../server/simulator/generator.ts'
import { Rng } from '../../../server/simulator/random.ts'
import { Simulator } from '../../../server/simulator/runner.ts'

const { regions } = await readDemoCounty()
const county = countyFromSeed(regions)
const TZ = 'Asia/Shanghai'
const NOW = Date.parse('2026-11-23T12:00:00+08:00')
const DAY = 86_400_000

afterEach(() => vi.restoreAllMocks())

const bySource = (events: SimEvent[], source: string) => events.filter((e) => e.source === source)

describe('the seeded random source', () => {
  it('repeats itself for a seed and never uses Math.random', () => {
    const spy = vi.spyOn(Math, 'random')
    const a = new Rng('x')
    const b = new Rng('x')
    const c = new Rng('y')
    const seqA = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA)
    backfill(county, { seed: 's', from: NOW - DAY, to: NOW, tz: TZ })
    expect(spy).not.toHaveBeenCalled()
  })
})

describe('backfill', () => {
  const events = backfill(county, { seed: 'demo', from: NOW - 60 * DAY, to: NOW, tz: TZ })

  it('is deterministic for a seed and differs for another', () => {
    expect(backfill(county, { seed: 'demo', from: NOW - 60 * DAY, to: NOW, tz: TZ })).toEqual(events)
    expect(backfill(county, { seed: 'other', from: NOW - 60 * DAY, to: NOW, tz: TZ }).map((e) => e.externalId)).not.toEqual(events.map((e) => e.externalId))
    expect(new Set(events.map((e) => e.externalId)).size).toBe(events.length)
  })

  it('follows the survey volumes: ~176 disputes and ~69 petitions a month', () => {
    expect(bySource(events, 'dispute').length).toBeGreaterThan(176 * 2 * 0.8)
    expect(bySource(events, 'dispute').length).toBeLessThan(176 * 2 * 1.2)
    expect(bySource(events, 'petition').length).toBeGreaterThan(69 * 2 * 0.7)
    expect(bySource(events, 'petition').length).toBeLessThan(69 * 2 * 1.3)
  })

  it('concentrates incidents: ~70 % in the 4 heaviest townships, ~35 % in the county seat', () => {
    const year = backfill(county, { seed: 'year', from: NOW - 365 * DAY, to: NOW, tz: TZ })
    const incidents = bySource(year, 'incident')
    const top4 = new Set([...county.townships].sort((a, b) => b.weight - a.weight).slice(0, 4).map((t) => t.code))
    const seat = county.townships.find((t) => t.tags.includes('county_seat'))!.code
    const share = (pred: (e: SimEvent) => boolean) => incidents.filter(pred).length / incidents.length
    expect(share((e) => top4.has(e.township))).toBeGreaterThan(0.65)
    expect(share((e) => top4.has(e.township))).toBeLessThan(0.75)
    expect(share((e) => e.township === seat)).toBeGreaterThan(0.31)
    expect(share((e) => e.township === seat)).toBeLessThan(0.39)
  })

  it('has a daily rhythm: quiet nights, busy office hours', () => {
    const hours = events.map((e) => wallClock(Date.parse(e.reportedAt), TZ).hour)
    const night = hours.filter((h) => h < 6).length / hours.length
    const office = hours.filter((h) => (h >= 8 && h < 12) || (h >= 14 && h < 18)).length / hours.length
    expect(night).toBeLessThan(0.08)
    expect(office).toBeGreaterThan(0.5)
  })

  it('uses fictional people only: the fictional county code and unallocated phone numbers', () => {
    const parties = events.flatMap((e) => e.parties ?? [])
    expect(parties.length).toBeGreaterThan(100)
    for (const p of parties) {
      if (p.idNumber) expect(p.idNumber).toMatch(/^990100\d{11}[\dX]$/)
      if (p.phone) expect(p.phone).toMatch(/^100\d{8}$/)
    }
  })
})

function harness(rate: number, options: { speed?: number; seed?: string } = {}) {
  let now = NOW
  const delivered: SimEvent[] = []
  const sim = new Simulator({ county, rate, seed: options.seed ?? 'test', speed: options.speed ?? 720, tz: TZ, now: () => now, sink: async (events) => void delivered.push(...events) })
  const advance = async (ms: number, step = 60_000) => {
    for (let t = 0; t < ms; t += step) {
      now += Math.min(step, ms - t)
      await sim.tick()
    }
  }
  return { sim, delivered, advance, now: () => now }
}

describe('the live simulator', () => {
  it('streams at about the configured rate, and re-sends some events with a new status', async () => {
    const h = harness(10)
    await h.advance(DAY)
    // 10 a minute over a day, shaped by the rhythm: about 14,400.
    expect(h.delivered.length).toBeGreaterThan(14_400 * 0.9)
    expect(h.delivered.length).toBeLessThan(14_400 * 1.1)
    const ids = h.delivered.map((e) => e.externalId)
    expect(new Set(ids).size).toBeLessThan(ids.length)
    expect(h.delivered.some((e) => e.status !== 'open')).toBe(true)
  })

  it('is deterministic for a seed and a clock', async () => {
    const a = harness(30)
    const b = harness(30)
    await a.advance(3 * 3_600_000)
    await b.advance(3 * 3_600_000)
    expect(a.delivered).toEqual(b.delivered)
  })

  it('plays the demolition escalation: dispute → petitions → mass incident, one party throughout', async () => {
    const h = harness(0, { speed: 1440 })
    const run = h.sim.trigger('demolition-escalation')
    expect(run.events).toBe(4)
    await h.advance(10 * 60_000)
    const story = h.delivered.filter((e) => e.category === 'demolition' || e.category === 'mass')
    expect(story.map((e) => `${e.source}:${e.peopleCount}`)).toEqual(['dispute:4', 'petition:12', 'petition:20', 'incident:35'])
    const lead = story[0]!.parties![0]!.idNumber
    expect(lead).toBeDefined()
    for (const e of story) expect(e.parties!.some((p) => p.idNumber === lead)).toBe(true)
    expect(new Set(story.map((e) => e.township)).size).toBe(1)
    expect(story[3]!.attributes).toHaveProperty('policeStation')
  })

  it('clusters wage-arrears disputes at an industrial park', async () => {
    const h = harness(0, { speed: 1440 })
    const run = h.sim.trigger('wage-arrears')
    await h.advance(15 * 60_000)
    const wages = h.delivered.filter((e) => e.township === run.township && (e.category === 'wages' || e.category === 'labour'))
    expect(wages).toHaveLength(15)
    expect(county.townships.find((t) => t.code === run.township)!.tags).toContain('industrial_park')
    expect(Math.max(...wages.map((e) => e.peopleCount))).toBeGreaterThanOrEqual(30)
  })

  it('silences a township for the scenario and then lets it speak again', async () => {
    // Two simulated days at 24× speed: two hours.
    const h = harness(120, { speed: 24 })
    const run = h.sim.trigger('feed-silence')
    expect(run.endsAt - h.now()).toBe(2 * 3_600_000)
    await h.advance(run.endsAt - h.now() - 60_000)
    expect(h.delivered.length).toBeGreaterThan(1000)
    expect(h.delivered.filter((e) => e.township === run.township)).toEqual([])
    const before = h.delivered.length
    await h.advance(60 * 60_000)
    expect(h.delivered.slice(before).some((e) => e.township === run.township)).toBe(true)
  })

  it('surges in a sensitive period', async () => {
    const calm = harness(30, { seed: 'same', speed: 24 })
    const tense = harness(30, { seed: 'same', speed: 24 })
    tense.sim.trigger('sensitive-surge')
    await calm.advance(3 * 3_600_000)
    await tense.advance(3 * 3_600_000)
    expect(tense.delivered.length).toBeGreaterThan(calm.delivered.length * 2.5)
  })
})
