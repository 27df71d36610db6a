// The cases the client holds (docs/architecture.md §6, "Cases"): the duty queue's rows. Fed by
// `GET /api/v1/cases` (each case with its member alerts, which go to the held alerts) and by the
// `/live` messages `case:new` / `case:updated` of the one shared connection. As with alerts, an
// older version of a case never replaces a newer one.
import { computed, ref, shallowRef } from 'vue'
import type { AlertAction } from '#contract/alerts.ts'
import type { Alert, Case, CaseDetail, CaseWithAlerts, Page } from '#contract/api.ts'
import { casesQuery, type CasesFilter, lastChange } from '../../lib/alerts-query.ts'
import { ApiError, api, postJson } from '../../lib/api.ts'
import { isAlert } from './held.ts'

/** About this many cases are held: every open one, then the newest closed ones. */
export const MAX_CASES = 500

export type CaseTimelineEntry = CaseDetail['timeline'][number]
/** One delivery attempt of a notification about a member alert. */
export type CaseDelivery = CaseDetail['deliveries'][number]

export type CaseOutcome =
  | { kind: 'ok'; case: Case }
  /** 409: `stale` someone changed it first, `conflict` its status no longer allows the action; refreshed. */
  | { kind: 'stale' | 'conflict'; case: Case | null; by: CaseTimelineEntry | null; code: string }
  | { kind: 'invalid'; fields: Array<{ field: string; message: string }> }
  | { kind: 'error'; status: number; code: string }

export function isCase(value: unknown): value is Case {
  return typeof value === 'object' && value !== null && 'id' in value && 'status' in value && 'version' in value && 'alertIds' in value
}

const keyOf = (c: Pick<Case, 'id'>) => String(c.id)

/** Open cases all stay; closed ones beyond `max` go, the least recently active first. */
export function trimCases(byId: Map<string, Case>, max: number): Map<string, Case> {
  if (byId.size <= Math.ceil(max * 1.1)) return byId
  const closed = [...byId.values()].filter((c) => c.status === 'closed').sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))
  const drop = new Set(closed.slice(Math.max(0, max - (byId.size - closed.length))).map(keyOf))
  return new Map([...byId].filter(([k]) => !drop.has(k)))
}

/** A case without the member alerts a list row carries (those are held as alerts). */
function bare(c: Case | CaseWithAlerts): Case {
  if (!('alerts' in c)) return c
  const { alerts: _alerts, ...rest } = c
  return rest
}

export function useHeldCases(alerts: { upsert(alert: Alert): boolean; upsertMany(alerts: readonly Alert[]): void }) {
  const casesById = shallowRef(new Map<string, Case>())
  const cases = computed(() => [...casesById.value.values()])
  const casesAvailable = ref(true)
  const casesLoaded = ref(false)
  const casesLoading = ref(false)
  /** The failed list request's HTTP status (0: no answer), shown as a sentence, never as the server's text. */
  const casesError = ref<number | null>(null)
  const casesNextCursor = ref<string | null>(null)

  const getCase = (id: Case['id'] | string): Case | undefined => casesById.value.get(String(id))

  /** Upserts by id; an older version is ignored, an equal one only from an authoritative read (`orSame`). */
  function upsertCase(value: Case | CaseWithAlerts, orSame = true): boolean {
    if (!isCase(value)) return false
    const held = casesById.value.get(keyOf(value))
    if (held && (orSame ? value.version < held.version : value.version <= held.version)) return false
    const next = new Map(casesById.value)
    next.set(keyOf(value), bare(value))
    casesById.value = trimCases(next, MAX_CASES)
    return true
  }

  function upsertCases(list: readonly CaseWithAlerts[]): void {
    const next = new Map(casesById.value)
    const members: Alert[] = []
    for (const c of list) {
      if (!isCase(c)) continue
      members.push(...(c.alerts ?? []).filter(isAlert))
      const held = next.get(keyOf(c))
      if (!held || held.version <= c.version) next.set(keyOf(c), bare(c))
    }
    alerts.upsertMany(members)
    casesById.value = trimCases(next, MAX_CASES)
  }

  /** A filtered page of the duty queue; `more`: the next page of the same list. */
  async function loadCases(filter: CasesFilter, more = false): Promise<void> {
    casesLoading.value = true
    casesError.value = null
    try {
      const page = await api<Page<CaseWithAlerts>>(`/api/v1/cases?${casesQuery(filter, more ? casesNextCursor.value : null)}`)
      upsertCases(page.items ?? [])
      casesNextCursor.value = page.nextCursor ?? null
      casesAvailable.value = true
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) casesAvailable.value = false
      else casesError.value = err instanceof ApiError ? err.status : 0
    } finally {
      casesLoading.value = false
      casesLoaded.value = true
    }
  }

  /** The case, its members and their timeline; all of it is held. */
  async function fetchCaseDetail(id: Case['id'] | string): Promise<CaseDetail> {
    const detail = await api<CaseDetail>(`/api/v1/cases/${encodeURIComponent(String(id))}`)
    upsertCase(detail.case)
    alerts.upsertMany(detail.alerts ?? [])
    return detail
  }

  /** The 409 body carries the case and its alerts as they are now: held before the reload. */
  function takeConflictBody(body: unknown): void {
    const b = body as { case?: unknown; alerts?: unknown } | null
    if (isCase(b?.case)) upsertCase(b.case)
    if (Array.isArray(b?.alerts)) alerts.upsertMany(b.alerts.filter(isAlert))
  }

  /** An action on a case with the case version this client saw; every answer is held. */
  async function performCase(id: Case['id'] | string, action: AlertAction, body: Record<string, unknown>): Promise<CaseOutcome> {
    const current = getCase(id)
    if (!current) return { kind: 'error', status: 0, code: 'unknown_case' }
    try {
      const result = await postJson<{ case: Case; alerts: Alert[] }>(`/api/v1/cases/${encodeURIComponent(String(id))}/${action}`, { ...body, version: current.version })
      alerts.upsertMany((result.alerts ?? []).filter(isAlert))
      upsertCase(result.case)
      return { kind: 'ok', case: getCase(id) ?? result.case }
    } catch (err) {
      if (!(err instanceof ApiError)) return { kind: 'error', status: 0, code: 'network' }
      if (err.status === 409) {
        takeConflictBody(err.body)
        const refreshed = await fetchCaseDetail(id).catch(() => null)
        return { kind: err.code === 'stale' ? 'stale' : 'conflict', case: getCase(id) ?? null, by: lastChange(refreshed?.timeline), code: err.code }
      }
      if (err.status === 400 && err.fields.length) return { kind: 'invalid', fields: err.fields }
      return { kind: 'error', status: err.status, code: err.code }
    }
  }

  /** `case:new` / `case:updated`: returns whether it applied. */
  function applyCaseMessage(value: unknown): boolean {
    return isCase(value) && upsertCase(value, false)
  }

  return {
    casesById,
    cases,
    casesAvailable,
    casesLoaded,
    casesLoading,
    casesError,
    casesNextCursor,
    getCase,
    upsertCase,
    loadCases,
    fetchCaseDetail,
    performCase,
    applyCaseMessage,
  }
}
