import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { TownshipJson } from '#contract/api.ts'
import { ApiError, api } from '../lib/api.ts'
import type { RiskChanged, RiskSnapshot } from '#contract/realtime.ts'
import { DEFAULT_LEVELS, type LevelThresholds as RuleLevels } from '#contract/taxonomy.ts'
import { parseLevels } from '../lib/levels.ts'

export type { TownshipJson }
export type ConnectionState = 'connecting' | 'online' | 'offline'

/**
 * The county's live risk picture: townships with score and level, the live rule set's level
 * thresholds, and the realtime bookkeeping shared by every live store (connection state, the
 * last `seq` seen — sent as `auth.offset` on reconnect — and when the data was last known fresh).
 */
export const useRiskStore = defineStore('risk', () => {
  // Replaced wholesale on every change (shallowRef): no deep proxies over data that lives for weeks.
  const townships = shallowRef<TownshipJson[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)
  const levels = shallowRef<RuleLevels>({ ...DEFAULT_LEVELS })
  const levelsFromRuleSet = ref(false)
  const ruleNames = shallowRef<Record<string, string>>({})

  const lastSeq = ref(0)
  const connection = ref<ConnectionState>('connecting')
  /** Epoch ms when the data was last known to be current (a message, a load, or the moment of disconnecting). */
  const freshAt = ref<number | null>(null)
  /** Epoch ms since which the server cannot reach its database (connected, but no live data), or null. */
  const interruptedSince = ref<number | null>(null)
  // seq of the last change applied per township: an older, late message must not undo a newer one.
  const townshipSeq = new Map<string, number>()

  const ranking = computed(() => [...townships.value].sort((a, b) => b.score - a.score || a.code.localeCompare(b.code)))
  const byCode = computed(() => new Map(townships.value.map((t) => [t.code, t])))

  function noteSeq(seq: number | undefined, now = Date.now()): void {
    if (typeof seq === 'number' && Number.isFinite(seq) && seq > lastSeq.value) lastSeq.value = seq
    freshAt.value = now
  }

  async function load(): Promise<void> {
    loading.value = townships.value.length === 0
    error.value = null
    try {
      const rest = await api<TownshipJson[]>('/api/v1/townships')
      // A township already updated by the socket keeps that (newer) score and level.
      const live = byCode.value
      townships.value = rest.map((t) => {
        const held = live.get(t.code)
        return held && townshipSeq.has(t.code) ? { ...t, score: held.score, level: held.level } : t
      })
      freshAt.value = Date.now()
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err
      error.value = (err as Error).message
    } finally {
      loading.value = false
    }
  }

  /** The live rule set's thresholds and rule names; keeps the defaults (30/55/80) when there is none yet. */
  async function loadRuleSet(): Promise<void> {
    try {
      const live = await api<{ document?: unknown }>('/api/v1/rulesets/live')
      const parsed = parseLevels(live.document)
      if (parsed) {
        levels.value = parsed
        levelsFromRuleSet.value = true
      }
      const rules = (live.document as { rules?: Array<{ id?: unknown; name?: unknown }> } | undefined)?.rules
      if (Array.isArray(rules)) {
        ruleNames.value = Object.fromEntries(rules.filter((r) => typeof r.id === 'string' && typeof r.name === 'string').map((r) => [r.id as string, r.name as string]))
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err
      // 404 (no published set yet, or the endpoint not deployed): keep the defaults.
    }
  }

  /** `risk:snapshot`: every visible township's score and level replaces what we hold. */
  function applySnapshot(snapshot: RiskSnapshot, now = Date.now()): void {
    const incoming = new Map<string, RiskSnapshot['townships'][number]>()
    for (const t of snapshot.townships ?? []) incoming.set(t.township, t)
    const known = new Map(townships.value.map((t) => [t.code, t]))
    const next: TownshipJson[] = []
    for (const [code, t] of incoming) {
      const base = known.get(code)
      next.push({
        code,
        name: base?.name ?? t.name,
        kind: base?.kind ?? '',
        tags: base?.tags ?? [],
        seat: base?.seat ?? null,
        population: base?.population ?? null,
        score: t.score,
        level: t.level,
        silent: t.silent ?? base?.silent ?? false,
        updatedAt: t.updatedAt ?? base?.updatedAt ?? null,
      })
    }
    townships.value = next
    townshipSeq.clear()
    if (typeof snapshot.seq === 'number') for (const code of incoming.keys()) townshipSeq.set(code, snapshot.seq)
    noteSeq(snapshot.seq, now)
  }

  /** `risk:changed`: merges coalesced changes; a change older than the one applied is dropped. */
  function applyChanges(message: RiskChanged, now = Date.now()): void {
    const seq = message.seq
    let changed = false
    const next = townships.value.map((t) => t)
    const index = new Map(next.map((t, i) => [t.code, i]))
    for (const change of message.changes ?? []) {
      const i = index.get(change.township)
      if (i === undefined) continue // not visible to us, or not loaded yet: the next snapshot brings it
      const applied = townshipSeq.get(change.township) ?? Number.NEGATIVE_INFINITY
      if (typeof seq === 'number' && seq < applied) continue
      const current = next[i]
      if (!current) continue
      next[i] = { ...current, score: change.score, level: change.level, updatedAt: new Date(now).toISOString() }
      if (typeof seq === 'number') townshipSeq.set(change.township, seq)
      changed = true
    }
    if (changed) townships.value = next
    noteSeq(seq, now)
  }

  function setConnection(state: ConnectionState, now = Date.now()): void {
    // Leaving "online" is the last moment the data was known to be current.
    if (connection.value === 'online' && state !== 'online') freshAt.value = now
    connection.value = state
  }

  /** `system:status` from the server; a fresh snapshot also means the database answers again. */
  function setDatabaseStatus(status: { database: 'ok' | 'down'; since?: string }, now = Date.now()): void {
    if (status.database === 'ok') interruptedSince.value = null
    else if (interruptedSince.value === null) interruptedSince.value = Date.parse(status.since ?? '') || now
  }

  return { townships, loading, error, levels, levelsFromRuleSet, ruleNames, lastSeq, connection, freshAt, interruptedSince, ranking, byCode, load, loadRuleSet, applySnapshot, applyChanges, setConnection, setDatabaseStatus, noteSeq }
})
