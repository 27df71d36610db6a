import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { build } from '../helpers/app.ts'
import { feedToken, signIn } from '../helpers/auth.ts'
import { baseUrl, closeAllClients, connectLive } from '../helpers/live.ts'

const { app } = await build()
const analyst = await signIn(app, ['analyst'])
const duty = await signIn(app, ['duty'])
const token = await feedToken(app)
const TOWNSHIP = '990100007'

const massRule = DEFAULT_RULE_SET.rules.find((r) => r.when?.includes("'mass'"))!

describe('the live path: an event in, an explained alert out', () => {
  it('is idle without published rules, then scores every accepted event once they are published', async () => {
    const draft = await app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { ...DEFAULT_RULE_SET, comment: 'test' } })
    const published = await app.inject({ method: 'POST', url: `/api/v1/rulesets/${draft.json().id}/publish`, headers: analyst.headers, payload: { comment: 'live' } })
    expect(published.statusCode).toBe(200)
    await vi.waitFor(() => expect(app.engine.running).toBe(true))

    const occurredAt = new Date(Date.now() - 60_000).toISOString()
    const posted = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${token}` },
      payload: { source: 'incident', externalId: 'mass-1', township: TOWNSHIP, category: 'mass', peopleCount: 30, severity: 4, occurredAt, title: '群众聚集' },
    })
    expect(posted.json()).toMatchObject({ accepted: 1 })

    const alert = await vi.waitFor(async () => {
      const res = await app.inject({ url: `/api/v1/alerts?township=${TOWNSHIP}`, headers: { cookie: duty.cookie } })
      const found = (res.json().items as Array<{ ruleId: string | null; level: string; lastEvent: { externalId: string } | null }>).find((a) => a.ruleId === massRule.id)
      expect(found).toBeDefined()
      return found!
    })
    expect(alert).toMatchObject({ level: 'red', state: 'new', lastEvent: { externalId: 'mass-1', source: 'incident' } })

    const township = (await app.inject({ url: `/api/v1/townships/${TOWNSHIP}`, headers: { cookie: duty.cookie } })).json()
    expect(township.score).toBeGreaterThan(0)
    expect(township.explanation.signals).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: massRule.id, ruleName: massRule.name, eventIds: [expect.any(Number)] })]),
    )
    expect(township.explanation.score).toBe(township.score)
  })

  it('replays a score history per day, the last day carrying today’s event', async () => {
    const res = await app.inject({ url: `/api/v1/townships/${TOWNSHIP}/history?days=7`, headers: { cookie: duty.cookie } })
    expect(res.statusCode).toBe(200)
    const { items } = res.json() as { items: Array<{ date: string; score: number; level: string }> }
    expect(items).toHaveLength(7)
    expect(items.at(-1)!.score).toBeGreaterThan(0)
    expect(items.slice(0, -2).every((d) => d.score === 0 && d.level === 'blue')).toBe(true)
    expect((await app.inject({ url: `/api/v1/townships/${TOWNSHIP}/history?days=400`, headers: { cookie: duty.cookie } })).statusCode).toBe(400)
  })

  it('pushes alert:new to a connected client for an ingested triggering event', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const client = await connectLive(baseUrl(app), { token: duty.cookie.slice('sid='.length) })
    await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${token}` },
      payload: { source: 'incident', externalId: 'mass-2', township: '990100011', category: 'mass', peopleCount: 12, occurredAt: new Date().toISOString() },
    })
    const message = await client.waitFor(() => client.of('alert:new').find((m) => m.alert.township.code === '990100011' && m.alert.ruleId === massRule.id), 'alert:new')
    expect(message).toMatchObject({ seq: expect.any(Number), alert: { level: 'red', state: 'new', lastEvent: { externalId: 'mass-2' } } })
    closeAllClients()
  })

  it('keeps a township officer to their own township', async () => {
    const officer = await signIn(app, ['township'], { township: '990100001' })
    expect((await app.inject({ url: `/api/v1/townships/${TOWNSHIP}/history`, headers: { cookie: officer.cookie } })).statusCode).toBe(403)
  })
})
