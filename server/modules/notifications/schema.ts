import { z } from 'zod'
import { ALERT_LEVELS, CHANNEL_KINDS, ROUTE_AUDIENCES } from '../../../db/schema.ts'
import { TownshipCode } from '../townships/schema.ts'
import { isoDateTime } from '../../validation.ts'

const HttpUrl = z
  .string()
  .trim()
  .max(2000, 'at most 2000 characters')
  .refine((v) => {
    try {
      const u = new URL(v)
      return u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      return false
    }
  }, 'must be an http:// or https:// URL')

const Email = z.email('must be an e-mail address').max(320)

/** A channel as sent by an administrator: the kind's own fields beside the common ones. */
const ChannelFields = {
  name: z.string().trim().min(1, 'name is required').max(100, 'at most 100 characters'),
  url: HttpUrl.optional(),
  /** Robot signing secret, SMTP password, or an SMS gateway key; write-only. */
  secret: z.string().max(500, 'at most 500 characters').optional(),
  enabled: z.boolean().optional(),
  ratePerMinute: z.number().int().min(1, 'at least 1').max(6000, 'at most 6000').optional(),
  maxAttempts: z.number().int().min(1, 'at least 1').max(50, 'at most 50').optional(),
  host: z.string().trim().min(1).max(255).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  secure: z.boolean().optional(),
  user: z.string().max(320).optional(),
  from: Email.optional(),
  to: z.array(Email).min(1, 'at least one recipient').max(50, 'at most 50 recipients').optional(),
  allowInsecureTls: z.boolean().optional(),
  bodyTemplate: z.string().min(1).max(4000, 'at most 4000 characters').optional(),
  contentType: z.enum(['application/json', 'application/x-www-form-urlencoded', 'text/plain']).optional(),
}

const REQUIRED: Record<(typeof CHANNEL_KINDS)[number], readonly (keyof typeof ChannelFields)[]> = {
  webhook: ['url'],
  wecom: ['url'],
  dingtalk: ['url'],
  feishu: ['url'],
  email: ['host', 'from', 'to'],
  sms: ['url', 'bodyTemplate'],
}

export const CreateChannel = z
  .strictObject({ kind: z.enum(CHANNEL_KINDS, `one of ${CHANNEL_KINDS.join(', ')}`), ...ChannelFields })
  .superRefine((v, ctx) => {
    for (const field of REQUIRED[v.kind]) if (v[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for a ${v.kind} channel` })
  })

export const UpdateChannel = z.strictObject(Object.fromEntries(Object.entries(ChannelFields).map(([k, f]) => [k, f.optional()])) as { [K in keyof typeof ChannelFields]: z.ZodOptional<(typeof ChannelFields)[K]> })

export const Channel = z.object({
  id: z.number(),
  kind: z.enum(CHANNEL_KINDS),
  name: z.string(),
  enabled: z.boolean(),
  ratePerMinute: z.number(),
  maxAttempts: z.number(),
  hasSecret: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00–23:59)')

export const RouteBody = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(100, 'at most 100 characters'),
  match: z
    .strictObject({
      townships: z.array(TownshipCode).max(500).optional(),
      levels: z.array(z.enum(ALERT_LEVELS)).max(3).optional(),
      rules: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
      hours: z.strictObject({ from: HHMM, to: HHMM }).refine((h) => h.from !== h.to, 'from and to must differ').optional(),
    })
    .default({}),
  channels: z.array(z.number().int().min(1)).min(1, 'at least one channel').max(20, 'at most 20 channels'),
  enabled: z.boolean().default(true),
  /** duty: new alerts and the deadline's escalation; shift_leader / county_leader: those escalation policy steps. */
  audience: z.enum(ROUTE_AUDIENCES, `one of ${ROUTE_AUDIENCES.join(', ')}`).default('duty'),
})

export const NotificationRoute = z.object({
  id: z.number(),
  name: z.string(),
  match: z.object({
    townships: z.array(z.string()).optional(),
    levels: z.array(z.enum(ALERT_LEVELS)).optional(),
    rules: z.array(z.string()).optional(),
    hours: z.object({ from: z.string(), to: z.string() }).optional(),
  }),
  channels: z.array(z.number()),
  enabled: z.boolean(),
  audience: z.enum(ROUTE_AUDIENCES),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export const ShiftBody = z
  .strictObject({
    startsAt: isoDateTime(),
    endsAt: isoDateTime(),
    dutyOfficer: z.string().trim().min(1, 'required').max(100, 'at most 100 characters'),
    shiftLeader: z.string().trim().min(1, 'required').max(100, 'at most 100 characters'),
  })
  .refine((s) => Date.parse(s.endsAt) > Date.parse(s.startsAt), { path: ['endsAt'], message: 'must be after startsAt' })
  .refine((s) => Date.parse(s.endsAt) - Date.parse(s.startsAt) <= 7 * 24 * 3600_000, { path: ['endsAt'], message: 'a shift lasts at most 7 days' })

export const Shift = z.object({ id: z.number(), startsAt: z.string(), endsAt: z.string(), dutyOfficer: z.string(), shiftLeader: z.string(), createdBy: z.string() })

export const OutboxItem = z.object({
  id: z.number(),
  channelId: z.number(),
  channelName: z.string(),
  idempotencyKey: z.string(),
  alertId: z.number().nullable(),
  township: z.string().nullable(),
  kind: z.string(),
  state: z.enum(['pending', 'sent', 'dead']),
  attempts: z.number(),
  nextAttemptAt: z.string(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
})
