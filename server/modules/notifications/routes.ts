import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { NotificationChannelRow, NotificationOutboxRow, NotificationRouteRow } from '../../../db/schema.ts'
import type { UserPrincipal } from '../../access/principal.ts'
import { badRequest, conflict, ErrorResponse, isUniqueViolation, notFound } from '../../http-errors.ts'
import { DbId } from '../../validation.ts'
import { recordAudit } from '../audit/repository.ts'
import {
  channelsByIds,
  deleteRoute,
  findChannel,
  findRoute,
  insertChannel,
  insertRoute,
  listChannels,
  listOutbox,
  listRoutes,
  requeueDead,
  updateChannel,
  updateRoute,
  type ChannelValues,
} from './repository.ts'
import { Channel, CreateChannel, NotificationRoute, OutboxItem, RouteBody, UpdateChannel } from './schema.ts'

// Channels, routes and the outbox's dead letters (docs/architecture.md), for administrators.

const CONFIG_FIELDS = ['url', 'host', 'port', 'secure', 'user', 'from', 'to', 'allowInsecureTls', 'bodyTemplate', 'contentType'] as const

function channelJson(c: NotificationChannelRow): z.infer<typeof Channel> {
  return {
    id: c.id,
    kind: c.kind,
    name: c.name,
    enabled: c.enabled,
    ratePerMinute: c.ratePerMinute,
    maxAttempts: c.maxAttempts,
    hasSecret: c.secret !== null && c.secret !== '',
    config: c.config,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  }
}

function routeJson(r: NotificationRouteRow): z.infer<typeof NotificationRoute> {
  return { id: r.id, name: r.name, match: r.match, channels: r.channels, enabled: r.enabled, audience: r.audience, createdBy: r.createdBy, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() }
}

function outboxJson(o: NotificationOutboxRow & { channelName: string }): z.infer<typeof OutboxItem> {
  return {
    id: o.id,
    channelId: o.channelId,
    channelName: o.channelName,
    idempotencyKey: o.idempotencyKey,
    alertId: o.alertId,
    township: o.township,
    kind: o.message.kind,
    state: o.state,
    attempts: o.attempts,
    nextAttemptAt: o.nextAttemptAt.toISOString(),
    lastError: o.lastError,
    createdAt: o.createdAt.toISOString(),
    sentAt: o.sentAt?.toISOString() ?? null,
  }
}

function configOf(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(CONFIG_FIELDS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]))
}

const nameTaken = (name: string) => conflict(`a channel named ${name} exists`, [{ field: 'name', message: 'already used' }])

