// Free text kept off the wall (docs/architecture.md §8): an event's title and summary, a case's
// resolution and follow-up, comments — officers write names and numbers into them. The roles that
// handle them read them; a leader and a paired wall display get none of it, over REST or /live
// (live, snapshot and replay). The oracle is the text itself: it must not appear anywhere in what
// the wall receives.
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import { build } from '../helpers/app.ts'
import { feedToken, pairKiosk, signIn, type SignedIn } from '../helpers/auth.ts'
import { baseUrl, closeAllClients, connectLive, type LiveClient, tokenOf, townshipCodes } from '../helpers/live.ts'

const { app } = await build({ listen: true })
const url = baseUrl(app)
const [T1] = await townshipCodes(app)
const duty = await signIn(app, ['duty'])
const analyst = await signIn(app, ['analyst'])
const leader = await signIn(app, ['leader'])
const kiosk = await pairKiosk(app)
// The default rules, live: a mass incident raises a case.
const draft = await app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { ...DEFAULT_RULE_SET, comment: 'free text test' } })
expect(draft.statusCode, draft.body).toBe(201)
expect((await app.inject({ method: 'POST', url: `/api/v1/rulesets/${draft.json().id}/publish`, headers: analyst.headers, payload: { comment: 'live' } })).statusCode).toBe(200)

// What officers typed: each must reach duty and never the wall.
const TITLE = '王五在东湾村聚众阻工'
const SUMMARY = '王五身份证320102199003071234'
const RESOLUTION = '已与王五（13912345678）谈话化解'
const FOLLOW_UP = '回访王五家属，情绪稳定'
const COMMENT = '王五之兄王四也在场'
const SECRETS = [TITLE, SUMMARY, RESOLUTION, FOLLOW_UP, COMMENT, '王五', '13912345678']
const leaks = (body: unknown) => SECRETS.filter((s) => JSON.stringify(body).includes(s))

const get = async (who: SignedIn, path: string) => {
  const res = await app.inject({ method: 'GET', url: path, headers: who.headers })
  expect(res.statusCode, `${path}: ${res.body.slice(0, 200)}`).toBe(200)
  return res.json() as Record<string, any>
}

