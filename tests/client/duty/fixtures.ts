import type { AlertJson } from '../../../client/src/screens/duty/types.ts'
import { alertJson } from '../helpers/alert.ts'

export const NOW = Date.parse('2026-11-23T10:00:00+08:00')

let nextId = 1

export function alert(over: Partial<AlertJson> & { minutesAgo?: number } = {}): AlertJson {
  const { minutesAgo = 10, ...rest } = over
  const at = new Date(NOW - minutesAgo * 60_000).toISOString()
  return alertJson({ id: nextId++, township: { code: '990100001', name: '城关镇' }, ruleId: 'collective-petition', level: 'orange', raisedAt: at, ...rest })
}
