import { createHmac } from 'node:crypto'
import type { Counter } from 'prom-client'
import type { Db } from '../../../db/connect.ts'
import { encryptJson, type PersonalDataKeys, partyHashes } from '../../access/personal-data.ts'
import type { CodeBook } from '../../domain/code-tables.ts'
import type { RiskEvent } from '../../domain/event.ts'
import { type FieldError, isDatabaseUnavailable } from '../../http-errors.ts'
import type { Bus } from '../../plugins/bus.ts'
import type { RegionCache } from './regions.ts'
import { GroupCommit } from '../../group-commit.ts'
import { eventKey, existingHashes, isOneStatement, type StoreOutcome, type StoredContent, storeEvents } from './repository.ts'
import { type IncomingEvent, type Validated, validateEvent } from './validate.ts'

/** Who delivers a batch: a feed (API or simulator) or a person importing a ledger. */
export interface Submitter {
  feedId: number | null
  /** A feed's name, `import:<username>`, or `simulator`. */
  name: string
  /** sourceSystem for items that name none. */
  defaultSourceSystem: string
}

export type ItemOutcome = 'accepted' | 'updated' | 'duplicate' | 'rejected'

export interface IngestResult {
  accepted: number
  updated: number
  duplicates: number
  rejected: Array<{ index: number; errors: FieldError[] }>
  /** Per item, in input order. */
  outcomes: ItemOutcome[]
  /** Stored ids per item (null when rejected or duplicate). */
  ids: Array<number | null>
}

/** The largest batch one request may carry. */
export const MAX_BATCH = 5000

/** Marks an item that could not even be parsed (a malformed ndjson line). */
export class Unparseable {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

/** What the engine needs of a storing transaction: a step inside it, or the events after its commit. */
export interface EngineHandoff {
  inTransaction?: (trx: Db, acceptedIds: number[]) => Promise<void>
  afterCommit?: (accepted: RiskEvent[]) => void
}

export interface IngestDeps {
  db: Db
  regions: RegionCache
  /** The code tables as they are now (docs/architecture.md §4): read per batch, so a change applies at once. */
  codes: () => CodeBook
  keys: PersonalDataKeys
  bus: Bus
  tz: string
  now: () => Date
  counter?: Counter<'source' | 'outcome'>
  /** How the engine leader hears of new events (PostgreSQL; server/plugins/engine.ts); asked once per storing transaction. */
  handoff?: () => EngineHandoff | undefined
}

/** Canonical JSON: object keys sorted, so equal content always hashes equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * The one ingest pipeline: validate every item, store the valid ones in one transaction, then
 * (after the commit) publish them on the bus. The API, ledger imports and the simulator all go
 * through here.
 */
export class IngestService {
  readonly #deps: IngestDeps
  readonly #groups: GroupCommit<StoredContent, StoreOutcome>

