// Local receivers for notification tests: one HTTP server that checks each robot's payload and
// signature as their public documentation specifies, and a local SMTP server.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface Hit {
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: string
  json: any
  /** For the robots: whether the signature checked out. */
  signed: boolean | null
}

const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * 钉钉 custom robot: `timestamp` (ms) and `sign` query parameters; sign is the URL-encoded Base64
 * of HMAC-SHA256 keyed by the secret over `timestamp + "\n" + secret`; the timestamp within an hour.
 */
export function dingtalkSignatureValid(query: URLSearchParams, secret: string, now = Date.now()): boolean {
  const ts = query.get('timestamp')
  const sign = query.get('sign')
  if (!ts || !sign || !/^\d{13}$/.test(ts) || Math.abs(now - Number(ts)) > 3600_000) return false
  const expected = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64')
  return equal(sign, expected)
}

/** 飞书 custom bot: `timestamp` (s) and `sign` in the body; sign is Base64 of HMAC-SHA256 keyed by `timestamp + "\n" + secret` over an empty message. */
export function feishuSignatureValid(body: { timestamp?: unknown; sign?: unknown }, secret: string, now = Date.now()): boolean {
  if (typeof body.timestamp !== 'string' || typeof body.sign !== 'string' || !/^\d{10}$/.test(body.timestamp)) return false
  if (Math.abs(now / 1000 - Number(body.timestamp)) > 3600) return false
  const expected = createHmac('sha256', `${body.timestamp}\n${secret}`).update('').digest('base64')
  return equal(body.sign, expected)
}

export class HttpReceivers {
  readonly hits: Hit[] = []
  private server: Server | null = null
  url = ''
  readonly secrets: { dingtalk: string; feishu: string }
  constructor(secrets: { dingtalk: string; feishu: string }) {
    this.secrets = secrets
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x')
        const body = Buffer.concat(chunks).toString('utf8')
        let json: any = null
        try {
          json = JSON.parse(body)
        } catch {
          // not JSON (an SMS form body)
        }
        const path = url.pathname
        if (path === '/hang') return // never answers
        let signed: boolean | null = null
        if (path === '/dingtalk') signed = dingtalkSignatureValid(url.searchParams, this.secrets.dingtalk)
        if (path === '/feishu') signed = feishuSignatureValid(json ?? {}, this.secrets.feishu)
        this.hits.push({ path, query: url.searchParams, headers: req.headers, body, json, signed })
        if (path === '/fail') return void res.writeHead(500).end('down')
        res.writeHead(200, { 'content-type': 'application/json' })
        if (path === '/dingtalk') return void res.end(JSON.stringify(signed ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'sign not match' }))
        if (path === '/feishu') return void res.end(JSON.stringify(signed ? { code: 0, msg: 'success' } : { code: 19021, msg: 'sign match fail' }))
        if (path === '/wecom') return void res.end(JSON.stringify(json?.msgtype === 'markdown' ? { errcode: 0, errmsg: 'ok' } : { errcode: 40008, errmsg: 'invalid message type' }))
        res.end('{}')
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  on(path: string): Hit[] {
    return this.hits.filter((h) => h.path === path)
  }

  async stop(): Promise<void> {
    if (!this.server) return
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server!.close(() => resolve()))
    this.server = null
  }
}

export interface Mail {
  from: string
  to: string[]
  data: string
}

export class SmtpReceiver {
  readonly mails: Mail[] = []
  port = 0
  private server: SMTPServer | null = null

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString('utf8'),
          })
          callback()
        })
      },
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()))
    this.port = (this.server.server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    if (!this.server) return
    await new Promise<void>((resolve) => this.server!.close(() => resolve()))
    this.server = null
  }
}
