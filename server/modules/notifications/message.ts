// What a notification says, in every channel's format (docs/architecture.md). Only the township,
// level, rule, count, deadline and a link: never a party's personal data nor an event's free text.

import { createHash } from 'node:crypto'
import type { NotificationMessage } from '../../../db/schema.ts'

const LEVEL_ZH: Record<string, string> = { red: '红色预警', orange: '橙色预警', yellow: '黄色预警' }
const KIND_ZH: Record<NotificationMessage['kind'], string> = { raised: '新预警', escalated: '超时督办', step: '逐级上报', test: '测试消息' }
const AUDIENCE_ZH: Record<string, string> = { duty: '值班员', shift_leader: '带班领导', county_leader: '县级领导' }

function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso))
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`
}

export function messageTitle(m: NotificationMessage): string {
  const level = m.level ? LEVEL_ZH[m.level] : ''
  return `【${KIND_ZH[m.kind]}】${m.township?.name ?? ''}${level ? ` ${level}` : ''}`.trim()
}

/** Plain lines, also the body of the markdown kinds (their markdown is a title line plus these). */
export function messageLines(m: NotificationMessage, timeZone: string): string[] {
  const lines: string[] = []
  if (m.township) lines.push(`乡镇：${m.township.name}（${m.township.code}）`)
  if (m.level) lines.push(`等级：${LEVEL_ZH[m.level] ?? m.level}`)
  if (m.rule) lines.push(`规则：${m.rule}`)
  if (m.count !== null) lines.push(`次数：${m.count}`)
  if (m.deadline) lines.push(`时限：${localTime(m.deadline, timeZone)}`)
  if (m.step) lines.push(`升级：第 ${m.step.index} 级，通知${AUDIENCE_ZH[m.step.audience] ?? m.step.audience}${m.step.shiftLeader ? `（${m.step.shiftLeader}）` : ''}，仍未签收`)
  lines.push(`时间：${localTime(m.at, timeZone)}`)
  lines.push(`详情：${m.link}`)
  return lines
}

export function messageText(m: NotificationMessage, timeZone: string): string {
  return [messageTitle(m), ...messageLines(m, timeZone)].join('\n')
}

export function messageMarkdown(m: NotificationMessage, timeZone: string): string {
  return [`### ${messageTitle(m)}`, ...messageLines(m, timeZone).map((l) => `> ${l}`)].join('\n')
}

/** Alertmanager webhook payload, version 4 (one alert per message). */
export function alertmanagerPayload(m: NotificationMessage, receiver: string, idempotencyKey: string, externalUrl: string) {
  const labels: Record<string, string> = { alertname: m.rule ?? 'shaowang', severity: m.level ?? 'none', kind: m.kind }
  if (m.township) labels['township'] = m.township.code
  if (m.alertId !== null) labels['alert_id'] = String(m.alertId)
  const annotations: Record<string, string> = { summary: messageTitle(m), link: m.link, idempotency_key: idempotencyKey }
  if (m.count !== null) annotations['count'] = String(m.count)
  if (m.deadline) annotations['deadline'] = m.deadline
  if (m.step) {
    labels['escalation_step'] = String(m.step.index)
    labels['audience'] = m.step.audience
  }
  const fingerprint = createHash('sha256').update(JSON.stringify(Object.entries(labels).sort())).digest('hex').slice(0, 16)
  return {
    version: '4',
    groupKey: `{}:{alert_id="${m.alertId ?? 'test'}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver,
    groupLabels: { alert_id: String(m.alertId ?? 'test') },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: externalUrl,
    alerts: [{ status: 'firing', labels, annotations, startsAt: m.at, endsAt: '0001-01-01T00:00:00Z', generatorURL: m.link, fingerprint }],
  }
}