const routes: FastifyPluginAsyncZod = async (app) => {
  const IdParams = z.object({ id: DbId })

  app.get('/api/v1/channels', { schema: { tags: ['notifications'], summary: 'Notification channels (secrets are never returned)', response: { 200: z.object({ items: z.array(Channel) }) } } }, async () => ({
    items: (await listChannels(app.db)).map(channelJson),
  }))

  app.post('/api/v1/channels', { schema: { tags: ['notifications'], summary: 'Add a channel', body: CreateChannel, response: { 201: Channel, 409: ErrorResponse } } }, async (request, reply) => {
    const principal = request.principal as UserPrincipal
    const b = request.body
    const values: ChannelValues = { name: b.name, kind: b.kind, config: configOf(b), secret: b.secret ?? null, enabled: b.enabled ?? true, ratePerMinute: b.ratePerMinute ?? 60, maxAttempts: b.maxAttempts ?? 8 }
    try {
      const created = await app.db.transaction().execute(async (trx) => {
        const row = await insertChannel(trx, values, principal.username, app.now())
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'channel.create', target: `channel:${row.id}`, to: { ...channelJson(row), createdAt: undefined, updatedAt: undefined }, ip: request.ip })
        return row
      })
      return reply.code(201).send(channelJson(created))
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(b.name)
      throw err
    }
  })

  app.patch('/api/v1/channels/:id', { schema: { tags: ['notifications'], summary: 'Change a channel', params: IdParams, body: UpdateChannel, response: { 200: Channel, 409: ErrorResponse } } }, async (request) => {
    const principal = request.principal as UserPrincipal
    const b = request.body as Record<string, unknown>
    try {
      const updated = await app.db.transaction().execute(async (trx) => {
        const current = await findChannel(trx, request.params.id)
        if (!current) throw notFound(`channel ${request.params.id}`)
        const config = { ...current.config, ...configOf(b) }
        const changes: Partial<ChannelValues> = { config }
        for (const k of ['name', 'enabled', 'ratePerMinute', 'maxAttempts', 'secret'] as const) if (b[k] !== undefined) Object.assign(changes, { [k]: b[k] })
        const row = (await updateChannel(trx, current.id, changes, app.now()))!
        const before = channelJson(current)
        const after = channelJson(row)
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'channel.update', target: `channel:${row.id}`, from: { ...before, updatedAt: undefined }, to: { ...after, updatedAt: undefined, secretChanged: b['secret'] !== undefined }, ip: request.ip })
        return row
      })
      return channelJson(updated)
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(String(b['name']))
      throw err
    }
  })

  app.post(
    '/api/v1/channels/:id/test',
    { schema: { tags: ['notifications'], summary: 'Send a test message on a channel now (not through the outbox)', params: IdParams, response: { 200: z.object({ ok: z.boolean(), error: z.string().nullable() }) } } },
    async (request) => {
      const principal = request.principal as UserPrincipal
      const channel = await findChannel(app.db, request.params.id)
      if (!channel) throw notFound(`channel ${request.params.id}`)
      const result = await app.notifications.testSend(channel)
      await recordAudit(app.db, { actor: principal.username, actorKind: 'user', action: 'channel.test', target: `channel:${channel.id}`, to: { ok: result.ok }, note: result.error, ip: request.ip })
      return result
    },
  )

  async function checkChannels(ids: readonly number[]) {
    const found = new Set((await channelsByIds(app.db, ids)).map((c) => c.id))
    const missing = ids.filter((id) => !found.has(id))
    if (missing.length) throw badRequest(`no channel ${missing.join(', ')}`, [{ field: 'channels', message: `no channel ${missing.join(', ')}` }])
  }

  app.get('/api/v1/notification-routes', { schema: { tags: ['notifications'], summary: 'Notification routes', response: { 200: z.object({ items: z.array(NotificationRoute) }) } } }, async () => ({
    items: (await listRoutes(app.db)).map(routeJson),
  }))

  app.post('/api/v1/notification-routes', { schema: { tags: ['notifications'], summary: 'Add a route (an empty match takes every alert)', body: RouteBody, response: { 201: NotificationRoute } } }, async (request, reply) => {
    const principal = request.principal as UserPrincipal
    await checkChannels(request.body.channels)
    const created = await app.db.transaction().execute(async (trx) => {
      const row = await insertRoute(trx, request.body, principal.username, app.now())
      await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'notification_route.create', target: `notification_route:${row.id}`, to: request.body, ip: request.ip })
      return row
    })
    return reply.code(201).send(routeJson(created))
  })

  app.put('/api/v1/notification-routes/:id', { schema: { tags: ['notifications'], summary: 'Replace a route', params: IdParams, body: RouteBody, response: { 200: NotificationRoute } } }, async (request) => {
    const principal = request.principal as UserPrincipal
    await checkChannels(request.body.channels)
    const updated = await app.db.transaction().execute(async (trx) => {
      const current = await findRoute(trx, request.params.id)
      if (!current) throw notFound(`notification route ${request.params.id}`)
      const row = (await updateRoute(trx, current.id, request.body, app.now()))!
      await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'notification_route.update', target: `notification_route:${row.id}`, from: { name: current.name, match: current.match, channels: current.channels, enabled: current.enabled }, to: request.body, ip: request.ip })
      return row
    })
    return routeJson(updated)
  })

  app.delete('/api/v1/notification-routes/:id', { schema: { tags: ['notifications'], summary: 'Delete a route', params: IdParams, response: { 200: NotificationRoute } } }, async (request) => {
    const principal = request.principal as UserPrincipal
    const deleted = await app.db.transaction().execute(async (trx) => {
      const row = await deleteRoute(trx, request.params.id)
      if (!row) throw notFound(`notification route ${request.params.id}`)
      await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'notification_route.delete', target: `notification_route:${row.id}`, from: { name: row.name, match: row.match, channels: row.channels }, ip: request.ip })
      return row
    })
    return routeJson(deleted)
  })

  app.get(
    '/api/v1/notifications/outbox',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Outgoing messages, newest first: state=dead lists the dead letters; alert= the deliveries of one alert',
        querystring: z.object({ state: z.enum(['pending', 'sent', 'dead']).optional(), alert: DbId.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(OutboxItem) }) },
      },
    },
    async (request) => ({ items: (await listOutbox(app.db, { state: request.query.state, alertId: request.query.alert, limit: request.query.limit })).map(outboxJson) }),
  )

  app.post(
    '/api/v1/notifications/outbox/:id/retry',
    { schema: { tags: ['notifications'], summary: 'Send a dead letter again', params: IdParams, response: { 200: z.object({ id: z.number(), state: z.string() }) } } },
    async (request) => {
      const principal = request.principal as UserPrincipal
      const row = await app.db.transaction().execute(async (trx) => {
        const r = await requeueDead(trx, request.params.id, app.now())
        if (!r) throw notFound(`dead letter ${request.params.id}`)
        await recordAudit(trx, { actor: principal.username, actorKind: 'user', action: 'notification.retry', target: `notification:${r.id}`, from: { state: 'dead' }, to: { state: 'pending' }, ip: request.ip })
        return r
      })
      app.notifications.wake()
      return { id: row.id, state: row.state }
    },
  )
}

export default routes
