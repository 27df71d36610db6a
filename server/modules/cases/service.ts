// Actions on a case, and its acknowledgement deadline (docs/architecture.md §6, "Cases"). An
// action on a case is the same action on its member alerts through the alert state machine
// (server/domain/alert-lifecycle.ts), in one transaction under the alert write lock: each member
// gets its alert_change and audit rows as if acted on alone, the case one audit row of its own.
// The acknowledgement deadline is a column; the scan claims an overdue case with a conditional
// UPDATE, so it escalates exactly once whichever process scans and however often.

import type { Db } from '../../../db/connect.ts'
import type { AlertRow, AuditTable } from '../../../db/schema.ts'
import type { ActionPayload, AlertAction } from '../../domain/alert-lifecycle.ts'
import { allowedActions } from '../../domain/alert-lifecycle.ts'
import { ackOverdue, caseActionTargets } from '../../domain/cases.ts'
import { recordAudits } from '../audit/repository.ts'
import { markEscalated, toAlertJson, townshipNames, updateLifecycle } from '../alerts/repository.ts'
import type { Alert } from '../alerts/schema.ts'
import { type AlertChange, applyTransition, type ChangeInput, type ChangesHook, inAlertTransaction, recordChanges } from '../alerts/service.ts'
import { ackOverdueCases, claimAckEscalation, findCase, membersOf, toCaseJson } from './repository.ts'
import type { CaseJson } from './schema.ts'
import { CaseBook } from './sync.ts'

export interface CaseActionInput {
  caseId: number
  action: AlertAction
  /** The case version the caller saw; not checked for a comment. */
  version: number | undefined
  payload: ActionPayload
  actor: string
  actorKind: AuditTable['actorKind']
  ip: string | null
  now: Date
  /** A township officer's township: other cases do not exist for them. */
  scope: string | null
}

export type CaseActionResult =
  | { kind: 'ok'; case: CaseJson; alerts: Alert[]; changes: AlertChange[] }
  | { kind: 'not_found' }
  | { kind: 'stale'; case: CaseJson; alerts: Alert[] }
  | { kind: 'illegal'; case: CaseJson; alerts: Alert[]; reason: string; allowed: AlertAction[] }

/** The actions a case at this status takes (the alert machine's, for the case's status). */
export function caseAllowedActions(status: CaseJson['status']): AlertAction[] {
  return allowedActions({ state: status })
}

async function view(trx: Db, caseId: number, name: (code: string) => Promise<string>): Promise<{ case: CaseJson; alerts: Alert[] }> {
  const row = (await findCase(trx, caseId))!
  const members = (await membersOf(trx, [caseId])).get(caseId) ?? []
  const townshipName = await name(row.township)
  return { case: toCaseJson(row, townshipName, members.map((m) => m.id)), alerts: members.map((m) => toAlertJson(m, townshipName)) }
}

function lifecycleFields(next: ReturnType<typeof applyTransition> & { ok: true }) {
  const a = next.alert
  return {
    state: a.state,
    escalated: a.escalated,
    deadline: a.deadline === null ? null : new Date(a.deadline),
    department: a.department,
    leadOfficial: a.leadOfficial,
    resolution: a.resolution,
    followUp: a.followUp,
    satisfaction: a.satisfaction,
    resolvedAt: a.resolvedAt === null ? null : new Date(a.resolvedAt),
    closedAt: a.closedAt === null ? null : new Date(a.closedAt),
  }
}

