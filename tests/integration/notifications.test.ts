import { afterAll, describe, expect, it, vi } from 'vitest'
import { connectDatabase } from '../../db/connect.ts'
import { backoffMs, OutboxWorker } from '../../server/modules/notifications/outbox.ts'
import { enqueueMessages } from '../../server/modules/notifications/repository.ts'
import { dingtalkSign, feishuSign } from '../../server/modules/notifications/senders.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'
import { decision, townshipCodes } from '../helpers/live.ts'
import { dingtalkSignatureValid, feishuSignatureValid, type Hit, HttpReceivers, SmtpReceiver } from '../helpers/notification-receivers.ts'

const secrets = { dingtalk: 'SECdingtalk-test-secret-0123456789', feishu: 'feishu-test-secret-abcdef' }
const http = new HttpReceivers(secrets)
const smtp = new SmtpReceiver()
await http.start()
await smtp.start()

afterAll(async () => {
  await http.stop()
  await smtp.stop()
})
const { app, database } = await build({
  notifications: { pollMs: 20, backoffMs: 20, maxBackoffMs: 80, timeoutMs: 2000, externalUrl: 'https://shaowang.example' },
})

const [T1, T2] = await townshipCodes(app)
const admin = await signIn(app, ['admin'])
const duty = await signIn(app, ['duty'])

async function addChannel(body: Record<string, unknown>): Promise<number> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: admin.headers, payload: body })
  expect(res.statusCode, res.body).toBe(201)
  return (res.json() as { id: number }).id
}

const outboxOf = (alertId: number) => app.db.selectFrom('notificationOutbox').selectAll().where('alertId', '=', alertId).orderBy('channelId').execute()
const wait = { timeout: 30_000, interval: 20 }
/** What a receiver that de-duplicates by the idempotency key keeps (a message may arrive twice: at least once). */
const distinct = (hits: Hit[]) => [...new Map(hits.map((h) => [String(h.headers['idempotency-key']), h])).values()]

describe('signatures as the robots document them', () => {
  it('钉钉 and 飞书 signatures verify, and a wrong secret does not', () => {
    const ms = Date.now()
    const q = new URLSearchParams(`timestamp=${ms}&sign=${dingtalkSign(ms, secrets.dingtalk)}`)
    expect(dingtalkSignatureValid(q, secrets.dingtalk)).toBe(true)
    expect(dingtalkSignatureValid(q, 'other')).toBe(false)
    const s = Math.floor(ms / 1000)
    expect(feishuSignatureValid({ timestamp: String(s), sign: feishuSign(s, secrets.feishu) }, secrets.feishu)).toBe(true)
    expect(feishuSignatureValid({ timestamp: String(s), sign: feishuSign(s, 'other') }, secrets.feishu)).toBe(false)
  })

  it('backoff doubles per attempt up to its cap, with jitter within the upper half', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 100, 1000, () => 1))).toEqual([100, 200, 400, 800])
    expect(backoffMs(10, 100, 1000, () => 1)).toBe(1000)
    expect(backoffMs(3, 100, 1000, () => 0)).toBe(200)
  })
})

describe('channels and routes (administrators)', () => {
  it('refuse bad input with the field, and non-admins', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: admin.headers, payload: { kind: 'dingtalk', name: 'no url' } })
    expect(bad.statusCode).toBe(400)
    expect(JSON.stringify(bad.json())).toContain('url')
    const ftp = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: admin.headers, payload: { kind: 'webhook', name: 'ftp', url: 'ftp://x' } })
    expect(ftp.statusCode).toBe(400)
    const byDuty = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: duty.headers, payload: { kind: 'webhook', name: 'x', url: 'http://127.0.0.1/' } })
    expect(byDuty.statusCode).toBe(403)
    const route = await app.inject({ method: 'POST', url: '/api/v1/notification-routes', headers: admin.headers, payload: { name: 'r', channels: [999999] } })
    expect(route.statusCode).toBe(400)
    expect(JSON.stringify(route.json())).toContain('channels')
  })
})

