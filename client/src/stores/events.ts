import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { SOURCES, type Source } from '#contract/taxonomy.ts'
import { ApiError, api } from '../lib/api.ts'
import type { Page } from '#contract/api.ts'
import type { WallEvent } from '#contract/realtime.ts'
import { hourOf, lastDays, localDate as dayKey, startOfDay } from '#contract/zoned-time.ts'
import { boundedInsertSorted } from '../lib/bounded.ts'
import { timeZone } from '../lib/time-zone.ts'

export const TREND_DAYS = 30
export const RECENT_SIZE = 50
/** Ids remembered to drop an event seen twice (REST load racing the socket, replays). */
export const SEEN_IDS = 5000
const REST_PAGE = 500
const REST_MAX_PAGES = 40

export type SourceCounts = Record<Source, number>
export interface DayBucket {
  sources: SourceCounts
  /** `${source}:${category}` → count */
  categories: Record<string, number>
  /** hours[h][source] */
  hours: SourceCounts[]
}

const zeroCounts = (): SourceCounts => ({ dispute: 0, petition: 0, incident: 0 })
const emptyBucket = (): DayBucket => ({ sources: zeroCounts(), categories: {}, hours: Array.from({ length: 24 }, zeroCounts) })
const isSource = (s: unknown): s is Source => (SOURCES as readonly unknown[]).includes(s)

/**
 * Events as the wall counts them: per-day buckets (by source, category and hour) over a sliding
 * window of `TREND_DAYS` days, and the newest `RECENT_SIZE` events for the feed. Nothing grows
 * without bound: days fall out of the window, the feed and the seen-id memory are capped.
 */
export const useEventsStore = defineStore('events', () => {
  const days = shallowRef<Record<string, DayBucket>>({})
  const recent = shallowRef<WallEvent[]>([])
  const available = ref(true)
  const loaded = ref(false)
  /** The initial load stopped at its page cap: the older part of the window is incomplete. */
  const truncated = ref(false)
  /** "Today" as last rolled over to (changes at local midnight). */
  const today = ref(dayKey(Date.now(), timeZone()))
  const seen = new Set<string>()
  const seenOrder: string[] = []
  /** How many ids the seen-id memory holds (at most SEEN_IDS): shown on the wall for the soak. */
  const seenCount = ref(0)

  const windowDays = computed(() => lastDays(Date.parse(`${today.value}T12:00:00Z`), timeZone(), TREND_DAYS))
  const todayBucket = computed(() => days.value[today.value] ?? emptyBucket())
  const todayBySource = computed(() => todayBucket.value.sources)
  const todayHourly = computed(() => todayBucket.value.hours)
  /** Per source, one count per day of the window (oldest first). */
  const trend = computed(() => {
    const keys = windowDays.value
    const series = {} as Record<Source, number[]>
    for (const s of SOURCES) series[s] = keys.map((k) => days.value[k]?.sources[s] ?? 0)
    return { days: keys, series }
  })
  /** Category counts over the window, largest first. */
  const categories = computed(() => {
    const sum = new Map<string, number>()
    for (const k of windowDays.value) {
      for (const [cat, n] of Object.entries(days.value[k]?.categories ?? {})) sum.set(cat, (sum.get(cat) ?? 0) + n)
    }
    return [...sum].map(([key, count]) => {
      const [source, category] = key.split(':') as [Source, string]
      return { source, category, count }
    }).sort((a, b) => b.count - a.count || a.category.localeCompare(b.category))
  })

  function remember(id: string): boolean {
    if (seen.has(id)) return false
    seen.add(id)
    seenOrder.push(id)
    while (seenOrder.length > SEEN_IDS) seen.delete(seenOrder.shift() as string)
    return true
  }

  function countInto(next: Record<string, DayBucket>, event: WallEvent, windowKeys: Set<string>): boolean {
    const at = Date.parse(event.occurredAt)
    if (!Number.isFinite(at) || !isSource(event.source)) return false
    const key = dayKey(at, timeZone())
    if (!windowKeys.has(key)) return false
    const old = next[key] ?? emptyBucket()
    const hour = hourOf(at, timeZone())
    const catKey = `${event.source}:${event.category}`
    const hours = old.hours.slice()
    const h = hours[hour] ?? zeroCounts()
    hours[hour] = { ...h, [event.source]: h[event.source] + 1 }
    next[key] = {
      sources: { ...old.sources, [event.source]: old.sources[event.source] + 1 },
      categories: { ...old.categories, [catKey]: (old.categories[catKey] ?? 0) + 1 },
      hours,
    }
    return true
  }

  /** Counts events not seen before and puts them in the feed. */
  function ingest(events: WallEvent[]): void {
    const windowKeys = new Set(windowDays.value)
    const next = { ...days.value }
    let counted = false
    let feed = recent.value
    for (const event of events) {
      if (!event || event.id === undefined || event.id === null) continue
      if (!remember(String(event.id))) continue
      counted = countInto(next, event, windowKeys) || counted
      feed = boundedInsertSorted(feed, event, RECENT_SIZE, (e) => String(e.id), (e) => Date.parse(e.occurredAt) || 0)
    }
    if (counted) days.value = next
    if (feed !== recent.value) recent.value = feed
    seenCount.value = seen.size
  }

  /** Moves the window to `now`'s day: days that fell out are dropped. Call it every minute or so. */
  function rollover(now = Date.now()): void {
    const key = dayKey(now, timeZone())
    if (key !== today.value) today.value = key
    const keep = new Set(windowDays.value)
    const stale = Object.keys(days.value).filter((k) => !keep.has(k))
    if (stale.length) days.value = Object.fromEntries(Object.entries(days.value).filter(([k]) => keep.has(k)))
  }

  /**
   * Loads the window's events page by page (newest first, capped); with `since`, only those
   * that occurred after it (catching up after a disconnection; ids already seen are skipped).
   * 404 → not available.
   */
  async function load(now = Date.now(), since?: number): Promise<void> {
    rollover(now)
    const windowStart = startOfDay(now, timeZone()) - (TREND_DAYS - 1) * 86_400_000
    const from = new Date(Math.max(windowStart, since ?? windowStart)).toISOString()
    const to = new Date(now + 60_000).toISOString()
    try {
      let cursor: string | null = null
      let pages = 0
      if (since === undefined) {
        // A full load recounts the window from scratch: the seen-id memory is bounded, so
        // counting on top of what we hold could count an event twice.
        days.value = {}
        seen.clear()
        seenOrder.length = 0
        seenCount.value = 0
      }
      do {
        const query = new URLSearchParams({ from, to, limit: String(REST_PAGE) })
        if (cursor) query.set('cursor', cursor)
        const res: Page<WallEvent> = await api<Page<WallEvent>>(`/api/v1/events?${query}`)
        ingest(res.items ?? [])
        cursor = res.nextCursor
        pages++
      } while (cursor && pages < REST_MAX_PAGES)
      if (since === undefined) truncated.value = Boolean(cursor)
      available.value = true
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err
      if (err instanceof ApiError && err.status === 404) available.value = false
    } finally {
      loaded.value = true
    }
  }

  return { days, recent, available, loaded, truncated, today, seenCount, todayBySource, todayHourly, trend, categories, ingest, rollover, load }
})