export async function performCaseAction(db: Db, input: CaseActionInput, publish?: (changes: AlertChange[]) => void, inTransaction?: ChangesHook): Promise<CaseActionResult> {
  const result = await inAlertTransaction(db, async (trx): Promise<CaseActionResult> => {
    const name = townshipNames(trx)
    const row = await findCase(trx, input.caseId)
    if (!row || (input.scope !== null && row.township !== input.scope)) return { kind: 'not_found' }
    if (input.action !== 'comment' && input.version !== row.version) return { kind: 'stale', ...(await view(trx, row.id, name)) }
    const members = (await membersOf(trx, [row.id])).get(row.id) ?? []
    const targets = caseActionTargets(row.status, members, input.action)
    if (!targets || !targets.length) {
      return { kind: 'illegal', ...(await view(trx, row.id, name)), reason: `cannot ${input.action} a case that is ${row.status}`, allowed: caseAllowedActions(row.status) }
    }
    // Every member must take it (a dispatch deadline in the past fails them all) before any is written.
    const planned: Array<{ member: AlertRow; t: ReturnType<typeof applyTransition> & { ok: true } }> = []
    for (const member of targets) {
      const t = applyTransition(member, input.action, input.payload, input.now)
      if (!t.ok) return { kind: 'illegal', ...(await view(trx, row.id, name)), reason: `alert ${member.id}: ${t.reason}`, allowed: caseAllowedActions(row.status) }
      planned.push({ member, t })
    }
    const { note, ...fields } = input.payload
    const payload = { ...fields, ...(fields.deadline !== undefined ? { deadline: new Date(fields.deadline).toISOString() } : {}), caseId: row.id }
    const recorded: Array<{ row: AlertRow; input: ChangeInput }> = []
    const book = new CaseBook(trx, input.now)
    for (const { member, t } of planned) {
      const base = { actor: input.actor, actorKind: input.actorKind, at: input.now, ip: input.ip, push: member.suppressed ? null : ('alert:updated' as const), fromState: member.state }
      if (input.action === 'comment') {
        const text = t.auditEntry.note ?? ''
        recorded.push({ row: member, input: { ...base, action: 'comment', note: text, payload: { text, caseId: row.id } } })
        continue
      }
      // Under the alert write lock the version read above is still current.
      const updated = await updateLifecycle(trx, member.id, member.version, lifecycleFields(t), input.now)
      if (!updated) return { kind: 'stale', ...(await view(trx, row.id, name)) }
      book.touch(updated.caseId)
      recorded.push({ row: updated, input: { ...base, action: input.action, note: note ?? null, payload } })
    }
    const changes = await recordChanges(trx, recorded, name, await book.sync(name))
    const after = await view(trx, row.id, name)
    await recordAudits(trx, [
      {
        actor: input.actor,
        actorKind: input.actorKind,
        action: `case.${input.action}`,
        target: `case:${row.id}`,
        from: { status: row.status, version: row.version, escalated: row.escalated },
        to: { status: after.case.status, version: after.case.version, escalated: after.case.escalated, alerts: planned.map((p) => p.member.id) },
        note: (input.action === 'comment' ? planned[0]?.t.auditEntry.note : note) ?? null,
        ip: input.ip,
      },
    ])
    await inTransaction?.(trx, changes)
    return { kind: 'ok', ...after, changes }
  })
  if (result.kind === 'ok' && !db.isTransaction && result.changes.length) publish?.(result.changes)
  return result
}

/**
 * 挂牌督办 by the acknowledgement deadline: every case past it, unsigned and not yet escalated, is
 * escalated with its open members (actor `system`). The claim is a conditional UPDATE under the
 * alert write lock, so with several processes, a leader change or a restart mid-scan each case
 * escalates once; the escalate changes reach the notification outbox in the same transaction.
 */
export async function escalateAckOverdue(db: Db, now: Date, publish?: (changes: AlertChange[]) => void, limit = 200, inTransaction?: ChangesHook): Promise<AlertChange[]> {
  const changes = await inAlertTransaction(db, async (trx) => {
    const name = townshipNames(trx)
    const due = await ackOverdueCases(trx, now, limit)
    const recorded: Array<{ row: AlertRow; input: ChangeInput }> = []
    const book = new CaseBook(trx, now)
    const audits = []
    for (const c of due) {
      if (!ackOverdue({ status: c.status, escalated: c.escalated, ackDeadline: c.ackDeadline?.getTime() ?? null }, now.getTime())) continue
      if (!(await claimAckEscalation(trx, c.id, now))) continue
      const members = ((await membersOf(trx, [c.id])).get(c.id) ?? []).filter((m) => m.state !== 'closed')
      const deadline = c.ackDeadline!.toISOString()
      for (const m of members) {
        const t = applyTransition(m, 'escalate', { note: 'acknowledgement deadline passed' }, now)
        if (!t.ok) continue
        const updated = await markEscalated(trx, m.id, m.version, now)
        if (!updated) continue
        recorded.push({
          row: updated,
          input: {
            actor: 'system',
            actorKind: 'system',
            action: 'escalate',
            fromState: m.state,
            note: `case ${c.id} not acknowledged by ${deadline}`,
            payload: { automatic: true, reason: 'ack_deadline', ackDeadline: deadline, caseId: c.id },
            at: now,
            push: m.suppressed ? null : 'alert:updated',
          },
        })
      }
      book.touch(c.id)
      audits.push({
        actor: 'system',
        actorKind: 'system' as const,
        action: 'case.escalate',
        target: `case:${c.id}`,
        from: { status: c.status, escalated: false },
        to: { status: c.status, escalated: true, automatic: true, ackDeadline: deadline },
        note: `not acknowledged by ${deadline}`,
        ip: null,
      })
    }
    const out = await recordChanges(trx, recorded, name, await book.sync(name))
    if (audits.length) await recordAudits(trx, audits)
    if (out.length) await inTransaction?.(trx, out)
    return out
  })
  if (!db.isTransaction && changes.length) publish?.(changes)
  return changes
}
