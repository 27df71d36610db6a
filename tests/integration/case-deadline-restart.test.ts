// The acknowledgement deadline across a restart (docs/architecture.md §6, "Cases"), with the real
// server process: a red case nobody signs for escalates at its deadline exactly once — although
// the process is SIGKILLed before the deadline and restarted after it, and scans again after that —
// and the route's channel receives the escalation once.
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../e2e/harness.ts'
import { createFeed, signIn, submitEvents } from '../../scripts/lib/api-client.ts'
import { type Hit, HttpReceivers } from '../helpers/notification-receivers.ts'
import { isLeader, townshipScores, until } from '../helpers/server-process.ts'

const servers: RunningServer[] = []
const http = new HttpReceivers({ dingtalk: 'x', feishu: 'y' })
await http.start()
afterAll(async () => {
  for (const s of servers.reverse()) await s.stop()
  await http.stop()
})
const distinct = (hits: Hit[]) => [...new Map(hits.map((h) => [String(h.headers['idempotency-key']), h])).values()]

describe('an unacknowledged red case', () => {
  it('escalates at its deadline exactly once across a SIGKILL and restart, and its route is notified once', { timeout: 240_000 }, async () => {
    const server = await startServer({ ESCALATION_SCAN_MS: '300' })
    servers.push(server)
    await until(() => isLeader(server), 'the engine to run')
    const [township] = [...(await townshipScores(server)).keys()]
    const analyst = await signIn(server, 'analyst')
    const admin = await signIn(server, 'admin')
    const duty = await signIn(server, 'duty')

    // A rule of its own (no demo alert has its key), a 15 s acknowledgement deadline for red, and a
    // grouping window too short to fold it into a demo case.
    const live = await analyst.get<{ document: { rules: unknown[] } & Record<string, unknown> }>('/api/v1/rulesets/live')
    const rule = { id: 'deadline-test', name: '时限测试', kind: 'trigger', when: "source == 'incident' && category == 'fire' && peopleCount == 997", points: 1, halfLife: '1h', alert: 'red' }
    const draft = await analyst.send<{ id: number }>('/api/v1/rulesets', { ...live.document, rules: [...live.document.rules, rule], cases: { groupWindow: '1s', ackWithin: { red: '15s' } }, comment: 'deadline test' })
    await analyst.send(`/api/v1/rulesets/${draft.id}/publish`, { comment: 'deadline test' })

    const channel = await admin.send<{ id: number }>('/api/v1/channels', { kind: 'webhook', name: 'desk', url: `${http.url}/desk` })
    await admin.send('/api/v1/notification-routes', { name: 'deadline test', match: { rules: ['deadline-test'] }, channels: [channel.id] })

    const token = await createFeed(server, 'deadline-feed')
    const posted = await submitEvents(server, token, { source: 'incident', externalId: 'deadline-1', township, category: 'fire', peopleCount: 997, severity: 2, occurredAt: new Date().toISOString() })
    expect(posted.status).toBe(202)
    const alert = await until(async () => (await duty.get<{ items: any[] }>(`/api/v1/alerts?township=${township}&state=open&limit=200`)).items.find((a) => a.ruleId === 'deadline-test'), 'the alert', 60_000)
    expect(alert).toMatchObject({ level: 'red', ruleName: '时限测试', caseId: expect.any(Number), escalated: false })
    const caseId = alert.caseId as number
    const opened = (await duty.get<{ case: any }>(`/api/v1/cases/${caseId}`)).case
    const deadline = Date.parse(opened.ackDeadline)
    expect(deadline - Date.now()).toBeGreaterThan(3_000)
    expect(deadline - Date.now()).toBeLessThanOrEqual(15_000)
    await until(async () => distinct(http.on('/desk')).length === 1, 'the new-alert message')

    // Killed before the deadline; back after it.
    await server.kill()
    await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now() + 1_000)))
    await server.restart()

    const escalated = await until(async () => {
      const c = (await duty.get<{ case: any; timeline: any[] }>(`/api/v1/cases/${caseId}`))
      return c.case.escalated ? c : null
    }, 'the escalation', 60_000)
    expect(Date.parse(escalated.case.ackEscalatedAt)).toBeGreaterThanOrEqual(deadline)
    await until(async () => distinct(http.on('/desk')).length === 2, 'the escalation message', 30_000)

    // More scans, and another restart: nothing more.
    await server.terminate()
    await server.restart()
    await new Promise((r) => setTimeout(r, 3_000))
    const after = await duty.get<{ case: any; timeline: any[] }>(`/api/v1/cases/${caseId}`)
    const escalations = after.timeline.filter((t) => t.action === 'escalate')
    expect(escalations).toHaveLength(after.case.alertCount)
    expect(escalations.every((t) => t.actor === 'system')).toBe(true)
    const messages = distinct(http.on('/desk'))
    expect(messages).toHaveLength(2)
    expect(messages[1]!.json.commonLabels).toMatchObject({ kind: 'escalated', alert_id: String(alert.id), severity: 'red' })
  })
})
