import { EventEmitter } from 'node:events'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { RiskEvent, ZeroReport } from '../domain/event.ts'
import type { SessionsEnded } from '../access/principal.ts'
import type { DatabaseStatus } from './database-status.ts'

/**
 * What happened, in-process, after it is durably stored: every emit follows a committed
 * transaction, so a listener (the live risk engine, the realtime hub) never sees an event that
 * could still roll back.
 */
export interface BusEvents {
  /** New events, in the order they were stored. */
  'events:accepted': (events: RiskEvent[]) => void
  /** Stored events whose content changed (a status change, a correction): the new content. */
  'events:updated': (events: RiskEvent[]) => void
  /** A township's "nothing to report today", the first time it arrives for that day. */
  'zero-report:accepted': (report: ZeroReport) => void
  /** The database stopped or started answering this process's probe. */
  'database:status': (status: DatabaseStatus) => void
  /** Sessions were ended (sign-out, a user disabled or re-keyed, a wall's pairing revoked). */
  'sessions:ended': (ended: SessionsEnded) => void
  /** Another process changed regions (its hub forwarded the change): reload the region cache. */
  'regions:changed': (what: { elsewhere: true }) => void
}

export type BusEventName = keyof BusEvents

/** A typed EventEmitter. A listener that throws is logged and never fails the writer. */
export class Bus {
  readonly #emitter = new EventEmitter({ captureRejections: false })
  readonly #onError: (err: unknown, event: BusEventName) => void

  constructor(onError: (err: unknown, event: BusEventName) => void = () => {}) {
    this.#onError = onError
    this.#emitter.setMaxListeners(50)
  }

  on<E extends BusEventName>(event: E, listener: BusEvents[E]): () => void {
    this.#emitter.on(event, listener)
    return () => this.off(event, listener)
  }

  once<E extends BusEventName>(event: E): Promise<Parameters<BusEvents[E]>[0]> {
    return new Promise((resolve) => this.#emitter.once(event, resolve))
  }

  off<E extends BusEventName>(event: E, listener: BusEvents[E]): void {
    this.#emitter.off(event, listener)
  }

  emit<E extends BusEventName>(event: E, payload: Parameters<BusEvents[E]>[0]): void {
    for (const listener of this.#emitter.listeners(event)) {
      try {
        ;(listener as (p: typeof payload) => void)(payload)
      } catch (err) {
        this.#onError(err, event)
      }
    }
  }

  listenerCount(event: BusEventName): number {
    return this.#emitter.listenerCount(event)
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** In-process notifications of committed writes (server/plugins/bus.ts). */
    bus: Bus
  }
}

export default fp(
  async function bus(app: FastifyInstance) {
    app.decorate('bus', new Bus((err, event) => app.log.error({ err, event }, 'a bus listener failed')))
  },
  { name: 'bus' },
)
