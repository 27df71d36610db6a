// The client's one `/live` connection (docs/architecture.md, "Realtime"): it feeds the stores
// (risk, alerts, events) every screen reads, and keeps the data honest when the socket is down —
// retry after refusal and restart jitter (lib/socket.ts), REST catch-up on reconnect and a slow
// REST poll while offline. Screens share it: the first `startLive` opens it, the last stop closes
// it, and each screen brings the REST catch-up of what it shows.
import { ref } from 'vue'
import { useAlertsStore } from '../stores/alerts.ts'
import { useEventsStore } from '../stores/events.ts'
import { useRiskStore } from '../stores/risk.ts'
import { ApiError } from './api.ts'
import type { WallEvent } from '#contract/realtime.ts'
import { connectLive, type SocketFactory } from './socket.ts'

export interface StartLiveOptions {
  /** Signed out or session gone: the screen sends the user to the login page. */
  onUnauthorized(): void
  /**
   * The REST reload of what this screen shows, after being offline since `since` (epoch ms;
   * null: unknown). Default: everything the wall shows. Snapshot and alert changes arrive on
   * the socket by themselves; this covers what the socket does not replay.
   */
  catchUp?(since: number | null): Promise<unknown>
  /** Used by the screen that opens the connection (tests pass a fake socket). */
  factory?: SocketFactory
  /** REST poll period while not connected, ms. */
  pollMs?: number
  /** Housekeeping period (day rollover of the sliding windows), ms. */
  housekeepingMs?: number
  /** Live events are counted at most once per this period (the first at once), ms. */
  eventBatchMs?: number
}

/**
 * How many `geo:updated` messages arrived since the page loaded: the wall watches it and fetches
 * the map again, so an upload or a restore shows without a reload (docs/architecture.md §3).
 */
export const geoUpdates = ref(0)

/**
 * How many `regions:updated` messages arrived since the page loaded: screens with a region list of
 * their own (the admin's tree) watch it; the township list every screen shares reloads by itself.
 */
export const regionUpdates = ref(0)

/** Events held between two batches at most (a bound, far above what `event:new` sampling sends). */
const MAX_PENDING_EVENTS = 1000

/** Initial REST load of everything the wall shows. Rejects only when signed out (401). */
export async function loadInitial(): Promise<void> {
  const risk = useRiskStore()
  const alerts = useAlertsStore()
  const events = useEventsStore()
  await Promise.all([risk.load(), risk.loadRuleSet(), alerts.load(), events.load()])
}

/** The wall's catch-up: scores, rule set, alerts, and the events that occurred while away. */
export function wallCatchUp(since: number | null): Promise<unknown> {
  const risk = useRiskStore()
  const alerts = useAlertsStore()
  const events = useEventsStore()
  return Promise.all([risk.load(), risk.loadRuleSet(), alerts.load(), events.load(Date.now(), since === null ? undefined : since - 60_000)])
}

interface Subscriber {
  onUnauthorized(): void
  catchUp(since: number | null): Promise<unknown>
}

interface SharedLive {
  subscribers: Set<Subscriber>
  stop(): void
}

let shared: SharedLive | null = null

/**
 * Joins the live connection (opening it if no screen holds it); returns the function that
 * leaves it. When the last screen leaves, the socket and every timer it started stop.
 */
export function startLive(options: StartLiveOptions): () => void {
  const subscriber: Subscriber = { onUnauthorized: options.onUnauthorized, catchUp: options.catchUp ?? wallCatchUp }
  const live = (shared ??= openLive(options))
  live.subscribers.add(subscriber)
  let left = false
  return () => {
    if (left) return
    left = true
    live.subscribers.delete(subscriber)
    if (live.subscribers.size === 0) {
      live.stop()
      if (shared === live) shared = null
    }
  }
}

