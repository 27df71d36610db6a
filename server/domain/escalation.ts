// Escalation matching (矛盾升级): one party, by keyed hash, showing up in events of several
// sources within a window — a dispute that became a petition, then an incident. The index is
// global (a party crosses townships) and bounded by the window.
//
// "Once per chain": a party's chain fires when the number of distinct sources among its events
// in the trailing window first reaches minSources, and again only if it grows to more sources
// (dispute → petition fires, a later incident fires again as a further step); a chain whose last
// firing has left the window starts afresh.

import type { RiskEvent } from './event.ts'
import type { CompiledRule } from './ruleset.ts'
import type { Source } from './taxonomy.ts'

const SOURCE_BIT: Record<Source, number> = { dispute: 1, petition: 2, incident: 4 }

interface Sighting {
  at: number
  source: Source
  eventId: number
  township: string
}

export interface EscalationChain {
  /** The chain's events in the completing event's township, ascending. */
  here: number[]
  /** How many of its events are in other townships. */
  elsewhere: number
}

interface PartyTrail {
  sightings: Sighting[]
  firedAt: number
  firedSources: number
}

interface RuleIndex {
  rule: CompiledRule
  windowMs: number
  parties: Map<string, PartyTrail>
  /** insertion order (≈ time order) for pruning */
  fifo: Array<{ at: number; hash: string }>
  fifoHead: number
}

export class EscalationIndex {
  private byRule = new Map<string, RuleIndex>()

  constructor(rules: CompiledRule[]) {
    for (const rule of rules) {
      this.byRule.set(rule.id, { rule, windowMs: rule.windowMs as number, parties: new Map(), fifo: [], fifoHead: 0 })
    }
  }

  /**
   * Record the event's parties for the rule; when it completes a chain, returns the chain's
   * events in the event's own township (ids ascending) and how many of them are in other
   * townships (all of the completing parties' sightings in the window), else null. Only the
   * count crosses the border: an alert belongs to one township, and whoever reads it there may
   * not see the other townships' events (docs/architecture.md §8).
   */
  record(rule: CompiledRule, event: RiskEvent): EscalationChain | null {
    const idx = this.byRule.get(rule.id)
    if (!idx) return null
    const w = idx.windowMs
    const t = event.occurredAt
    let chain: Map<number, string> | null = null
    for (const hash of event.partyHashes) {
      let trail = idx.parties.get(hash)
      if (!trail) {
        trail = { sightings: [], firedAt: Number.NEGATIVE_INFINITY, firedSources: 0 }
        idx.parties.set(hash, trail)
      }
      const list = trail.sightings
      let i = list.length
      while (i > 0 && (list[i - 1] as Sighting).at > t) i--
      list.splice(i, 0, { at: t, source: event.source, eventId: event.id, township: event.township })
      idx.fifo.push({ at: t, hash })
      const newest = (list[list.length - 1] as Sighting).at
      const from = newest - w
      let drop = 0
      while (drop < list.length && (list[drop] as Sighting).at <= from) drop++
      if (drop > 0) list.splice(0, drop)
      if (t <= from) continue // the event itself is already outside the window
      let mask = 0
      for (const s of list) mask |= SOURCE_BIT[s.source]
      const sources = (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1)
      if (sources < rule.minSources) continue
      const previousLive = trail.firedAt > from
      if (previousLive && sources <= trail.firedSources) continue
      trail.firedAt = t > trail.firedAt ? t : trail.firedAt
      trail.firedSources = sources
      chain ??= new Map()
      for (const s of list) chain.set(s.eventId, s.township)
    }
    if (!chain) return null
    const here: number[] = []
    let elsewhere = 0
    for (const [id, township] of chain) {
      if (township === event.township) here.push(id)
      else elsewhere++
    }
    return { here: here.sort((a, b) => a - b), elsewhere }
  }

  /** Forget sightings that have left every window; keeps memory bounded on a long run. */
  prune(now: number): void {
    for (const idx of this.byRule.values()) {
      const cutoff = now - idx.windowMs
      while (idx.fifoHead < idx.fifo.length && (idx.fifo[idx.fifoHead] as { at: number }).at <= cutoff) {
        const { hash } = idx.fifo[idx.fifoHead] as { hash: string }
        idx.fifoHead++
        const trail = idx.parties.get(hash)
        if (!trail) continue
        let drop = 0
        while (drop < trail.sightings.length && (trail.sightings[drop] as Sighting).at <= cutoff) drop++
        if (drop > 0) trail.sightings.splice(0, drop)
        if (trail.sightings.length === 0 && trail.firedAt <= cutoff) idx.parties.delete(hash)
      }
      if (idx.fifoHead > 4096 && idx.fifoHead * 2 > idx.fifo.length) {
        idx.fifo = idx.fifo.slice(idx.fifoHead)
        idx.fifoHead = 0
      }
    }
  }
}
