// Pure helpers of the admin 通知 tab (docs/architecture.md §6): which fields each channel kind
// has, the request bodies built from the forms, the roster week, and the server's English
// refusals and delivery errors turned into message keys under `admin.notify.reasons.*`, so
// the screen never shows raw English.
import { ApiError } from '../../lib/api.ts'
import { toCentreIso } from './logic.ts'

export const CHANNEL_KINDS = ['webhook', 'wecom', 'dingtalk', 'feishu', 'email', 'sms'] as const
export type ChannelKind = (typeof CHANNEL_KINDS)[number]

export type ChannelField = 'url' | 'secret' | 'host' | 'port' | 'secure' | 'user' | 'from' | 'to' | 'allowInsecureTls' | 'bodyTemplate' | 'contentType'

/** The fields each kind takes, and which of them the server requires (server/modules/notifications/schema.ts). */
export const KIND_FIELDS: Record<ChannelKind, { fields: ChannelField[]; required: ChannelField[] }> = {
  webhook: { fields: ['url', 'secret'], required: ['url'] },
  wecom: { fields: ['url'], required: ['url'] },
  dingtalk: { fields: ['url', 'secret'], required: ['url'] },
  feishu: { fields: ['url', 'secret'], required: ['url'] },
  email: { fields: ['host', 'port', 'secure', 'user', 'secret', 'from', 'to', 'allowInsecureTls'], required: ['host', 'from', 'to'] },
  sms: { fields: ['url', 'secret', 'bodyTemplate', 'contentType'], required: ['url', 'bodyTemplate'] },
}

export interface ChannelForm {
  kind: ChannelKind
  name: string
  url: string
  /** write-only: empty on edit means "keep the stored secret" */
  secret: string
  host: string
  port: string
  secure: boolean
  user: string
  from: string
  /** recipients, one per line or comma-separated */
  to: string
  allowInsecureTls: boolean
  bodyTemplate: string
  contentType: string
  ratePerMinute: string
  maxAttempts: string
  enabled: boolean
}

export const blankChannel = (kind: ChannelKind = 'webhook'): ChannelForm => ({
  kind, name: '', url: '', secret: '', host: '', port: '', secure: false, user: '', from: '', to: '', allowInsecureTls: false, bodyTemplate: '', contentType: 'application/json', ratePerMinute: '60', maxAttempts: '8', enabled: true,
})

export interface ChannelJson {
  id: number
  kind: ChannelKind
  name: string
  enabled: boolean
  ratePerMinute: number
  maxAttempts: number
  hasSecret: boolean
  config: Record<string, unknown>
}

/** The edit form of a stored channel: its config, never its secret (the server does not send it). */
export function channelForm(c: ChannelJson): ChannelForm {
  const s = (k: string) => (typeof c.config[k] === 'string' ? (c.config[k] as string) : '')
  return {
    ...blankChannel(c.kind),
    name: c.name, url: s('url'), host: s('host'), user: s('user'), from: s('from'), bodyTemplate: s('bodyTemplate'), contentType: s('contentType') || 'application/json',
    port: typeof c.config['port'] === 'number' ? String(c.config['port']) : '',
    secure: c.config['secure'] === true,
    allowInsecureTls: c.config['allowInsecureTls'] === true,
    to: Array.isArray(c.config['to']) ? (c.config['to'] as string[]).join(', ') : '',
    ratePerMinute: String(c.ratePerMinute), maxAttempts: String(c.maxAttempts), enabled: c.enabled,
  }
}

