// The in-flight gauge (docs/architecture.md §13): a request counts from its headers until it is answered
// or its client goes away — never left counted, never counted twice.
import { request } from 'node:http'
import { describe, expect, it, vi } from 'vitest'
import { feedToken } from '../helpers/auth.ts'
import { build } from '../helpers/app.ts'
import { requestsInFlight } from '../helpers/server-process.ts'
import { baseUrl, townshipCodes } from '../helpers/live.ts'

const { app } = await build({ listen: true })
const url = baseUrl(app)
const token = await feedToken(app)
const [township] = await townshipCodes(app)

function startPost(body: string) {
  const req = request(`${url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } })
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
  })
  req.flushHeaders()
  req.write(body.slice(0, 10))
  return { req, status, finish: () => req.end(body.slice(10)) }
}

const body = JSON.stringify({ source: 'dispute', externalId: 'in-flight-1', township, category: 'land', occurredAt: new Date().toISOString() })

describe('shaowang_http_requests_in_flight', () => {
  it('counts a request whose body is still arriving, and not once it is answered', async () => {
    expect(await requestsInFlight({ url }, 'POST', '/api/v1/events')).toBe(0)
    const post = startPost(body)
    await vi.waitFor(async () => expect(await requestsInFlight({ url }, 'POST', '/api/v1/events')).toBe(1))
    post.finish()
    expect(await post.status).toBe(202)
    await vi.waitFor(async () => expect(await requestsInFlight({ url }, 'POST', '/api/v1/events')).toBe(0))
  })

  it('does not keep counting a request its client abandoned', async () => {
    const post = startPost(body.replace('in-flight-1', 'in-flight-2'))
    post.status.catch(() => {})
    await vi.waitFor(async () => expect(await requestsInFlight({ url }, 'POST', '/api/v1/events')).toBe(1))
    post.req.destroy()
    await vi.waitFor(async () => expect(await requestsInFlight({ url }, 'POST', '/api/v1/events')).toBe(0), { timeout: 5_000 })
  })
})