function openLive(options: StartLiveOptions): SharedLive {
  const risk = useRiskStore()
  const alerts = useAlertsStore()
  const events = useEventsStore()
  const subscribers = new Set<Subscriber>()
  let wasOffline = false
  let offlineSince: number | null = null
  let catchingUp = false

  // `event:new` arrives up to 20 times a second, and every ingest redraws three charts and the
  // feed. One at a time that kept the wall's main thread busy for longer than the messages were
  // apart: it fell behind, missed heartbeats and went offline. So events are counted in batches:
  // the first at once, then whatever arrived in the meantime once per `eventBatchMs`.
  const batchMs = options.eventBatchMs ?? 1_000
  let pendingEvents: WallEvent[] = []
  let lastBatchAt = Number.NEGATIVE_INFINITY
  let batchTimer: ReturnType<typeof setTimeout> | null = null
  function flushEvents(): void {
    batchTimer = null
    lastBatchAt = Date.now()
    const batch = pendingEvents
    pendingEvents = []
    if (batch.length) events.ingest(batch)
  }
  function queueEvent(event: WallEvent): void {
    pendingEvents.push(event)
    if (pendingEvents.length > MAX_PENDING_EVENTS) pendingEvents.splice(0, pendingEvents.length - MAX_PENDING_EVENTS)
    if (batchTimer) return
    const wait = lastBatchAt + batchMs - Date.now()
    if (wait <= 0) flushEvents()
    else batchTimer = setTimeout(flushEvents, wait)
  }

  const guard = (promise: Promise<unknown>) =>
    promise.catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) for (const s of [...subscribers]) s.onUnauthorized()
    })

  async function catchUp(since: number | null): Promise<void> {
    if (catchingUp) return
    catchingUp = true
    try {
      await guard(Promise.all([...subscribers].map((s) => s.catchUp(since))))
    } finally {
      catchingUp = false
    }
  }

  const connection = connectLive(
    {
      snapshot(message) {
        risk.setDatabaseStatus({ database: 'ok' })
        risk.applySnapshot(message)
        if (Array.isArray(message.alerts)) alerts.replaceOpen(message.alerts)
      },
      changed(message) {
        risk.applyChanges(message)
      },
      alertNew(message) {
        alerts.applyNew(message)
        risk.noteSeq(message.seq)
      },
      alertUpdated(message) {
        alerts.applyUpdated(message)
        risk.noteSeq(message.seq)
      },
      caseNew(message) {
        alerts.applyCase(message, true)
        risk.noteSeq(message.seq)
      },
      caseUpdated(message) {
        alerts.applyCase(message, false)
        risk.noteSeq(message.seq)
      },
      eventNew(message) {
        queueEvent(message.event)
        risk.noteSeq(message.seq)
      },
      state(state) {
        risk.setConnection(state)
        if (state === 'online') {
          // Snapshot and replayed alert changes arrive on the socket; events are sampled and not
          // replayed, so fetch the ones that occurred while we were away.
          if (wasOffline) void catchUp(offlineSince)
          wasOffline = false
          offlineSince = null
        } else if (state === 'offline' && !wasOffline) {
          wasOffline = true
          offlineSince = risk.freshAt ?? Date.now()
        }
      },
      systemStatus(message) {
        risk.setDatabaseStatus(message)
      },
      geoUpdated() {
        geoUpdates.value++
      },
      regionsUpdated() {
        // A new or renamed township shows in the ranking, the map's labels and the filters at once.
        regionUpdates.value++
        void guard(risk.load())
      },
      unauthorized() {
        // The socket refuses us: confirm with the REST session before leaving the screen.
        void guard(risk.load())
      },
    },
    { getOffset: () => risk.lastSeq, factory: options.factory },
  )

  const poll = setInterval(() => {
    if (risk.connection !== 'online') void catchUp(risk.freshAt)
  }, options.pollMs ?? 60_000)
  const housekeeping = setInterval(() => events.rollover(), options.housekeepingMs ?? 60_000)

  return {
    subscribers,
    stop() {
      clearInterval(poll)
      clearInterval(housekeeping)
      if (batchTimer) clearTimeout(batchTimer)
      batchTimer = null
      pendingEvents = []
      connection.close()
    },
  }
}