const recipients = (to: string) => to.split(/[\s,;，；]+/).map((x) => x.trim()).filter(Boolean)
const isHttpUrl = (v: string) => {
  try {
    const u = new URL(v)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}

/** Client-side checks before sending; values are keys under admin.notify.reasons. */
export function validateChannel(f: ChannelForm, editing: boolean): Record<string, string> {
  const e: Record<string, string> = {}
  if (!f.name.trim()) e['name'] = 'required'
  for (const field of KIND_FIELDS[f.kind].required) {
    const v = field === 'to' ? recipients(f.to).join('') : String(f[field] ?? '').trim()
    if (!v && !(editing && field === 'secret')) e[field] = 'required'
  }
  if (f.url.trim() && KIND_FIELDS[f.kind].fields.includes('url') && !isHttpUrl(f.url.trim())) e['url'] = 'url'
  if (f.port.trim() && !(Number.isInteger(Number(f.port)) && Number(f.port) >= 1 && Number(f.port) <= 65535)) e['port'] = 'port'
  for (const k of ['ratePerMinute', 'maxAttempts'] as const) if (!Number.isInteger(Number(f[k])) || Number(f[k]) < 1) e[k] = 'positive'
  return e
}

/** The POST/PATCH body: the kind's own fields only; an empty secret on edit is left out (kept). */
export function channelBody(f: ChannelForm, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { name: f.name.trim(), enabled: f.enabled, ratePerMinute: Number(f.ratePerMinute), maxAttempts: Number(f.maxAttempts) }
  if (!editing) body['kind'] = f.kind
  for (const field of KIND_FIELDS[f.kind].fields) {
    if (field === 'secure' || field === 'allowInsecureTls') body[field] = f[field]
    else if (field === 'port') {
      if (f.port.trim()) body['port'] = Number(f.port)
    } else if (field === 'to') body['to'] = recipients(f.to)
    else if (field === 'secret') {
      if (f.secret !== '') body['secret'] = f.secret
    } else if (f[field].trim()) body[field] = f[field].trim()
  }
  return body
}

/** Who a route's messages are for (server ROUTE_AUDIENCES): duty for new alerts, the others for escalation steps. */
export const ROUTE_AUDIENCES = ['duty', 'shift_leader', 'county_leader'] as const

export interface RouteForm {
  name: string
  audience: (typeof ROUTE_AUDIENCES)[number]
  townships: string[]
  levels: string[]
  rules: string[]
  /** both empty: any time of day */
  from: string
  to: string
  channels: number[]
  enabled: boolean
}

export const blankRoute = (): RouteForm => ({ name: '', audience: 'duty', townships: [], levels: [], rules: [], from: '', to: '', channels: [], enabled: true })

export function validateRoute(f: RouteForm): Record<string, string> {
  const e: Record<string, string> = {}
  if (!f.name.trim()) e['name'] = 'required'
  if (f.channels.length === 0) e['channels'] = 'channelRequired'
  if (Boolean(f.from) !== Boolean(f.to)) e['match.hours'] = 'hoursBoth'
  else if (f.from && f.from === f.to) e['match.hours'] = 'hoursDiffer'
  return e
}

export function routeBody(f: RouteForm): Record<string, unknown> {
  const match: Record<string, unknown> = {}
  if (f.townships.length) match['townships'] = f.townships
  if (f.levels.length) match['levels'] = f.levels
  if (f.rules.length) match['rules'] = f.rules
  if (f.from && f.to) match['hours'] = { from: f.from, to: f.to }
  return { name: f.name.trim(), match, channels: f.channels, enabled: f.enabled, audience: f.audience }
}

export interface ShiftForm {
  /** datetime-local values, centre time */
  startsAt: string
  endsAt: string
  dutyOfficer: string
  shiftLeader: string
}

export function validateShift(f: ShiftForm): Record<string, string> {
  const e: Record<string, string> = {}
  for (const k of ['startsAt', 'endsAt', 'dutyOfficer', 'shiftLeader'] as const) if (!f[k].trim()) e[k] = 'required'
  if (!e['startsAt'] && !e['endsAt']) {
    const span = Date.parse(toCentreIso(f.endsAt)) - Date.parse(toCentreIso(f.startsAt))
    if (!(span > 0)) e['endsAt'] = 'endAfterStart'
    else if (span > 7 * 24 * 3600_000) e['endsAt'] = 'shiftTooLong'
  }
  return e
}

export const shiftBody = (f: ShiftForm) => ({ startsAt: toCentreIso(f.startsAt), endsAt: toCentreIso(f.endsAt), dutyOfficer: f.dutyOfficer.trim(), shiftLeader: f.shiftLeader.trim() })

/** The roster week shown: from `start` (an instant) seven days on. */
export function weekRange(start: number): { from: string; to: string } {
  return { from: new Date(start).toISOString(), to: new Date(start + 7 * 24 * 3600_000).toISOString() }
}

/** A translated message: a key under admin.notify.reasons and its parameters. */
export interface Reason {
  key: string
  params?: Record<string, string | number>
}

// The server's refusals (schema.ts, routes.ts, zod defaults) by their English text.
const FIELD_REASONS: Array<[RegExp, (m: RegExpExecArray) => Reason]> = [
  [/^(name is required|required|required for a \w+ channel)$/, () => ({ key: 'required' })],
  [/^at most (\d+) characters$/, (m) => ({ key: 'maxChars', params: { n: m[1]! } })],
  [/^must be an http:\/\/ or https:\/\/ URL$/, () => ({ key: 'url' })],
  [/^must be an e-mail address$/, () => ({ key: 'email' })],
  [/^at least one recipient$/, () => ({ key: 'required' })],
  [/^at most (\d+) recipients$/, (m) => ({ key: 'maxRecipients', params: { n: m[1]! } })],
  [/^at least (\d+)$/, (m) => ({ key: 'min', params: { n: m[1]! } })],
  [/^at most (\d+)$/, (m) => ({ key: 'max', params: { n: m[1]! } })],
  [/^already used$/, () => ({ key: 'nameTaken' })],
  [/^must be HH:MM/, () => ({ key: 'hhmm' })],
  [/^from and to must differ$/, () => ({ key: 'hoursDiffer' })],
  [/^at least one channel$/, () => ({ key: 'channelRequired' })],
  [/^at most (\d+) channels$/, (m) => ({ key: 'maxChannels', params: { n: m[1]! } })],
  [/^no channel ([\d, ]+)$/, (m) => ({ key: 'noChannel', params: { ids: m[1]! } })],
  [/^must be after (startsAt|from)$/, () => ({ key: 'endAfterStart' })],
  [/^a shift lasts at most 7 days$/, () => ({ key: 'shiftTooLong' })],
  [/^at most 62 days/, () => ({ key: 'rangeTooLong' })],
  [/^must be an ISO-8601 date-time/, () => ({ key: 'dateTime' })],
  [/^must be a 9-digit township code$/, () => ({ key: 'township' })],
  [/^Unrecognized key/i, () => ({ key: 'unknownField' })],
]

export function fieldReason(message: string): Reason {
  for (const [re, to] of FIELD_REASONS) {
    const m = re.exec(message.trim())
    if (m) return to(m)
  }
  return { key: 'invalid' }
}

/** The whole refusal: one line for the request, one reason per field (all translatable). */
export function refusal(err: unknown): { summary: Reason; fields: Record<string, Reason> } {
  const fields: Record<string, Reason> = {}
  if (!(err instanceof ApiError)) return { summary: { key: 'network' }, fields }
  for (const f of err.fields) fields[f.field] ??= fieldReason(f.message)
  const status = err.status
  const key = err.fields.length ? 'fieldsRefused' : status === 403 ? 'forbidden' : status === 404 ? 'notFound' : status === 409 ? 'conflict' : status === 401 ? 'signedOut' : status >= 500 ? 'server' : 'refused'
  return { summary: { key }, fields }
}

// Why a delivery failed (server/modules/notifications/senders.ts and Node's fetch/nodemailer).
const DELIVERY_REASONS: Array<[RegExp, (m: RegExpExecArray) => Reason]> = [
  [/^HTTP (\d{3})/, (m) => ({ key: 'deliveryHttp', params: { status: m[1]! } })],
  [/^robot error (-?\d+)/, (m) => ({ key: 'deliveryRobot', params: { code: m[1]! } })],
  [/timeout|timed out|aborted/i, () => ({ key: 'deliveryTimeout' })],
  [/ECONNREFUSED|fetch failed|ENOTFOUND|EAI_AGAIN|ECONNRESET|socket hang up/i, () => ({ key: 'deliveryUnreachable' })],
  [/certificate|self[- ]signed|TLS|SSL/i, () => ({ key: 'deliveryTls' })],
  [/auth|535|Invalid login/i, () => ({ key: 'deliveryAuth' })],
  [/redirect/i, () => ({ key: 'deliveryRedirect' })],
]

export function deliveryReason(error: string | null): Reason {
  if (!error) return { key: 'deliveryUnknown' }
  for (const [re, to] of DELIVERY_REASONS) {
    const m = re.exec(error)
    if (m) return to(m)
  }
  return { key: 'deliveryUnknown' }
}
