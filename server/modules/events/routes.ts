import { eventWithoutFreeText, readsFreeText } from '../../access/free-text.ts'
import { decodeBody } from '../../plugins/json-body.ts'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { EventRow, EventHistoryRow } from '../../../db/schema.ts'
import { decryptJson, type Party } from '../../access/personal-data.ts'
import { townshipScope, type Principal } from '../../access/principal.ts'
import { badRequest, HttpError, notFound } from '../../http-errors.ts'
import { maskParty } from './mask.ts'
import { findEvent, listEvents } from './repository.ts'
import { EventDetail, EventList, EventQuery, type EventView, IngestResponse } from './schema.ts'
import { MAX_BATCH, Unparseable } from './service.ts'
import { parseIsoDateTime } from './time.ts'

/** Requests per minute one feed may make to POST /api/v1/events (each may carry 5,000 events). */
export const EVENTS_RATE_LIMIT_PER_MINUTE = 600

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString()

export function eventView(row: EventRow): EventView {
  return {
    id: Number(row.id),
    source: row.source,
    sourceSystem: row.sourceSystem,
    externalId: row.externalId,
    township: row.township,
    village: row.village,
    grid: row.grid,
    category: row.category,
    severity: row.severity,
    peopleCount: row.peopleCount,
    occurredAt: iso(row.occurredAt),
    reportedAt: iso(row.reportedAt),
    receivedAt: iso(row.receivedAt),
    status: row.status,
    title: row.title,
    summary: row.summary,
    attributes: row.attributes,
    partyCount: row.partyCount,
    version: row.version,
    updatedAt: iso(row.updatedAt),
  }
}

/** Only duty officers and administrators see parties unmasked (docs/architecture.md §8). */
export const seesPersonalData = (p: Principal | null) => p?.kind === 'user' && p.roles.some((r) => r === 'duty' || r === 'admin')

const encodeCursor = (row: EventRow) => Buffer.from(JSON.stringify([iso(row.occurredAt), Number(row.id)])).toString('base64url')

function decodeCursor(cursor: string): { occurredAt: Date; id: number } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown]
    const occurredAt = new Date(String(at))
    // Four-digit years only (what encodeCursor emits): JavaScript's extreme dates are outside PostgreSQL's range.
    if (typeof at === 'string' && /^\d{4}-/.test(at) && !Number.isNaN(occurredAt.getTime()) && Number.isSafeInteger(id)) return { occurredAt, id: id as number }
  } catch {
    // fall through
  }
  throw badRequest('invalid cursor: pass back the nextCursor of the previous page', [{ field: 'cursor', message: 'invalid cursor' }])
}

/** Splits an ndjson body into items; a line that is not JSON becomes an Unparseable item. */
export function parseNdjson(body: string): unknown[] {
  const lines = body.split(/\r?\n/)
  const items: unknown[] = []
  let parsed = 0
  for (const line of lines) {
    if (!line.trim()) continue
    try {
      items.push(JSON.parse(line))
      parsed++
    } catch {
      items.push(new Unparseable('this line is not valid JSON'))
    }
  }
  if (items.length && !parsed) throw new HttpError(400, 'malformed_json', 'request body is not ndjson: no line is valid JSON')
  return items
}