  constructor(deps: IngestDeps) {
    this.#deps = deps
    this.#groups = new GroupCommit({
      store: (rows) => this.#storeGroup(rows),
      // One storing transaction at a time: two in flight could update the same key at once, and
      // then the second's history row would copy the version its statement snapshot saw rather
      // than the one it replaced. Everything waiting meanwhile goes into the next one.
      concurrency: 1,
      maxItems: MAX_BATCH,
      // An outage fails the whole group (retrying request by request would only hammer a
      // database that is down); anything else may be one request's doing.
      isolate: (err) => !isDatabaseUnavailable(err),
    })
  }

  /** One transaction for the rows of a group of requests; the engine hears of them after the commit. */
  async #storeGroup(rows: StoredContent[]): Promise<StoreOutcome[]> {
    const handoff = this.#deps.handoff?.()
    const inTransaction = handoff?.inTransaction
    // One statement is its own transaction: no BEGIN and COMMIT round trips.
    const stored =
      !inTransaction && isOneStatement(rows)
        ? await storeEvents(this.#deps.db, rows)
        : await this.#deps.db.transaction().execute(async (trx) => {
            const result = await storeEvents(trx, rows)
            await inTransaction?.(trx, result.flatMap((s) => (s.outcome === 'accepted' && s.id !== null ? [s.id] : [])))
            return result
          })
    // Committed: now, and only now, tell the engine.
    const accepted: RiskEvent[] = []
    const updated: RiskEvent[] = []
    stored.forEach((s, j) => {
      if (s.outcome === 'duplicate') return
      const r = rows[j]!
      const risk: RiskEvent = {
        id: s.id,
        source: r.source,
        sourceSystem: r.sourceSystem,
        externalId: r.externalId,
        township: r.township,
        village: r.village,
        grid: r.grid,
        category: r.category,
        severity: r.severity,
        peopleCount: r.peopleCount,
        occurredAt: r.occurredAt,
        reportedAt: r.reportedAt,
        status: r.status as RiskEvent['status'],
        title: r.title,
        partyHashes: r.partyHashes,
        attributes: r.attributes,
      }
      ;(s.outcome === 'accepted' ? accepted : updated).push(risk)
    })
    if (accepted.length) {
      handoff?.afterCommit?.(accepted)
      this.#deps.bus.emit('events:accepted', accepted)
    }
    if (updated.length) this.#deps.bus.emit('events:updated', updated)
    return stored
  }

  get regions(): RegionCache {
    return this.#deps.regions
  }

  get codes(): CodeBook {
    return this.#deps.codes()
  }

  validate(items: readonly unknown[], submitter: Submitter, now: number): Validated[] {
    const ctx = { regions: this.#deps.regions, codes: this.#deps.codes(), now, defaultSourceSystem: submitter.defaultSourceSystem, tz: this.#deps.tz }
    return items.map((item) => (item instanceof Unparseable ? { ok: false as const, errors: [{ field: '(line)', message: item.message }] } : validateEvent(item, ctx)))
  }

  /**
   * Items naming a retired code: refused unless they update a stored event (which keeps its code,
   * docs/architecture.md §4). A stored event is one the database has now; an item whose first
   * copy arrives in the same batch is new, and refused.
   */
  async #refuseRetired(validated: Validated[]): Promise<Validated[]> {
    const named = validated.flatMap((v, i) => (v.ok && v.retired ? [i] : []))
    if (!named.length) return validated
    const stored = await existingHashes(this.#deps.db, named.map((i) => (validated[i] as { event: IncomingEvent }).event))
    const out = [...validated]
    for (const i of named) {
      const v = validated[i] as { ok: true; event: IncomingEvent; retired: FieldError[] }
      if (!stored.has(eventKey(v.event))) out[i] = { ok: false, errors: v.retired }
    }
    return out
  }

  contentHash(e: IncomingEvent): string {
    const content = {
      source: e.source,
      township: e.township,
      village: e.village,
      grid: e.grid,
      category: e.category,
      severity: e.severity,
      peopleCount: e.peopleCount,
      occurredAt: e.occurredAt,
      // A reportedAt the sender left out defaults to the time received: no part of the content,
      // or every re-send would count as an update.
      reportedAt: e.reportedAt,
      status: e.status,
      title: e.title,
      summary: e.summary,
      attributes: e.attributes,
      parties: e.parties,
    }
    return createHmac('sha256', this.#deps.keys.hashing).update(canonical(content)).digest('base64url')
  }

  /**
   * Validates and stores a batch. `dryRun` classifies without writing anything (reads only).
   * Batches that arrive while another is being stored are stored together with it in the next
   * transaction (group commit); the result comes after that commit. Throws when the database
   * fails; then nothing of the batch is stored.
   */
  async ingest(items: readonly unknown[], submitter: Submitter, options: { dryRun?: boolean } = {}): Promise<IngestResult> {
    const now = this.#deps.now().getTime()
    const validated = await this.#refuseRetired(this.validate(items, submitter, now))
    const result: IngestResult = { accepted: 0, updated: 0, duplicates: 0, rejected: [], outcomes: Array.from({ length: items.length }), ids: Array.from({ length: items.length }, () => null) }
    const rows: StoredContent[] = []
    const rowIndex: number[] = []
    validated.forEach((v, index) => {
      if (!v.ok) {
        result.rejected.push({ index, errors: v.errors })
        result.outcomes[index] = 'rejected'
        return
      }
      const e = v.event
      rows.push({
        source: e.source,
        sourceSystem: e.sourceSystem,
        externalId: e.externalId,
        township: e.township,
        village: e.village,
        grid: e.grid,
        category: e.category,
        severity: e.severity,
        peopleCount: e.peopleCount,
        occurredAt: e.occurredAt,
        reportedAt: e.reportedAt ?? now,
        receivedAt: now,
        status: e.status,
        title: e.title,
        summary: e.summary,
        attributes: e.attributes,
        partyHashes: partyHashes(this.#deps.keys, e.parties),
        partiesEnc: e.parties.length ? encryptJson(this.#deps.keys, e.parties) : null,
        partyCount: e.parties.length,
        contentHash: this.contentHash(e),
        feedId: submitter.feedId,
        submittedBy: submitter.name,
      })
      rowIndex.push(index)
    })

    if (options.dryRun) {
      const stored = rows.length ? await existingHashes(this.#deps.db, rows) : new Map<string, string>()
      const current = new Map(stored)
      rows.forEach((r, j) => {
        const k = eventKey(r)
        const before = current.get(k)
        const outcome: ItemOutcome = before === undefined ? 'accepted' : before === r.contentHash ? 'duplicate' : 'updated'
        current.set(k, r.contentHash)
        result.outcomes[rowIndex[j]!] = outcome
      })
    } else if (rows.length) {
      const stored = await this.#groups.submit(rows)
      stored.forEach((s, j) => {
        result.outcomes[rowIndex[j]!] = s.outcome
        result.ids[rowIndex[j]!] = s.id
      })
    }

    for (let i = 0; i < items.length; i++) {
      const outcome = result.outcomes[i]!
      if (outcome === 'accepted') result.accepted++
      else if (outcome === 'updated') result.updated++
      else if (outcome === 'duplicate') result.duplicates++
    }
    if (!options.dryRun && this.#deps.counter) {
      const tally = new Map<string, number>()
      validated.forEach((v, i) => {
        const key = `${v.ok ? v.event.source : sourceLabel(items[i])}|${result.outcomes[i]!}`
        tally.set(key, (tally.get(key) ?? 0) + 1)
      })
      for (const [key, n] of tally) {
        const [source, outcome] = key.split('|') as [string, string]
        this.#deps.counter.inc({ source, outcome }, n)
      }
    }
    return result
  }
}

function sourceLabel(item: unknown): string {
  const s = item && typeof item === 'object' ? (item as Record<string, unknown>)['source'] : undefined
  return s === 'dispute' || s === 'petition' || s === 'incident' ? s : 'unknown'
}
