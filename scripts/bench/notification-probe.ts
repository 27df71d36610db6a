// POST → notification (docs/architecture.md §10): a local webhook receiver, and a channel and a
// route that send it the probe rules' alerts as Alertmanager v4 payloads, so the latency section
// can time each probe to its notification beside its `alert:new`.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ApiSession } from '../lib/api-client.ts'

export interface NotificationProbe {
  /** Alert id → when its first notification arrived (performance.now()). */
  receivedAt: Map<number, number>
  stop(): Promise<void>
}

export async function notificationProbe(admin: ApiSession, ruleIds: string[]): Promise<NotificationProbe> {
  const receivedAt = new Map<number, number>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const at = performance.now()
      try {
        const id = Number((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { commonLabels?: { alert_id?: string } }).commonLabels?.alert_id)
        if (Number.isInteger(id) && !receivedAt.has(id)) receivedAt.set(id, at)
      } catch {
        // Not a payload of ours: counted as missing by the section.
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alertmanager`
  const channel = await admin.send<{ id: number }>('/api/v1/channels', { kind: 'webhook', name: 'bench webhook', url, ratePerMinute: 6000, maxAttempts: 3 })
  await admin.send('/api/v1/notification-routes', { name: 'bench probes', match: { rules: ruleIds }, channels: [channel.id] })
  return {
    receivedAt,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