describe('delivery', () => {
  it('each robot, the webhook, e-mail and SMS get the alert as documented; a failing and a hanging channel end dead while the others deliver', async () => {
    const ids = {
      webhook: await addChannel({ kind: 'webhook', name: 'am', url: `${http.url}/webhook` }),
      wecom: await addChannel({ kind: 'wecom', name: '企业微信', url: `${http.url}/wecom?key=abc` }),
      dingtalk: await addChannel({ kind: 'dingtalk', name: '钉钉', url: `${http.url}/dingtalk?access_token=tok`, secret: secrets.dingtalk }),
      feishu: await addChannel({ kind: 'feishu', name: '飞书', url: `${http.url}/feishu`, secret: secrets.feishu }),
      email: await addChannel({ kind: 'email', name: 'mail', host: '127.0.0.1', port: smtp.port, from: 'shaowang@county.example', to: ['duty@county.example'] }),
      sms: await addChannel({ kind: 'sms', name: 'sms', url: `${http.url}/sms`, bodyTemplate: '{"to":"13800000000","text":"{{text}}","id":"{{key}}"}' }),
      fail: await addChannel({ kind: 'webhook', name: 'down', url: `${http.url}/fail`, maxAttempts: 3 }),
      hang: await addChannel({ kind: 'webhook', name: 'hangs', url: `${http.url}/hang`, maxAttempts: 2 }),
    }
    const list = await app.inject({ method: 'GET', url: '/api/v1/channels', headers: admin.headers })
    expect(list.body).not.toContain(secrets.dingtalk)
    const route = await app.inject({ method: 'POST', url: '/api/v1/notification-routes', headers: admin.headers, payload: { name: 'all', channels: Object.values(ids) } })
    expect(route.statusCode).toBe(201)
    // A second route only for another township: must not add messages here.
    await app.inject({ method: 'POST', url: '/api/v1/notification-routes', headers: admin.headers, payload: { name: 'T2 only', match: { townships: [T2] }, channels: [ids.webhook] } })

    const [change] = await app.alerts.applyDecisions([decision(T1!, { ruleId: 'mass-incident', level: 'red', reason: '张三 13912345678 在镇政府门口聚集' })])
    const alertId = change!.alertId
    // Written with the alert, in its transaction: there as soon as applyDecisions returns.
    expect((await outboxOf(alertId)).length).toBe(8)

    await vi.waitFor(async () => {
      const rows = await outboxOf(alertId)
      expect(rows.map((r) => r.state)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'dead', 'dead'])
    }, wait)

    const am = distinct(http.on('/webhook'))
    expect(am).toHaveLength(1)
    expect(am[0]!.json).toMatchObject({ version: '4', status: 'firing', receiver: 'am', alerts: [{ status: 'firing', labels: { alertname: 'mass-incident', severity: 'red', township: T1 } }] })
    expect(am[0]!.headers['idempotency-key']).toMatch(new RegExp(`^alert-${alertId}-`))
    expect(http.on('/wecom')[0]!.json).toMatchObject({ msgtype: 'markdown', markdown: { content: expect.stringContaining('红色预警') } })
    const ding = http.on('/dingtalk')
    expect(distinct(ding)).toHaveLength(1)
    expect(ding.every((h) => h.signed)).toBe(true)
    expect(ding[0]!.json).toMatchObject({ msgtype: 'markdown', markdown: { title: expect.any(String), text: expect.stringContaining('https://shaowang.example/duty?alert=') } })
    const fs = http.on('/feishu')
    expect(distinct(fs)).toHaveLength(1)
    expect(fs.every((h) => h.signed)).toBe(true)
    expect(fs[0]!.json).toMatchObject({ msg_type: 'text', content: { text: expect.stringContaining('红色预警') } })
    const sms = distinct(http.on('/sms'))
    expect(sms).toHaveLength(1)
    expect(sms[0]!.json).toMatchObject({ to: '13800000000', id: expect.stringMatching(/^alert-/), text: expect.stringContaining('红色预警') })
    await vi.waitFor(() => expect(smtp.mails.length).toBeGreaterThanOrEqual(1), wait)
    expect(new Set(smtp.mails.map((m) => /X-Idempotency-Key: (\S+)/.exec(m.data)?.[1])).size).toBe(1)
    expect(smtp.mails[0]!.to).toEqual(['duty@county.example'])
    expect(smtp.mails[0]!.data).toMatch(/X-Idempotency-Key: alert-/)

    // No personal data or event free text anywhere.
    for (const text of [...http.hits.map((h) => h.body), ...smtp.mails.map((m) => m.data)]) {
      expect(text).not.toContain('张三')
      expect(text).not.toContain('13912345678')
      expect(text).not.toContain('聚集')
    }

    // The failing channel was tried maxAttempts times, then dead; the hanging one timed out twice.
    expect(http.on('/fail')).toHaveLength(3)
    const rows = await outboxOf(alertId)
    const down = rows.find((r) => r.channelId === ids.fail)!
    expect(down).toMatchObject({ state: 'dead', attempts: 3, lastError: expect.stringContaining('HTTP 500') })
    expect(rows.find((r) => r.channelId === ids.hang)).toMatchObject({ state: 'dead', attempts: 2, lastError: expect.stringContaining('timeout') })

    // Dead letters, for administrators; one sent again counts from zero.
    const dead = await app.inject({ method: 'GET', url: '/api/v1/notifications/outbox?state=dead', headers: admin.headers })
    expect((dead.json() as { items: Array<{ id: number; channelName: string }> }).items.map((i) => i.channelName).sort()).toEqual(['down', 'hangs'])
    const retry = await app.inject({ method: 'POST', url: `/api/v1/notifications/outbox/${down.id}/retry`, headers: admin.headers })
    expect(retry.statusCode).toBe(200)
    await vi.waitFor(async () => expect((await app.db.selectFrom('notificationOutbox').select(['state', 'attempts']).where('id', '=', down.id).executeTakeFirstOrThrow())).toEqual({ state: 'dead', attempts: 3 }), wait)
    expect(http.on('/fail')).toHaveLength(6)

    // Every attempt is on the case's timeline: the channel, the attempt and how it ended.
    const { caseId } = await app.db.selectFrom('alert').select('caseId').where('id', '=', alertId).executeTakeFirstOrThrow()
    type Delivery = { alertId: number; channel: { name: string; kind: string }; message: string; attempt: number; outcome: string; error: string | null }
    const detail = await app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: duty.headers })
    expect(detail.statusCode, detail.body).toBe(200)
    const deliveries = (detail.json() as { deliveries: Delivery[] }).deliveries
    const of = (name: string) => deliveries.filter((d) => d.channel.name === name).map((d) => [d.attempt, d.outcome])
    expect(of('down')).toEqual([[1, 'retry'], [2, 'retry'], [3, 'dead'], [1, 'retry'], [2, 'retry'], [3, 'dead']])
    expect(of('hangs')).toEqual([[1, 'retry'], [2, 'dead']])
    for (const name of ['am', '企业微信', '钉钉', '飞书', 'mail', 'sms']) expect(of(name)).toEqual([[1, 'sent']])
    expect(deliveries.every((d) => d.alertId === alertId && d.message === 'raised')).toBe(true)
    expect(deliveries.find((d) => d.channel.name === 'down')).toMatchObject({ channel: { kind: 'webhook' }, error: expect.stringContaining('HTTP 500') })
    // A leader's copy keeps the entries but not the receivers' words.
    const leader = await signIn(app, ['leader'])
    const theirs = ((await app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: leader.headers })).json() as { deliveries: Delivery[] }).deliveries
    expect(theirs).toHaveLength(deliveries.length)
    expect(theirs.every((d) => d.error === null)).toBe(true)

    const audit = await app.db.selectFrom('audit').select('action').where('actor', '=', admin.username).execute()
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['channel.create', 'notification_route.create', 'notification.retry']))
  })

  it('an escalation past the deadline notifies; an ack does not', async () => {
    const before = distinct(http.on('/webhook')).length
    const [change] = await app.alerts.applyDecisions([decision(T1!, { ruleId: 'escalation-check', level: 'orange' })])
    await vi.waitFor(() => expect(distinct(http.on('/webhook')).length).toBe(before + 1), wait)
    const ack = await app.inject({ method: 'POST', url: `/api/v1/alerts/${change!.alertId}/ack`, headers: duty.headers, payload: { version: 1 } })
    expect(ack.statusCode).toBe(200)
    const deadline = new Date(Date.now() + 3600_000).toISOString()
    const dispatch = await app.inject({ method: 'POST', url: `/api/v1/alerts/${change!.alertId}/dispatch`, headers: duty.headers, payload: { version: 2, department: '信访办', leadOfficial: '李主任', deadline } })
    expect(dispatch.statusCode, dispatch.body).toBe(200)
    await app.alerts.escalateOverdue(new Date(Date.now() + 2 * 3600_000))
    await vi.waitFor(() => expect(distinct(http.on('/webhook')).length).toBe(before + 2), wait)
    const last = http.on('/webhook').at(-1)!
    expect(last.json.commonLabels).toMatchObject({ kind: 'escalated', alert_id: String(change!.alertId) })
    expect(last.body).not.toContain('李主任')
  })

  it('test-send reports success and failure', async () => {
    const channels = (await app.inject({ method: 'GET', url: '/api/v1/channels', headers: admin.headers })).json() as { items: Array<{ id: number; name: string }> }
    const id = (name: string) => channels.items.find((c) => c.name === name)!.id
    const ok = await app.inject({ method: 'POST', url: `/api/v1/channels/${id('钉钉')}/test`, headers: admin.headers })
    expect(ok.json()).toEqual({ ok: true, error: null })
    expect(http.on('/dingtalk').at(-1)!.signed).toBe(true)
    const down = await app.inject({ method: 'POST', url: `/api/v1/channels/${id('down')}/test`, headers: admin.headers })
    expect(down.json()).toMatchObject({ ok: false, error: expect.stringContaining('500') })
  })
})

