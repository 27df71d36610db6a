import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Alert } from '#contract/api.ts'
import type { WallEvent } from '#contract/realtime.ts'
import { MAX_ALERTS, TICKER_SIZE, useAlertsStore } from '../../client/src/stores/alerts.ts'
import { RECENT_SIZE, SEEN_IDS, TREND_DAYS, useEventsStore } from '../../client/src/stores/events.ts'
import { useRiskStore } from '../../client/src/stores/risk.ts'
import { alertJson } from './helpers/alert.ts'

const T1 = '990100001'
const T2 = '990100002'

const alert = (id: number, over: Partial<Alert> = {}): Alert =>
  alertJson({ id, township: { code: T1, name: '城关街道' }, ruleId: 'collective-petition', level: 'orange', raisedAt: new Date(Date.UTC(2026, 10, 20, 0, id % 60)).toISOString(), ...over })

beforeEach(() => {
  setActivePinia(createPinia())
})

describe('risk store', () => {
  function seeded() {
    const risk = useRiskStore()
    risk.applySnapshot({
      townships: [
        { township: T1, name: '城关镇', score: 10, level: 'blue', silent: false, updatedAt: null },
        { township: T2, name: '河口镇', score: 40, level: 'yellow', silent: false, updatedAt: null },
      ],
      alerts: [],
      seq: 10,
    })
    return risk
  }

  it('replaces the townships on a snapshot and records its seq', () => {
    const risk = seeded()
    expect(risk.townships.map((t) => [t.code, t.score, t.level])).toEqual([
      [T1, 10, 'blue'],
      [T2, 40, 'yellow'],
    ])
    expect(risk.lastSeq).toBe(10)
    risk.applySnapshot({ townships: [{ township: T2, name: '河口镇', score: 5, level: 'blue', silent: false, updatedAt: null }], alerts: [], seq: 12 })
    expect(risk.townships.map((t) => t.code)).toEqual([T2])
    expect(risk.lastSeq).toBe(12)
  })

  it('merges changes and ranks by score', () => {
    const risk = seeded()
    risk.applyChanges({ changes: [{ township: T1, score: 82, level: 'red' }], seq: 11 })
    expect(risk.ranking.map((t) => t.code)).toEqual([T1, T2])
    expect(risk.byCode.get(T1)?.level).toBe('red')
    expect(risk.lastSeq).toBe(11)
  })

  it('drops a late change older than the one applied, and never moves lastSeq back', () => {
    const risk = seeded()
    risk.applyChanges({ changes: [{ township: T1, score: 82, level: 'red' }], seq: 15 })
    risk.applyChanges({ changes: [{ township: T1, score: 20, level: 'blue' }], seq: 13 })
    expect(risk.byCode.get(T1)?.score).toBe(82)
    expect(risk.lastSeq).toBe(15)
    // another township's change at that older seq is still news for that township
    risk.applyChanges({ changes: [{ township: T2, score: 60, level: 'orange' }], seq: 14 })
    expect(risk.byCode.get(T2)?.level).toBe('orange')
    expect(risk.lastSeq).toBe(15)
  })

  it('ignores changes for townships it does not know', () => {
    const risk = seeded()
    risk.applyChanges({ changes: [{ township: '990100099', score: 99, level: 'red' }], seq: 20 })
    expect(risk.townships).toHaveLength(2)
  })

  it('keeps the last moment the data was known fresh when the connection drops', () => {
    const risk = useRiskStore()
    risk.setConnection('online', 1000)
    risk.noteSeq(3, 5000)
    risk.setConnection('offline', 9000)
    expect(risk.freshAt).toBe(9000)
    risk.setConnection('connecting', 20_000)
    expect(risk.freshAt).toBe(9000)
  })

  it('keeps the socket’s newer score when the REST list arrives later', async () => {
    const risk = seeded()
    risk.applyChanges({ changes: [{ township: T1, score: 90, level: 'red' }], seq: 11 })
    vi.stubGlobal('fetch', async () => Response.json([{ code: T1, name: '城关街道', kind: 'subdistrict', tags: [], seat: null, population: 1, score: 10, level: 'blue', silent: false, updatedAt: null }]))
    await risk.load()
    vi.unstubAllGlobals()
    expect(risk.byCode.get(T1)).toMatchObject({ name: '城关街道', score: 90, level: 'red' })
  })
})

