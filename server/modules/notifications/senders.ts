// One sender per channel kind (docs/architecture.md). Each builds the request its receiver's
// public documentation specifies and throws when the receiver did not take the message.

import { createHmac } from 'node:crypto'
import { createTransport } from 'nodemailer'
import type { ChannelKind, NotificationChannelRow, NotificationMessage } from '../../../db/schema.ts'
import { alertmanagerPayload, messageMarkdown, messageText, messageTitle } from './message.ts'

export interface SendOptions {
  timeoutMs: number
  timeZone: string
  /** The server's own address, for links and Alertmanager's externalURL. */
  externalUrl: string
  now: Date
}

export interface HttpRequest {
  url: string
  headers: Record<string, string>
  body: string
}

/** 钉钉 robot: sign = urlencode(base64(HMAC-SHA256(key = secret, msg = timestamp + "\n" + secret))), timestamp in ms. */
export function dingtalkSign(timestampMs: number, secret: string): string {
  return encodeURIComponent(createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64'))
}

/** 飞书 robot: sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = "")), timestamp in seconds. */
export function feishuSign(timestampS: number, secret: string): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64')
}

/** SMS body: the template with {{text}}, {{township}}, {{level}}, {{rule}}, {{count}}, {{deadline}}, {{link}}, {{key}} filled in. */
export function renderSmsBody(template: string, m: NotificationMessage, key: string, timeZone: string, json: boolean): string {
  const values: Record<string, string> = {
    text: messageText(m, timeZone),
    township: m.township?.name ?? '',
    level: m.level ?? '',
    rule: m.rule ?? '',
    count: m.count === null ? '' : String(m.count),
    deadline: m.deadline ?? '',
    link: m.link,
    key,
  }
  // In a JSON template a value is escaped as a JSON string's content.
  const escape = (v: string) => (json ? JSON.stringify(v).slice(1, -1) : encodeURIComponent(v))
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => (name in values ? escape(values[name]!) : whole))
}

const str = (config: Record<string, unknown>, k: string): string => (typeof config[k] === 'string' ? (config[k] as string) : '')

/** The HTTP request for the HTTP kinds (everything but e-mail). */
export function httpRequest(channel: Pick<NotificationChannelRow, 'kind' | 'name' | 'config' | 'secret'>, m: NotificationMessage, key: string, options: SendOptions): HttpRequest {
  const url = str(channel.config, 'url')
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': key }
  const markdown = messageMarkdown(m, options.timeZone)
  switch (channel.kind as Exclude<ChannelKind, 'email'>) {
    case 'webhook':
      return { url, headers, body: JSON.stringify(alertmanagerPayload(m, channel.name, key, options.externalUrl)) }
    case 'wecom':
      return { url, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: markdown } }) }
    case 'dingtalk': {
      let signed = url
      if (channel.secret) {
        const ts = options.now.getTime()
        signed += `${url.includes('?') ? '&' : '?'}timestamp=${ts}&sign=${dingtalkSign(ts, channel.secret)}`
      }
      return { url: signed, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: messageTitle(m), text: markdown } }) }
    }
    case 'feishu': {
      const body: Record<string, unknown> = { msg_type: 'text', content: { text: messageText(m, options.timeZone) } }
      if (channel.secret) {
        const ts = Math.floor(options.now.getTime() / 1000)
        body['timestamp'] = String(ts)
        body['sign'] = feishuSign(ts, channel.secret)
      }
      return { url, headers, body: JSON.stringify(body) }
    }
    case 'sms': {
      const contentType = str(channel.config, 'contentType') || 'application/json'
      const json = contentType.includes('json')
      const template = str(channel.config, 'bodyTemplate') || '{"text":"{{text}}","key":"{{key}}"}'
      return { url, headers: { ...headers, 'content-type': contentType }, body: renderSmsBody(template, m, key, options.timeZone, json) }
    }
  }
}

/** The receiver's answer was not a success (or the robot's JSON said so). */
export class DeliveryError extends Error {}

async function sendHttp(request: HttpRequest, kind: ChannelKind, timeoutMs: number): Promise<void> {
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' })
  const text = (await response.text()).slice(0, 500)
  if (!response.ok) throw new DeliveryError(`HTTP ${response.status}${text ? `: ${text}` : ''}`)
  // The robots answer 200 with an error code in the body.
  if (kind === 'wecom' || kind === 'dingtalk' || kind === 'feishu') {
    let parsed: { errcode?: unknown; code?: unknown; errmsg?: unknown; msg?: unknown } = {}
    try {
      parsed = JSON.parse(text) as typeof parsed
    } catch {
      return
    }
    const code = parsed.errcode ?? parsed.code
    if (typeof code === 'number' && code !== 0) throw new DeliveryError(`robot error ${code}: ${String(parsed.errmsg ?? parsed.msg ?? '')}`)
  }
}

async function sendMail(channel: Pick<NotificationChannelRow, 'config' | 'secret'>, m: NotificationMessage, key: string, options: SendOptions): Promise<void> {
  const c = channel.config
  const user = str(c, 'user')
  const transport = createTransport({
    host: str(c, 'host'),
    port: typeof c['port'] === 'number' ? c['port'] : 25,
    secure: c['secure'] === true,
    ...(user ? { auth: { user, pass: channel.secret ?? '' } } : {}),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    // A local relay without a certificate can be allowed explicitly.
    tls: { rejectUnauthorized: c['allowInsecureTls'] !== true },
  })
  try {
    await transport.sendMail({
      from: str(c, 'from'),
      to: Array.isArray(c['to']) ? (c['to'] as string[]) : [],
      subject: messageTitle(m),
      text: messageText(m, options.timeZone),
      messageId: `<${key.replace(/[^A-Za-z0-9.:_-]/g, '_')}@shaowang>`,
      headers: { 'X-Idempotency-Key': key },
    })
  } finally {
    transport.close()
  }
}

/** Sends one message on one channel; resolves once the receiver took it. */
export async function send(channel: NotificationChannelRow, m: NotificationMessage, key: string, options: SendOptions): Promise<void> {
  if (channel.kind === 'email') return sendMail(channel, m, key, options)
  return sendHttp(httpRequest(channel, m, key, options), channel.kind, options.timeoutMs)
}
