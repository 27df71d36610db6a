import { io } from 'socket.io-client'
import { beforeAll, describe, expect, it } from 'vitest'
import { originAllowed } from '../../server/plugins/realtime.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'
import { baseUrl } from '../helpers/live.ts'

const { app } = await build({ config: { allowedOrigins: ['https://wall.example.org'] } })
const duty = await signIn(app, ['duty'])
let url = ''
let port = 0

beforeAll(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' })
  url = baseUrl(app)
  port = Number(new URL(url).port)
})

type Outcome = { connected: true; snapshot: boolean } | { connected: false; message: string }

/** A raw handshake as a browser would send it: the victim's cookie goes along whatever page asks. */
async function handshake(headers: Record<string, string>): Promise<Outcome> {
  const socket = io(`${url}/live`, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers })
  try {
    return await new Promise<Outcome>((resolve) => {
      socket.once('connect_error', (err) => resolve({ connected: false, message: err.message }))
      socket.once('risk:snapshot', () => resolve({ connected: true, snapshot: true }))
    })
  } finally {
    socket.disconnect()
  }
}


describe('/live checks the Origin of a browser handshake', () => {
  it('refuses a page of another origin carrying the victim cookie (another port of the same host)', async () => {
    const outcome = await handshake({ cookie: duty.cookie, origin: `http://127.0.0.1:${port + 1}` })
    expect(outcome.connected).toBe(false)
  })

  it('refuses another host and an opaque origin', async () => {
    expect((await handshake({ cookie: duty.cookie, origin: 'https://evil.example' })).connected).toBe(false)
    expect((await handshake({ cookie: duty.cookie, origin: 'null' })).connected).toBe(false)
  })

  it('accepts the server\u2019s own origin, an allow-listed one, and a client that sends no Origin', async () => {
    expect(await handshake({ cookie: duty.cookie, origin: url })).toEqual({ connected: true, snapshot: true })
    expect(await handshake({ cookie: duty.cookie, origin: 'https://wall.example.org' })).toEqual({ connected: true, snapshot: true })
    expect(await handshake({ cookie: duty.cookie })).toEqual({ connected: true, snapshot: true })
  })
})

describe('originAllowed', () => {
  const none = new Set<string>()
  it('compares scheme, host and port', () => {
    expect(originAllowed({ host: 'centre.example:3000', origin: 'http://centre.example:3000' }, false, false, none)).toBe(true)
    expect(originAllowed({ host: 'centre.example:3000', origin: 'http://centre.example:3001' }, false, false, none)).toBe(false)
    expect(originAllowed({ host: 'centre.example', origin: 'https://centre.example' }, false, false, none)).toBe(false)
    expect(originAllowed({ host: 'centre.example', origin: 'https://centre.example' }, true, false, none)).toBe(true)
    expect(originAllowed({ host: 'Centre.Example:80', origin: 'http://centre.example' }, false, false, none)).toBe(true)
  })
  it('believes X-Forwarded-* only with TRUST_PROXY', () => {
    const behind = { host: '127.0.0.1:3000', origin: 'https://centre.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'centre.example' }
    expect(originAllowed(behind, false, false, none)).toBe(false)
    expect(originAllowed(behind, false, true, none)).toBe(true)
    expect(originAllowed(behind, false, ['127.0.0.1'], none)).toBe(true)
    expect(originAllowed({ host: 'centre.example', origin: 'https://centre.example', 'x-forwarded-proto': 'https' }, false, true, none)).toBe(true)
  })
  it('refuses garbage', () => {
    expect(originAllowed({ host: 'a', origin: 'not a url' }, false, true, none)).toBe(false)
    expect(originAllowed({ origin: 'http://a' }, false, false, none)).toBe(false)
  })
})

describe('ALLOWED_ORIGINS', () => {
  it('takes normalised http(s) origins and refuses anything else, naming the variable', async () => {
    const { loadConfig } = await import('../../server/config.ts')
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://wall.example.org, http://localhost:5173' }).allowedOrigins).toEqual(['https://wall.example.org', 'http://localhost:5173'])
    expect(loadConfig({}).allowedOrigins).toEqual([])
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'https://wall.example.org/path' })).toThrow(/ALLOWED_ORIGINS/)
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'ftp://x' })).toThrow(/ALLOWED_ORIGINS/)
  })
})
