// Delivery of hub messages to this process's own sockets. The rooms are the visibility (the
// county room, or a township's). A socket still catching up buffers what arrives (its
// `pending`); once live, it skips alert changes its replay already covered.
import { alertWithoutFreeText } from '../access/free-text.ts'
import type { Counter } from 'prom-client'
import type { RiskChange, ServerToClientEvents } from '#contract/realtime.ts'
import { type AlertDelivery, COUNTY_ROOM, type EmitTo, type HubMessage, type LiveNamespace, type LiveSocket, townshipRoom, visibleTo } from './messages.ts'

export interface FanOut {
  /** Delivers a message to every socket of this process that may see it. */
  deliverLocal(msg: HubMessage): void
  /** Delivers one alert change to one socket (a socket's buffer, after its replay). */
  deliverAlert(socket: LiveSocket, change: AlertDelivery): void
  emitTo: EmitTo
  /** Counts a broadcast made outside the fan-out (status, shutdown). */
  count(event: keyof ServerToClientEvents): void
}

export function fanOut(live: LiveNamespace, messages: Counter<'event'>): FanOut {
  const emitTo: EmitTo = (socket, event, ...payload) => {
    socket.emit(event, ...payload)
    messages.inc({ event })
  }

  function deliverAlert(socket: LiveSocket, change: AlertDelivery) {
    if (!change.push || !visibleTo(socket.data.scope, change.township)) return
    if (socket.data.pending) socket.data.pending.push({ t: 'alert', change })
    else if (change.seq > socket.data.replayedUpTo) {
      emitTo(socket, change.push, { alert: socket.data.freeText ? change.alert : alertWithoutFreeText(change.alert), seq: change.seq })
      // The case after this change follows its alert, with the same seq (docs/architecture.md §6, "Cases").
      if (change.case) emitTo(socket, change.case.push, { case: change.case.case, seq: change.seq })
    }
  }

  function gatedIds(): string[] {
    const ids: string[] = []
    for (const socket of live.sockets.values()) if (socket.data.pending) ids.push(socket.id)
    return ids
  }

  /**
   * Alert changes go socket by socket to decide (they are rare): sockets still replaying buffer
   * the change, those whose replay covered it skip it; all others get one of two broadcasts, each
   * encoded once rather than once per socket: the alert as it is to those who read officers' free
   * text, without it to the others (the wall).
   */
  function alertChange(change: AlertDelivery) {
    if (!change.push) return
    const rooms = [COUNTY_ROOM, townshipRoom(change.township)]
    const seen = new Set<string>()
    const skip: string[] = []
    const withText: string[] = []
    const withoutText: string[] = []
    for (const room of rooms) {
      for (const id of live.adapter.rooms.get(room) ?? []) {
        if (seen.has(id)) continue
        seen.add(id)
        const socket = live.sockets.get(id)
        if (!socket) continue
        if (socket.data.pending) socket.data.pending.push({ t: 'alert', change })
        if (socket.data.pending || change.seq <= socket.data.replayedUpTo) skip.push(id)
        else (socket.data.freeText ? withText : withoutText).push(id)
      }
    }
    const broadcast = (recipients: string[], others: string[], alert: AlertDelivery['alert']) => {
      if (!recipients.length) return
      const except = [...skip, ...others]
      live.local.to(rooms).except(except).emit(change.push!, { alert, seq: change.seq })
      messages.inc({ event: change.push! }, recipients.length)
      if (change.case) {
        live.local.to(rooms).except(except).emit(change.case.push, { case: change.case.case, seq: change.seq })
        messages.inc({ event: change.case.push }, recipients.length)
      }
    }
    broadcast(withText, withoutText, change.alert)
    // The wall's copy is only made when a wall is listening.
    if (withoutText.length) broadcast(withoutText, withText, alertWithoutFreeText(change.alert))
  }

  /** The county room gets every change, each township room its own. */
  function riskChanges(changes: RiskChange[], seq: number, gated: string[]) {
    const payload = (part: RiskChange[]) => ({ changes: part, seq })
    if (live.adapter.rooms.get(COUNTY_ROOM)?.size) {
      live.local.to(COUNTY_ROOM).except(gated).emit('risk:changed', payload(changes))
      messages.inc({ event: 'risk:changed' })
    }
    const byTownship = new Map<string, RiskChange[]>()
    for (const c of changes) byTownship.set(c.township, [...(byTownship.get(c.township) ?? []), c])
    for (const [township, part] of byTownship) {
      if (!live.adapter.rooms.get(townshipRoom(township))?.size) continue
      live.local.to(townshipRoom(township)).except(gated).emit('risk:changed', payload(part))
      messages.inc({ event: 'risk:changed' })
    }
  }

  function deliverLocal(msg: HubMessage) {
    if (msg.t === 'alert') return alertChange(msg.change)
    // Boundaries are the same for everyone and only say "fetch again": no room, no gating.
    if (msg.t === 'geo') {
      live.local.emit('geo:updated', { version: msg.version })
      messages.inc({ event: 'geo:updated' })
      return
    }
    if (msg.t === 'regions') {
      live.local.emit('regions:updated', msg.message)
      messages.inc({ event: 'regions:updated' })
      return
    }
    const gated = gatedIds()
    for (const socket of live.sockets.values()) if (socket.data.pending) socket.data.pending.push(msg)
    if (msg.t === 'risk') riskChanges(msg.changes, msg.seq, gated)
    else {
      live.local.to([COUNTY_ROOM, townshipRoom(msg.event.township)]).except(gated).emit('event:new', { event: msg.event, seq: msg.seq })
      messages.inc({ event: 'event:new' })
    }
  }

  return { deliverLocal, deliverAlert, emitTo, count: (event) => messages.inc({ event }) }
}