async function raiseAndHandle(live: LiveClient[]): Promise<{ eventId: number; caseId: number; alertIds: number[] }> {
  const token = await feedToken(app)
  const posted = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { authorization: `Bearer ${token}` },
    payload: { source: 'incident', externalId: 'free-text-1', township: T1, category: 'mass', peopleCount: 40, severity: 4, occurredAt: new Date().toISOString(), title: TITLE, summary: SUMMARY },
  })
  expect(posted.statusCode, posted.body).toBe(202)
  const eventId = (posted.json() as { ids?: number[] }).ids?.[0] ?? (await get(duty, '/api/v1/events?externalId=free-text-1')).items[0].id
  const found = await vi.waitFor(
    async () => {
      const cases = (await get(duty, `/api/v1/cases?township=${T1}&status=new`)).items.find((c: any) => c.alerts.some((a: any) => a.lastEvent?.externalId === 'free-text-1'))
      expect(cases).toBeTruthy()
      return cases
    },
    { timeout: 20_000, interval: 50 },
  )
  let version = found.version as number
  const act = async (action: string, body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/cases/${found.id}/${action}`, headers: duty.headers, payload: { version, ...body } })
    expect(res.statusCode, `${action}: ${res.body.slice(0, 200)}`).toBe(200)
    version = (res.json() as { case: { version: number } }).case.version
  }
  await act('ack', {})
  await act('dispatch', { department: '东湾派出所', leadOfficial: '分管副镇长', deadline: new Date(Date.now() + 86_400_000).toISOString() })
  await act('comment', { text: COMMENT })
  await act('resolve', { resolution: RESOLUTION })
  await act('close', { followUp: FOLLOW_UP, satisfaction: 'satisfied' })
  // Every live client has heard the close.
  for (const client of live) await client.waitFor(() => client.alertChanges().some((c) => c.alert.caseId === found.id && c.alert.state === 'closed'), 'the close')
  return { eventId, caseId: found.id, alertIds: found.alerts.map((a: any) => a.id) }
}

describe('free text and the wall', () => {
  it('duty reads every text; a leader and a paired wall get none of it, over REST and /live', async () => {
    const liveDuty = await connectLive(url, { token: tokenOf(duty.cookie) })
    const liveLeader = await connectLive(url, { token: tokenOf(leader.cookie) })
    const liveKiosk = await connectLive(url, { token: tokenOf(kiosk.cookie) })
    const { eventId, caseId, alertIds } = await raiseAndHandle([liveDuty, liveLeader, liveKiosk])
    const paths = [
      `/api/v1/events?township=${T1}&limit=50`,
      `/api/v1/events/${eventId}`,
      `/api/v1/alerts?township=${T1}&limit=50`,
      ...alertIds.map((id) => `/api/v1/alerts/${id}`),
      `/api/v1/cases?township=${T1}&limit=50`,
      `/api/v1/cases/${caseId}`,
    ]

    // Those who handle it read it all.
    const dutyViews = await Promise.all(paths.map((p) => get(duty, p)))
    expect(leaks(dutyViews).sort()).toEqual([...SECRETS].sort())
    expect((await get(duty, `/api/v1/events/${eventId}`)).title).toBe(TITLE)
    expect((await get(analyst, `/api/v1/events/${eventId}`)).title).toBe(TITLE)
    const closed = (await get(duty, `/api/v1/alerts/${alertIds[0]}`)).alert
    expect(closed).toMatchObject({ resolution: RESOLUTION, followUp: FOLLOW_UP })
    expect(leaks(liveDuty.received)).toEqual(expect.arrayContaining([RESOLUTION, FOLLOW_UP]))

    // The wall: the same pages, the same structure, no text.
    for (const who of [leader, kiosk]) {
      const views = await Promise.all(paths.map((p) => get(who, p)))
      expect(leaks(views), `REST as ${who.username}`).toEqual([])
      const event = await get(who, `/api/v1/events/${eventId}`)
      expect(event).toMatchObject({ id: eventId, category: 'mass', title: null, summary: null })
      const detail = await get(who, `/api/v1/alerts/${alertIds[0]}`)
      expect(detail.alert).toMatchObject({ state: 'closed', resolution: null, followUp: null, satisfaction: 'satisfied' })
      expect(detail.comments).toEqual([])
      expect(detail.timeline.map((e: any) => e.action)).toEqual((await get(duty, `/api/v1/alerts/${alertIds[0]}`)).timeline.map((e: any) => e.action))
    }
    expect(leaks(liveLeader.received), 'live, as a leader').toEqual([])
    expect(leaks(liveKiosk.received), 'live, as a paired wall').toEqual([])
    // The wall did hear every change, only without the text.
    expect(liveLeader.alertChanges().map((c) => c.seq)).toEqual(liveDuty.alertChanges().map((c) => c.seq))

    // Reconnecting: the snapshot and the replay from the start hold no text either.
    const replayed = await connectLive(url, { token: tokenOf(leader.cookie), offset: 0 })
    await replayed.waitFor(() => replayed.alertChanges().some((c) => c.alert.caseId === caseId && c.alert.state === 'closed'), 'the replay of the close')
    expect(leaks(replayed.received), 'snapshot and replay, as a leader').toEqual([])
    const replayedDuty = await connectLive(url, { token: tokenOf(duty.cookie), offset: 0 })
    await replayedDuty.waitFor(() => replayedDuty.alertChanges().some((c) => c.alert.caseId === caseId && c.alert.state === 'closed'), 'the replay of the close')
    expect(leaks(replayedDuty.received)).toEqual(expect.arrayContaining([RESOLUTION, FOLLOW_UP]))
    closeAllClients()
  })
})
