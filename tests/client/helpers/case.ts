import type { Alert, Case } from '#contract/api.ts'

/** A whole case as the server sends it (docs/architecture.md §6, "Cases"), with the fields a test cares about overridden. */
export function caseJson(over: Partial<Case> = {}): Case {
  const at = over.openedAt ?? '2026-11-20T08:00:00+08:00'
  return {
    id: 1,
    township: { code: '990100001', name: '城关街道' },
    level: 'red',
    status: 'new',
    escalated: false,
    ackEscalatedAt: null,
    openedAt: at,
    lastAlertAt: at,
    ackDeadline: null,
    deadline: null,
    department: null,
    leadOfficial: null,
    acknowledgedAt: null,
    resolvedAt: null,
    closedAt: null,
    alertCount: over.alertIds?.length ?? 0,
    alertIds: [],
    event: null,
    version: 1,
    updatedAt: at,
    ...over,
  }
}

/** A list row: the case with its member alerts (their ids become its `alertIds`). */
export function caseRow(over: Partial<Case>, alerts: Alert[]): Case & { alerts: Alert[] } {
  const ids = alerts.map((a) => a.id)
  return { ...caseJson({ alertIds: ids, alertCount: ids.length, ...over }), alerts: alerts.map((a) => ({ ...a, caseId: over.id ?? 1 })) }
}
