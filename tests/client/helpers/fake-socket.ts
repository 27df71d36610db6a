import type { Socket } from 'socket.io-client'

type Listener = (...args: unknown[]) => void

/** Enough of a socket.io-client Socket to drive the live client from a test. */
export class FakeSocket {
  readonly uri: string
  readonly options: Record<string, unknown>
  connected = false
  active = true
  connectCalls = 0
  disconnectCalls = 0
  private listeners = new Map<string, Listener[]>()

  constructor(uri: string, options: Record<string, unknown>) {
    this.uri = uri
    this.options = options
  }

  on(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn])
    return this
  }

  removeAllListeners(): this {
    this.listeners.clear()
    return this
  }

  listenerCount(): number {
    return [...this.listeners.values()].reduce((n, l) => n + l.length, 0)
  }

  connect(): this {
    this.connectCalls++
    return this
  }

  disconnect(): this {
    this.disconnectCalls++
    this.connected = false
    return this
  }

  /** What the client would send as `auth` on a (re)connect now. */
  auth(): unknown {
    const auth = this.options['auth']
    if (typeof auth !== 'function') return auth
    let out: unknown
    ;(auth as (cb: (d: unknown) => void) => void)((d) => (out = d))
    return out
  }

  /** The server side: deliver an event to the client. */
  serverEmit(event: string, ...args: unknown[]): void {
    if (event === 'connect') this.connected = true
    if (event === 'disconnect') this.connected = false
    for (const fn of this.listeners.get(event) ?? []) fn(...args)
  }

  asSocket(): Socket {
    return this as unknown as Socket
  }
}