const routes: FastifyPluginAsyncZod = async (app) => {
  // Scoped to this plugin: only the events routes take ndjson.
  app.addContentTypeParser(['application/x-ndjson', 'application/ndjson'], { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseNdjson(decodeBody(body as Buffer)))
    } catch (err) {
      done(err as Error, undefined)
    }
  })

  app.post(
    '/api/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Ingest events (a feed token): one object, an array, or application/x-ndjson',
        description: `At most ${MAX_BATCH} events per request; valid items are stored even when others are rejected.`,
        response: { 202: IngestResponse },
      },
      config: {
        rateLimit: {
          max: EVENTS_RATE_LIMIT_PER_MINUTE,
          timeWindow: '1 minute',
          keyGenerator: (request) => (request.principal?.kind === 'feed' ? `feed:${request.principal.feedId}` : `ip:${request.ip}`),
          errorResponseBuilder: (_request, ctx) =>
            new HttpError(429, 'rate_limited', `too many requests from this feed: at most ${ctx.max} a minute; retry in ${ctx.after}`),
        },
      },
    },
    async (request, reply) => {
      const body = request.body
      let items: unknown[]
      if (Array.isArray(body)) items = body
      else if (body !== null && typeof body === 'object') items = [body]
      else throw badRequest('the body must be an event object, an array of events, or ndjson', [{ field: '(body)', message: 'must be an event object, an array of events, or ndjson' }])
      if (items.length > MAX_BATCH) {
        throw new HttpError(413, 'batch_too_large', `a batch may hold at most ${MAX_BATCH} events (got ${items.length}); split it`)
      }
      const feed = request.principal as Extract<Principal, { kind: 'feed' }>
      const result = await app.ingest.ingest(items, { feedId: feed.feedId, name: feed.name, defaultSourceSystem: feed.name })
      return reply.code(202).send({ accepted: result.accepted, updated: result.updated, duplicates: result.duplicates, rejected: result.rejected })
    },
  )

  app.get(
    '/api/v1/events',
    { schema: { tags: ['events'], summary: 'Events, newest first (occurredAt desc), with an opaque cursor', querystring: EventQuery, response: { 200: EventList } } },
    async (request) => {
      const q = request.query
      const scope = townshipScope(request.principal)
      if (scope && q.township && q.township !== scope) throw new HttpError(403, 'forbidden', 'a township officer sees only their own township')
      const time = (field: 'from' | 'to') => {
        const value = q[field]
        if (value === undefined) return undefined
        const t = parseIsoDateTime(value, app.config.tzDisplay) ?? (/^\d{4}-\d{2}-\d{2}$/.test(value) ? parseIsoDateTime(`${value}T00:00:00`, app.config.tzDisplay) : null)
        if (!t) throw badRequest(`invalid ${field}: an ISO-8601 date or date-time`, [{ field, message: 'must be an ISO-8601 date or date-time' }])
        return new Date(t.ms)
      }
      const limit = q.limit
      const rows = await listEvents(app.db, {
        source: q.source,
        category: q.category,
        township: scope ?? q.township,
        sourceSystem: q.sourceSystem,
        externalId: q.externalId,
        from: time('from'),
        to: time('to'),
        q: q.q?.trim() || undefined,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: limit + 1,
      })
      const page = rows.slice(0, limit)
      return {
        items: readsFreeText(request.principal) ? page.map(eventView) : page.map((e) => eventWithoutFreeText(eventView(e))),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
      }
    },
  )

  app.get(
    '/api/v1/events/:id',
    {
      schema: {
        tags: ['events'],
        summary: 'One event with its history; parties masked except for duty and admin',
        params: z.object({ id: z.coerce.number({ error: 'must be an event id' }).int('must be an event id').positive('must be an event id').max(Number.MAX_SAFE_INTEGER) }),
        response: { 200: EventDetail },
      },
    },
    async (request) => {
      const found = await findEvent(app.db, request.params.id)
      const scope = townshipScope(request.principal)
      // A township officer learns nothing of other townships' events, not even that they exist.
      if (!found || (scope && found.event.township !== scope)) throw notFound(`event ${request.params.id}`)
      const plain = seesPersonalData(request.principal)
      const parties = (sealed: unknown): Party[] => {
        if (typeof sealed !== 'string' || !sealed) return []
        const list = decryptJson<Party[]>(app.personalData, sealed)
        return plain ? list : list.map(maskParty)
      }
      const { event, history } = found
      const text = readsFreeText(request.principal)
      const view = eventView(event)
      return {
        ...(text ? view : eventWithoutFreeText(view)),
        parties: parties(event.partiesEnc),
        partiesMasked: !plain,
        history: history.map((h: EventHistoryRow) => {
          // The keyed party hashes match repeat parties inside the engine; no reader needs them.
          const { partiesEnc, partyHashes: _hashes, ...content } = h.content as Record<string, unknown>
          const shown = text ? content : Object.fromEntries(Object.entries(content).filter(([k]) => k !== 'title' && k !== 'summary'))
          return { version: h.version, changedAt: iso(h.changedAt), changedBy: h.changedBy, content: { ...shown, parties: parties(partiesEnc) } }
        }),
      }
    },
  )
}

export default routes