describe('several workers on one database', () => {
  it('each of 100 messages is sent once', async () => {
    const channelId = await addChannel({ kind: 'webhook', name: 'shared', url: `${http.url}/shared`, ratePerMinute: 6000 })
    // A second and third worker, each on its own connection (pool) where the database allows it.
    const other = database.url ? await connectDatabase({ kind: 'postgres', url: database.url }) : null
    const workers = [other?.db ?? app.db, app.db].map(
      (db) => new OutboxWorker({ db, now: () => new Date(), sendOptions: () => ({ timeZone: 'Asia/Shanghai', externalUrl: 'https://shaowang.example' }) }, { pollMs: 10, batch: 5 }),
    )
    try {
      for (const w of workers) w.start()
      const now = new Date()
      await enqueueMessages(
        app.db,
        Array.from({ length: 100 }, (_, i) => ({
          channelId,
          idempotencyKey: `bulk-${i}`,
          alertId: null,
          township: null,
          message: { kind: 'test' as const, alertId: null, township: null, level: null, rule: null, count: null, deadline: null, link: 'https://shaowang.example/duty', at: now.toISOString() },
          nextAttemptAt: now,
        })),
      )
      app.notifications.wake()
      await vi.waitFor(() => expect(http.on('/shared').length).toBeGreaterThanOrEqual(100), wait)
      await Promise.all([...workers.map((w) => w.idle()), app.notifications.idle()])
      // Sent once each: a duplicate would only come from an attempt that timed out after the
      // receiver took it (then the idempotency key de-duplicates it); none of the 100 is lost.
      const rows = await app.db.selectFrom('notificationOutbox').select(['state']).where('channelId', '=', channelId).execute()
      expect(rows.map((r) => r.state)).toEqual(Array(100).fill('sent'))
      expect(distinct(http.on('/shared'))).toHaveLength(100)
      const attempts = await app.db.selectFrom('notificationOutbox').select((eb) => eb.fn.sum<number>('attempts').as('n')).where('channelId', '=', channelId).executeTakeFirstOrThrow()
      expect(http.on('/shared')).toHaveLength(Number(attempts.n))
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
      await other?.close()
    }
  })
})
