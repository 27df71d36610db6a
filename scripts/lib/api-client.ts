// One HTTP client for everything that talks to a running server from outside — the browser and
// process tests, the benchmarks and the soaks: sign in, create a feed, post events, read and act
// as a signed-in user (docs/architecture.md §12).
import http from 'node:http'

export interface Response {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

export interface RequestOptions {
  headers?: Record<string, string>
  signal?: AbortSignal
}

/**
 * Keep-alive HTTP/1.1 with a bounded number of sockets: node:http rather than fetch, because
 * fetch's per-request overhead in a shared 2-core process would bound the figures the benchmarks
 * measure. Idle sockets are unref'd by the agent, so a script never waits on them to exit.
 */
export class HttpClient {
  readonly url: string
  readonly #agent: http.Agent
  readonly #url: URL

  constructor(url: string, connections = 4) {
    this.url = url
    this.#url = new URL(url)
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections })
  }

  async request(method: string, path: string, body?: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    try {
      return await this.#once(method, path, body, headers, signal)
    } catch (err) {
      // The server closes keep-alive connections idle for 5 s; one picked from the pool just then
      // fails before anything was processed (Node's documented retry case).
      if ((err as { reused?: boolean }).reused) return this.#once(method, path, body, headers, signal)
      throw err
    }
  }

  #once(method: string, path: string, body: string | undefined, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.#agent,
          host: this.#url.hostname,
          port: this.#url.port,
          method,
          path,
          signal,
          headers: body === undefined ? headers : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
          res.on('error', reject)
        },
      )
      req.on('error', (err: NodeJS.ErrnoException & { reused?: boolean }) => {
        err.reused = req.reusedSocket && err.code === 'ECONNRESET'
        reject(err)
      })
      req.end(body)
    })
  }

  /** A JSON request whose answer must have one of the `expect` statuses; throws otherwise. */
  async json<T>(method: string, path: string, body: unknown, headers: Record<string, string> = {}, expect = [200, 201, 202]): Promise<T> {
    const res = await this.request(method, path, body === undefined ? undefined : JSON.stringify(body), headers)
    if (!expect.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.body.slice(0, 300)}`)
    return (res.body ? JSON.parse(res.body) : null) as T
  }

  close(): void {
    this.#agent.destroy()
  }
}

/** A server's address, or a client already talking to it (whose sockets are then shared). */
export type Target = string | { url: string } | HttpClient

function clientFor(target: Target): HttpClient {
  if (target instanceof HttpClient) return target
  return new HttpClient(typeof target === 'string' ? target : target.url)
}

export interface ApiResponse<T> {
  status: number
  body: T
}

/** A signed-in user: the session cookie and CSRF token, and requests made as them. */
export interface ApiSession {
  /** The session cookie's value: also the Socket.IO `auth.token`. */
  token: string
  csrf: string
  /** Cookie and CSRF headers for a request as this user. */
  headers: Record<string, string>
  client: HttpClient
  /** GET; throws unless 2xx. */
  get<T>(path: string): Promise<T>
  /** A JSON write; answers whatever status the server gave. */
  post<T>(path: string, body: unknown, method?: string): Promise<ApiResponse<T>>
  /** A JSON write; throws unless 2xx. */
  send<T>(path: string, body: unknown, method?: string): Promise<T>
  /** Closes the sockets of a session made from an address (a shared client stays open). */
  dispose(): void
}

/** Signs in through the real endpoint (the demo users' password by default). */
export async function signIn(target: Target, username: string, password = `demo-${username}-2026`): Promise<ApiSession> {
  const client = clientFor(target)
  const owned = client !== target
  const res = await client.request('POST', '/api/v1/session', JSON.stringify({ username, password }))
  if (res.status !== 200) throw new Error(`sign-in as ${username}: HTTP ${res.status} ${res.body.slice(0, 200)}`)
  const sid = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .map((c) => /^sid=([^;]+)/.exec(c)?.[1])
    .find(Boolean)
  if (!sid) throw new Error(`sign-in as ${username}: no session cookie`)
  const csrf = (JSON.parse(res.body) as { csrfToken: string }).csrfToken
  const headers = { cookie: `sid=${sid}`, 'x-csrf-token': csrf }
  const post = async <T>(path: string, body: unknown, method = 'POST'): Promise<ApiResponse<T>> => {
    const r = await client.request(method, path, JSON.stringify(body), headers)
    return { status: r.status, body: (r.body ? JSON.parse(r.body) : null) as T }
  }
  return {
    token: decodeURIComponent(sid),
    csrf,
    headers,
    client,
    get: <T>(path: string) => client.json<T>('GET', path, undefined, headers, [200]),
    post,
    async send<T>(path: string, body: unknown, method = 'POST'): Promise<T> {
      const r = await post<T>(path, body, method)
      if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
      return r.body
    },
    dispose: () => {
      if (owned) client.close()
    },
  }
}

/**
 * Creates a feed as an administrator — a signed-in one, or the demo `admin` signed in for it — and
 * returns its bearer token (its name is the events' default sourceSystem).
 */
export async function createFeed(as: ApiSession | Target, name = `feed-${Date.now()}`, description?: string): Promise<string> {
  const admin = isSession(as) ? as : await signIn(as, 'admin')
  try {
    return (await admin.send<{ token: string }>('/api/v1/feeds', { name, ...(description ? { description } : {}) })).token
  } finally {
    if (admin !== as) admin.dispose()
  }
}

const isSession = (x: ApiSession | Target): x is ApiSession => typeof x === 'object' && 'csrf' in x

export interface IngestResult {
  accepted: number
  updated: number
  duplicates: number
  rejected: Array<{ index: number; errors: Array<{ field: string; message: string }> }>
}

/** POST /api/v1/events as a feed; answers the status, Retry-After and body (throws only on a network error). */
export async function submitEvents(target: Target, token: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; retryAfter: string | null; body: IngestResult }> {
  const client = clientFor(target)
  try {
    const res = await client.request('POST', '/api/v1/events', JSON.stringify(body), { authorization: `Bearer ${token}` }, signal)
    const retryAfter = res.headers['retry-after']
    return { status: res.status, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, body: JSON.parse(res.body) as IngestResult }
  } finally {
    if (client !== target) client.close()
  }
}

/** POST /api/v1/events as a feed (one event or a batch); throws unless the server took it (202). */
export async function postEvents(target: Target, token: string, events: unknown): Promise<IngestResult> {
  const res = await submitEvents(target, token, events)
  if (res.status !== 202) throw new Error(`POST /api/v1/events: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`)
  return res.body
}
