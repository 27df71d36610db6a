import type { AlertJson, AlertState, Level } from '../../../client/src/screens/duty/types.ts'

export const NOW = Date.parse('2026-11-23T10:00:00+08:00')

let nextId = 1

export function alert(over: Partial<AlertJson> & { level?: Level; state?: AlertState; minutesAgo?: number } = {}): AlertJson {
  const { minutesAgo = 10, ...rest } = over
  const id = rest.id ?? nextId++
  return {
    id,
    township: { code: '990100001', name: '城关镇' },
    ruleId: 'collective-petition',
    ruleName: '集体访',
    level: 'orange',
    state: 'new',
    escalated: false,
    recovered: false,
    count: 1,
    raisedAt: new Date(NOW - minutesAgo * 60_000).toISOString(),
    lastSeenAt: new Date(NOW - minutesAgo * 60_000).toISOString(),
    deadline: null,
    department: null,
    leadOfficial: null,
    lastEvent: null,
    version: 1,
    ...rest,
  }
}
