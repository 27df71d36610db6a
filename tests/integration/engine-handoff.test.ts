// How the engine hears of stored events. PGlite: the in-process bus. PostgreSQL: NOTIFY from the
// storing transaction — except from the process that leads the engine, which hands its own
// events over after the commit; one that lost the leadership while a transaction was in flight
// sends the NOTIFY after the commit instead, so the new leader hears of those events.
import pg from 'pg'
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_RULE_SET } from '../../server/domain/default-ruleset.ts'
import type { RiskEvent } from '../../server/domain/event.ts'
import { ENGINE_LOCK_KEY, EVENTS_CHANNEL } from '../../server/engine/leadership.ts'
import { build } from '../helpers/app.ts'
import { feedToken, signIn } from '../helpers/auth.ts'

const { app, database } = await build()
const analyst = await signIn(app, ['analyst'])
const duty = await signIn(app, ['duty'])
const token = await feedToken(app)
const draft = await app.inject({ method: 'POST', url: '/api/v1/rulesets', headers: analyst.headers, payload: { ...DEFAULT_RULE_SET, comment: 'test' } })
await app.inject({ method: 'POST', url: `/api/v1/rulesets/${draft.json().id}/publish`, headers: analyst.headers, payload: { comment: 'live' } })
await vi.waitFor(() => expect(app.engine.running).toBe(true), { timeout: 10_000 })

// Generous: the machine running the suite may be busy; these wait for something that must happen.
const WAIT = { timeout: 10_000, interval: 50 }
const massRule = DEFAULT_RULE_SET.rules.find((r) => r.when?.includes("'mass'"))!

async function postMass(township: string, externalId: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { authorization: `Bearer ${token}` },
    payload: { source: 'incident', externalId, township, category: 'mass', peopleCount: 30, severity: 4, occurredAt: new Date(Date.now() - 60_000).toISOString() },
  })
  expect(res.json()).toMatchObject({ accepted: 1 })
}

async function massAlert(township: string) {
  return vi.waitFor(async () => {
    const res = await app.inject({ url: `/api/v1/alerts?township=${township}`, headers: { cookie: duty.cookie } })
    const found = (res.json().items as Array<{ ruleId: string | null }>).find((a) => a.ruleId === massRule.id)
    expect(found).toBeDefined()
    return found!
  }, WAIT)
}

/** A second connection listening on the events channel, as a standby's leadership connection would. */
async function listener(url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const payloads: string[] = []
  client.on('notification', (m) => {
    if (m.channel === EVENTS_CHANNEL && m.payload) payloads.push(m.payload)
  })
  await client.query(`listen ${EVENTS_CHANNEL}`)
  return { payloads, close: () => client.end() }
}

describe('the engine leader hears of stored events', () => {
  it('scores the events stored by its own process without a NOTIFY (PostgreSQL), or through the bus (PGlite)', async () => {
    const heard = database.url ? await listener(database.url) : null
    try {
      await postMass('990100003', 'handoff-1')
      await massAlert('990100003')
      if (heard) {
        // A NOTIFY sent would have been delivered before the alert's transaction ran.
        await database.db.selectNoFrom((eb) => eb.val(1).as('x')).execute()
        expect(heard.payloads).toEqual([])
        expect(app.engineHandoff!()).toEqual({ afterCommit: expect.any(Function) })
      } else {
        expect(app.engineHandoff).toBeUndefined()
      }
    } finally {
      await heard?.close()
    }
  })

  // One process on PGlite: there is no other leader to tell, so this does not apply there (skipped, not passed).
  it.skipIf(!database.url)('sends the NOTIFY after the commit when the leadership was lost while the transaction was in flight (PostgreSQL)', async () => {
    const url = database.url!
    const heard = await listener(url)
    try {
      // A storing transaction starts while this process leads: it will hand its events over itself.
      const handoff = app.engineHandoff!()
      expect(handoff.inTransaction).toBeUndefined()
      // The leadership connection dies before the commit (a standby may now take over).
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      await admin.query(
        `select pg_terminate_backend(pid) from pg_locks
         where locktype = 'advisory' and objid = $1 and granted and database = (select oid from pg_database where datname = current_database())`,
        [ENGINE_LOCK_KEY],
      )
      await admin.end()
      await vi.waitFor(() => expect(app.engine.running).toBe(false), WAIT)
      handoff.afterCommit!([{ id: 424242 } as RiskEvent])
      await vi.waitFor(() => expect(heard.payloads).toContain('424242'), WAIT)
    } finally {
      await heard.close()
    }
    // The process takes the leadership again and goes on scoring.
    await vi.waitFor(() => expect(app.engine.running).toBe(true), { timeout: 15_000 })
    await postMass('990100005', 'handoff-2')
    await massAlert('990100005')
  })
})
