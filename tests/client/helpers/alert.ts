import type { Alert } from '#contract/api.ts'

/** A whole alert as the server sends it (docs/architecture.md §6), with the fields a test cares about overridden. */
export function alertJson(over: Partial<Alert> = {}): Alert {
  const at = over.raisedAt ?? '2026-11-20T08:00:00+08:00'
  return {
    id: 1,
    key: `${over.township?.code ?? '990100001'}:${over.ruleId ?? 'rule'}:${over.id ?? 1}`,
    township: { code: '990100001', name: '城关街道' },
    ruleId: null,
    level: 'red',
    state: 'new',
    escalated: false,
    recovered: false,
    recoveredAt: null,
    count: 1,
    reason: null,
    raisedAt: at,
    lastSeenAt: at,
    deadline: null,
    department: null,
    leadOfficial: null,
    resolution: null,
    followUp: null,
    satisfaction: null,
    resolvedAt: null,
    closedAt: null,
    lastEvent: null,
    suppressed: false,
    silenceId: null,
    version: 1,
    updatedAt: at,
    ...over,
  }
}