describe('alerts store', () => {
  it('upserts by id and ignores an older version arriving late', () => {
    const alerts = useAlertsStore()
    expect(alerts.upsert(alert(1, { version: 1 }))).toBe(true)
    expect(alerts.upsert(alert(1, { version: 3, state: 'acknowledged' }))).toBe(true)
    expect(alerts.upsert(alert(1, { version: 2, state: 'new' }))).toBe(false)
    expect(alerts.all).toHaveLength(1)
    expect(alerts.all[0]?.state).toBe('acknowledged')
  })

  it('calls out unsigned red and orange alerts newest first until they are signed for, and pulses the same townships', () => {
    const alerts = useAlertsStore()
    alerts.upsert(alert(1, { level: 'red' }))
    alerts.upsert(alert(2, { level: 'orange', township: { code: T2, name: '青石镇' } }))
    alerts.upsert(alert(3, { level: 'yellow', township: { code: '990100003', name: '柳溪镇' } }))
    // Same raisedAt: the later alert (higher id) first.
    expect(alerts.callouts.map((a) => a.id)).toEqual([2, 1])
    alerts.upsert(alert(4, { level: 'red', raisedAt: new Date(Date.parse(alerts.get(1)!.raisedAt) - 60_000).toISOString(), township: { code: '990100004', name: '云岭乡' } }))
    expect(alerts.callouts.map((a) => a.id)).toEqual([2, 1, 4])
    alerts.upsert(alert(4, { level: 'red', state: 'acknowledged', version: 2 }))
    expect(Object.fromEntries(alerts.pulsing)).toEqual({ [T1]: 'red', [T2]: 'orange' })
    alerts.upsert(alert(1, { level: 'red', state: 'acknowledged', version: 2 }))
    expect(alerts.callouts.map((a) => a.id)).toEqual([2])
    expect(alerts.pulsing.has(T1)).toBe(false)
  })

  it('replaces the open alerts on a snapshot, keeping closed ones for the KPIs', () => {
    const alerts = useAlertsStore()
    alerts.upsert(alert(1))
    alerts.upsert(alert(2, { state: 'closed', satisfaction: 'satisfied' }))
    alerts.replaceOpen([alert(3)])
    expect(alerts.all.map((a) => a.id).sort()).toEqual([2, 3])
    expect(alerts.kpis.resolvedRatio).toBe(1 / 2)
  })

  it('bounds the ticker and the alerts held, never dropping an open one', () => {
    const alerts = useAlertsStore()
    for (let i = 0; i < 30; i++) alerts.upsert(alert(i, { state: 'new' }))
    for (let i = 30; i < MAX_ALERTS + 300; i++) alerts.upsert(alert(i, { state: 'closed' }))
    expect(alerts.byId.size).toBeGreaterThanOrEqual(MAX_ALERTS)
    expect(alerts.byId.size).toBeLessThanOrEqual(Math.ceil(MAX_ALERTS * 1.1))
    expect(alerts.all.filter((a) => a.state === 'new')).toHaveLength(30)
    expect(alerts.ticker).toHaveLength(TICKER_SIZE)
    const times = alerts.ticker.map((a) => Date.parse(a.lastSeenAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('is unavailable (not broken) when the alerts API is missing', async () => {
    const alerts = useAlertsStore()
    vi.stubGlobal('fetch', async () => Response.json({ error: { code: 'not_found', message: 'Route GET:/api/v1/alerts not found' } }, { status: 404 }))
    await alerts.load()
    vi.unstubAllGlobals()
    expect(alerts.available).toBe(false)
    expect(alerts.loaded).toBe(true)
  })
})

describe('events store', () => {
  const now = Date.parse('2026-11-24T04:00:00Z') // 12:00 in Beijing
  function event(id: number, occurredAt: string, over: Partial<WallEvent> = {}): WallEvent {
    return { id, source: 'dispute', category: 'wages', township: T1, occurredAt, ...over }
  }

  it('counts today by source and hour, and categories over the window; a repeated id counts once', () => {
    const events = useEventsStore()
    events.rollover(now)
    events.ingest([
      event(1, '2026-11-24T01:10:00Z'), // 09:10 Beijing
      event(2, '2026-11-24T01:50:00Z', { source: 'petition', category: 'labour' }),
      event(3, '2026-11-23T15:59:00Z'), // 23:59 on the 23rd Beijing
      event(1, '2026-11-24T01:10:00Z'),
    ])
    expect(events.todayBySource).toEqual({ dispute: 1, petition: 1, incident: 0 })
    expect(events.todayHourly[9]).toEqual({ dispute: 1, petition: 1, incident: 0 })
    expect(events.trend.days).toHaveLength(TREND_DAYS)
    expect(events.trend.series.dispute.slice(-2)).toEqual([1, 1])
    expect(events.categories[0]).toEqual({ source: 'dispute', category: 'wages', count: 2 })
    expect(events.recent.map((e) => e.id)).toEqual([2, 1, 3])
  })

  it('keeps the feed bounded and newest first even when events arrive out of order', () => {
    const events = useEventsStore()
    events.rollover(now)
    // ids arrive in order, their times scrambled (a permutation of the last 200 minutes)
    for (let i = 0; i < 200; i++) events.ingest([event(i, new Date(now - ((i * 7919) % 200) * 60_000).toISOString())])
    expect(events.recent).toHaveLength(RECENT_SIZE)
    const times = events.recent.map((e) => Date.parse(e.occurredAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('remembers at most SEEN_IDS event ids, forgetting the oldest first', () => {
    const events = useEventsStore()
    events.rollover(now)
    const at = new Date(now - 60_000).toISOString()
    for (let i = 0; i < SEEN_IDS + 700; i += 100) events.ingest(Array.from({ length: 100 }, (_, k) => event(i + k, at)))
    expect(events.seenCount).toBe(SEEN_IDS)
    const counted = events.todayBySource.dispute
    // The newest id is still remembered; the oldest was forgotten, so it would count again.
    events.ingest([event(SEEN_IDS + 699, at)])
    expect(events.todayBySource.dispute).toBe(counted)
    events.ingest([event(0, at)])
    expect(events.todayBySource.dispute).toBe(counted + 1)
    expect(events.seenCount).toBe(SEEN_IDS)
  })

  it('slides the window: days that fall out are dropped, events outside it are not counted', () => {
    const events = useEventsStore()
    events.rollover(now)
    events.ingest([event(1, '2026-10-26T04:00:00Z'), event(2, '2026-10-20T04:00:00Z')])
    expect(Object.keys(events.days)).toEqual(['2026-10-26'])
    events.rollover(now + 86_400_000)
    expect(Object.keys(events.days)).toEqual([])
    expect(events.trend.days.at(-1)).toBe('2026-11-25')
    expect(events.todayBySource).toEqual({ dispute: 0, petition: 0, incident: 0 })
  })

  it('loads the window page by page and shows an empty state on 404', async () => {
    const events = useEventsStore()
    const urls: string[] = []
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url)
      const cursor = new URL(url, 'http://x').searchParams.get('cursor')
      return cursor ? Response.json({ items: [event(2, '2026-11-24T02:00:00Z')], nextCursor: null }) : Response.json({ items: [event(1, '2026-11-24T03:00:00Z')], nextCursor: 'c1' })
    })
    await events.load(now)
    expect(urls).toHaveLength(2)
    expect(urls.every((u) => u.startsWith('/api/v1/events?'))).toBe(true)
    expect(new URL(urls[0]!, 'http://x').searchParams.get('from')).toBe('2026-10-25T16:00:00.000Z')
    expect(events.todayBySource.dispute).toBe(2)
    // loading the window again recounts it rather than adding to it
    await events.load(now)
    expect(events.todayBySource.dispute).toBe(2)
    vi.stubGlobal('fetch', async () => new Response('{}', { status: 404 }))
    await events.load(now)
    vi.unstubAllGlobals()
    expect(events.available).toBe(false)
  })
})
