// A connecting socket's catch-up: it joins its room and buffers live messages before anything is
// read, then receives the snapshot, then the replay of alert changes after its `auth.offset`,
// then the buffer minus what the snapshot or replay already covered. No gap (the buffer starts
// before the reads), no duplicate (alert changes with a seq the replay covered are dropped).
import { alertWithoutFreeText } from '../access/free-text.ts'
import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../../db/connect.ts'
import { changesSince, maxSeq, openAlerts } from '../modules/alerts/repository.ts'
import type { CaseJson } from '../modules/cases/schema.ts'
import type { Alert } from '../modules/alerts/schema.ts'
import { listTownships } from '../modules/townships/repository.ts'
import type { FanOut } from './fan-out.ts'
import { COUNTY_ROOM, type LiveSocket, riskFor, townshipRoom, visibleTo } from './messages.ts'

const REPLAY_PAGE = 500
/** A client that emits is told (once a second at most: a flood must not be echoed back). */
const UNSUPPORTED_NOTICE_MS = 1_000

export interface CatchUpOptions {
  db: Db
  fanOut: Pick<FanOut, 'emitTo' | 'deliverAlert'>
  log: FastifyBaseLogger
  /** Test seam: runs after a connecting socket's snapshot, before its replay query. */
  beforeReplay?: () => Promise<void>
}

/**
 * The protocol is server → client only (docs/architecture.md §7). A client that emits anyway gets a
 * clear answer rather than silence: its ack callback, if it passed one, and a rate-limited server:error.
 */
export function refuseClientMessages(socket: LiveSocket): void {
  let noticedAt = 0
  socket.onAny((event: unknown, ...args: unknown[]) => {
    const name = typeof event === 'string' ? event.slice(0, 64) : typeof event
    const error = { code: 'unsupported', message: `the live feed takes no messages from clients (got "${name}"); it only sends risk:snapshot, risk:changed, alert:new, alert:updated, case:new, case:updated, event:new` }
    const ack = args.at(-1)
    if (typeof ack === 'function') (ack as (reply: unknown) => void)({ error })
    const now = Date.now()
    if (now - noticedAt >= UNSUPPORTED_NOTICE_MS) {
      noticedAt = now
      socket.emit('server:error', error)
    }
  })
}

/** Sends the visible townships and open alerts; returns the seq the snapshot covers. */
async function sendSnapshot(socket: LiveSocket, { db, fanOut }: CatchUpOptions): Promise<number> {
  const { scope } = socket.data
  const snapshotSeq = await maxSeq(db)
  const [townships, alerts] = await Promise.all([listTownships(db), openAlerts(db, scope)])
  const visible = townships.filter((t) => visibleTo(scope, t.code))
  fanOut.emitTo(socket, 'risk:snapshot', {
    townships: visible.map((t) => ({ township: t.code, name: t.name, score: Math.round(t.score * 10) / 10, level: t.level, silent: t.silent, updatedAt: t.updatedAt?.toISOString() ?? null })),
    alerts: socket.data.freeText ? (alerts satisfies Alert[]) : alerts.map(alertWithoutFreeText),
    seq: snapshotSeq,
  })
  return snapshotSeq
}

/** Replays the alert changes after `offset`, page by page; returns the last seq sent (or `offset`), null if the socket left. */
async function replay(socket: LiveSocket, offset: number, { db, fanOut }: CatchUpOptions): Promise<number | null> {
  let after = offset
  for (;;) {
    if (!socket.connected) return null
    const rows = await changesSince(db, after, socket.data.scope, REPLAY_PAGE)
    for (const row of rows) {
      const alert = row.alert as Alert
      fanOut.emitTo(socket, row.push!, { alert: socket.data.freeText ? alert : alertWithoutFreeText(alert), seq: row.seq })
      if (row.casePush && row.caseJson) fanOut.emitTo(socket, row.casePush, { case: row.caseJson as CaseJson, seq: row.seq })
    }
    if (rows.length) after = rows.at(-1)!.seq
    if (rows.length < REPLAY_PAGE) return after
  }
}

/** Ends the gate: what was buffered during the reads goes out, minus what they covered. */
function release(socket: LiveSocket, { fanOut }: CatchUpOptions): void {
  const state = socket.data
  const pending = state.pending ?? []
  state.pending = null
  for (const msg of pending) {
    if (msg.t === 'alert') fanOut.deliverAlert(socket, msg.change)
    else if (msg.t === 'risk') {
      const changes = riskFor(state.scope, msg.changes)
      if (changes.length) fanOut.emitTo(socket, 'risk:changed', { changes, seq: msg.seq })
    } else if (msg.t === 'event' && visibleTo(state.scope, msg.event.township)) fanOut.emitTo(socket, 'event:new', { event: msg.event, seq: msg.seq })
  }
}

/** A new connection: joined and gated at once, then snapshot, replay, release; a failed read disconnects it. */
export async function catchUp(socket: LiveSocket, options: CatchUpOptions): Promise<void> {
  const state = socket.data
  // Join first so nothing published from now on is missed; it is buffered until the replay is done.
  socket.join(state.scope ? townshipRoom(state.scope) : COUNTY_ROOM)
  try {
    let upTo = await sendSnapshot(socket, options)
    await options.beforeReplay?.()
    if (state.offset !== null) {
      const replayed = await replay(socket, state.offset, options)
      if (replayed === null) return
      upTo = Math.max(upTo, replayed)
    }
    state.replayedUpTo = upTo
    release(socket, options)
  } catch (err) {
    options.log.error({ err }, 'realtime: snapshot or replay failed')
    state.pending = null
    socket.emit('server:error', { code: 'unavailable', message: 'could not load the snapshot; reconnecting will retry' })
    socket.disconnect(true)
  }
}
