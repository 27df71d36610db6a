// Escalation policy steps (docs/architecture.md §6, "Escalation policy"): while a case stays
// unsigned after its acknowledgement deadline escalated it, the rule set's `cases.escalation`
// steps fire in order, each `after` the deadline. Each step is claimed with a conditional UPDATE
// of `alert_case.escalation_step` under the alert write lock, so it fires once whichever process
// scans, however often, across restarts; its `escalation_step` change (on the case's first open
// member: one timeline entry per case) reaches the notification outbox in the same transaction.

import type { Db } from '../../../db/connect.ts'
import type { AlertRow } from '../../../db/schema.ts'
import { caseSettingsOf, dueSteps } from '../../domain/cases.ts'
import { recordAudits } from '../audit/repository.ts'
import { townshipNames } from '../alerts/repository.ts'
import { type AlertChange, type ChangeInput, type ChangesHook, inAlertTransaction, recordChanges } from '../alerts/service.ts'
import type { RuleSetDocument } from '../../domain/ruleset.ts'
import { claimEscalationStep, liveRuleSetDocument, membersOf, stepCandidates } from './repository.ts'

export async function fireEscalationSteps(db: Db, now: Date, publish?: (changes: AlertChange[]) => void, limit = 200, inTransaction?: ChangesHook): Promise<AlertChange[]> {
  const changes = await inAlertTransaction(db, async (trx) => {
    const settings = caseSettingsOf((await liveRuleSetDocument(trx)) as Pick<RuleSetDocument, 'cases'> | null)
    const steps = settings.escalation
    if (!steps.length) return []
    const name = townshipNames(trx)
    const recorded: Array<{ row: AlertRow; input: ChangeInput }> = []
    const fired: Array<NonNullable<AlertChange['step']>> = []
    const audits = []
    for (const c of await stepCandidates(trx, now, steps.length, steps[0]!.afterMs, limit)) {
      const due = dueSteps({ status: c.status, ackEscalated: c.ackEscalatedAt !== null, ackDeadline: c.ackDeadline?.getTime() ?? null, fired: c.escalationStep }, now.getTime(), settings)
      if (!due.length) continue
      const member = ((await membersOf(trx, [c.id])).get(c.id) ?? []).find((m) => m.state !== 'closed')
      if (!member) continue
      const deadline = c.ackDeadline!.toISOString()
      for (const index of due) {
        if (!(await claimEscalationStep(trx, c.id, index, now))) break
        const step = steps[index - 1]!
        recorded.push({
          row: member,
          input: {
            actor: 'system',
            actorKind: 'system',
            action: 'escalation_step',
            fromState: member.state,
            note: `case ${c.id} still not acknowledged: escalation step ${index} (${step.notify})`,
            payload: { automatic: true, caseId: c.id, step: index, notify: step.notify, afterMs: step.afterMs, ackDeadline: deadline },
            at: now,
            push: member.suppressed ? null : 'alert:updated',
          },
        })
        fired.push({ index, notify: step.notify })
        audits.push({
          actor: 'system',
          actorKind: 'system' as const,
          action: 'case.escalation_step',
          target: `case:${c.id}`,
          from: { step: index - 1 },
          to: { step: index, notify: step.notify },
          note: `not acknowledged by ${deadline}`,
          ip: null,
        })
      }
    }
    const out = await recordChanges(trx, recorded, name)
    out.forEach((change, i) => {
      change.step = fired[i]
    })
    if (audits.length) await recordAudits(trx, audits)
    if (out.length) await inTransaction?.(trx, out)
    return out
  })
  if (!db.isTransaction && changes.length) publish?.(changes)
  return changes
}
