// The alerts service: what the live engine runner calls (applyDecisions), what the REST actions
// call (performAction) and the periodic auto-escalation (escalateOverdue). Every change of an
// alert is one alert_change row (its seq is the realtime seq of docs/architecture.md §7) and one audit row, in
// the same transaction as the change itself; changes are handed to `publish` only after commit.

import type { Db } from '../../../db/connect.ts'
import type { AlertLevel, AlertRow, LastEventSnapshot, SilenceRow } from '../../../db/schema.ts'
import { type ActionPayload, type AlertAction, type AlertLifecycle, needsAutoEscalation, transition } from '../../domain/alert-lifecycle.ts'
import type { AlertDecision } from '../../domain/engine.ts'
import { type AuditEntry, recordAudits } from '../audit/repository.ts'
import { CaseBook, type CasePush } from '../cases/sync.ts'
import { setAlertCase } from '../cases/repository.ts'
import type { AuditTable } from '../../../db/schema.ts'
import {
  activeSilences,
  findAlert,
  insertAlert,
  insertAlertChanges,
  lastChangeOf,
  lockAlertWrites,
  markEscalated,
  openAlertsByKeys,
  overdueAlerts,
  saveEngineFields,
  silenceMatches,
  toAlertJson,
  townshipNames,
  updateLifecycle,
} from './repository.ts'
import type { Alert } from './schema.ts'

/** What the engine decides about alerts (its Level type also has 'blue', which never raises an alert: rejected). */
export type { AlertDecision }
export type { LastEventSnapshot }

/** One change of one alert, as stored in alert_change and pushed to clients. */
export interface AlertChange {
  seq: number
  alertId: number
  township: string
  /** raised | updated | repeated | recovered | unsuppressed | ack | dispatch | escalate | resolve | close | comment */
  action: string
  actor: string
  /** ISO time of the change */
  at: string
  /** The realtime event to push, or null: a suppressed alert is recorded but not pushed. */
  push: 'alert:new' | 'alert:updated' | null
  alert: Alert
  /** The case the alert belongs to (null while suppressed). */
  caseId: number | null
  /** The case after this change, when it changed (set on the last change of the transaction to that case). */
  case?: CasePush
  /** An escalation policy step (action `escalation_step`): which one, and whom it reaches. */
  step?: { index: number; notify: 'duty' | 'shift_leader' | 'county_leader' }
}

export interface ApplyContext {
  now: Date
  /** Snapshots of the events named by decisions' eventId (the runner has them in hand). */
  events?: Map<number, LastEventSnapshot>
  /** Called with the changes after commit (never when `db` is a transaction owned by the caller). */
  publish?: (changes: AlertChange[]) => void
  /** Township names in memory (the region cache): a busy engine step names many townships. */
  townshipName?: (code: string) => string | undefined
  /** Runs in the changes' own transaction, after their rows are written (the notification outbox writes there). */
  inTransaction?: ChangesHook
}

/** Work done in the transaction of alert changes, after their rows are written. */
export type ChangesHook = (trx: Db, changes: AlertChange[]) => Promise<void>

const RANK: Record<AlertLevel, number> = { yellow: 1, orange: 2, red: 3 }
const ENGINE_ACTOR = 'engine'
const UNIQUE_VIOLATION = '23505'

export interface ChangeInput {
  actor: string
  actorKind: AuditTable['actorKind']
  action: string
  fromState: string | null
  note: string | null
  payload: unknown
  at: Date
  push: AlertChange['push']
  ip?: string | null
}

async function recordChange(trx: Db, row: AlertRow, name: (code: string) => Promise<string>, input: ChangeInput, cases?: ReadonlyMap<number, CasePush>): Promise<AlertChange> {
  return (await recordChanges(trx, [{ row, input }], name, cases))[0]!
}

/**
 * The alert_change and audit rows of several changes, in their order, a statement per thousand
 * rather than two per change: an engine step over a busy batch carries hundreds of decisions,
 * and per-change round trips held the alert write lock for seconds (profiled).
 */
export async function recordChanges(
  trx: Db,
  items: ReadonlyArray<{ row: AlertRow; input: ChangeInput }>,
  name: (code: string) => Promise<string>,
  cases: ReadonlyMap<number, CasePush> = new Map(),
): Promise<AlertChange[]> {
  const out: AlertChange[] = []
  // Each changed case rides on the last change of its members here: pushed once, replayed once.
  const carrier = new Map<number, number>()
  items.forEach(({ row }, i) => {
    if (row.caseId !== null && cases.has(row.caseId)) carrier.set(row.caseId, i)
  })
  const caseAt = (i: number): CasePush | undefined => {
    const id = items[i]!.row.caseId
    return id !== null && carrier.get(id) === i ? cases.get(id) : undefined
  }
  for (let start = 0; start < items.length; start += 1000) {
    const chunk = items.slice(start, start + 1000)
    const alerts: Alert[] = []
    for (const { row } of chunk) alerts.push(toAlertJson(row, await name(row.township)))
    const seqs = await insertAlertChanges(
      trx,
      chunk.map(({ row, input }, i) => ({
        alertId: row.id,
        township: row.township,
        at: input.at,
        actor: input.actor,
        action: input.action,
        fromState: input.fromState,
        toState: row.state,
        note: input.note,
        payload: input.payload,
        alert: alerts[i]!,
        push: input.push,
        caseId: row.caseId,
        casePush: caseAt(start + i)?.push ?? null,
        caseJson: caseAt(start + i)?.case ?? null,
      })),
    )
    const audits: AuditEntry[] = chunk.map(({ row, input }) => ({
      actor: input.actor,
      actorKind: input.actorKind,
      action: `alert.${input.action}`,
      target: `alert:${row.id}`,
      from: input.fromState === null ? undefined : { state: input.fromState },
      to: { state: row.state, version: row.version, escalated: row.escalated, recovered: row.recovered, level: row.level, count: row.count },
      note: input.note,
      ip: input.ip ?? null,
    }))
    await recordAudits(trx, audits)
    chunk.forEach(({ row, input }, i) => {
      const c = caseAt(start + i)
      out.push({
        seq: seqs[i]!,
        alertId: row.id,
        township: row.township,
        action: input.action,
        actor: input.actor,
        at: input.at.toISOString(),
        push: input.push,
        alert: alerts[i]!,
        caseId: row.caseId,
        ...(c ? { case: c } : {}),
      })
    })
  }
  return out
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === UNIQUE_VIOLATION
}

/** Runs `work` in a transaction holding the alert write lock (or in the caller's transaction). */
export async function inAlertTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) {
    await lockAlertWrites(db)
    return work(db)
  }
  // The lock already serialises writers; the retry covers a writer that bypassed it, which the
  // partial unique index turned into a unique violation instead of a second open alert.
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        await lockAlertWrites(trx)
        return work(trx)
      })
    } catch (err) {
      if (attempt >= 3 || !isUniqueViolation(err)) throw err
    }
  }
}

function checkDecision(d: AlertDecision): asserts d is AlertDecision & { level: AlertLevel } {
  if (!(d.level in RANK)) throw new TypeError(`alert decision for ${d.key}: level ${d.level} cannot raise an alert`)
  const key = `${d.township}|${d.ruleId ?? 'level'}`
  if (d.key !== key) throw new TypeError(`alert decision key ${d.key} does not match township and rule (${key})`)
  if (!Number.isFinite(d.at)) throw new TypeError(`alert decision for ${d.key}: at must be epoch milliseconds`)
}

function lastEventOf(d: AlertDecision, events: Map<number, LastEventSnapshot> | undefined): LastEventSnapshot | null {
  if (d.eventId === null) return null
  return events?.get(d.eventId) ?? { id: d.eventId, source: null, sourceSystem: null, externalId: null, occurredAt: null }
}

/**
 * Applies the engine's alert decisions in ONE transaction and returns the changes with their
 * seq, in order. raise: create the alert, or — an open alert with that key exists — count+1,
 * lastSeenAt, level up if higher (`updated`); repeat: the same on the open alert (creates one if
 * a person closed it while the condition holds); recover: recovered=true (it stays open until a
 * person closes it). A new alert matching an active silence is stored suppressed: recorded and
 * audited, never pushed; once no silence matches, its next raise/repeat un-suppresses it and
 * pushes it as `alert:new`.
 */
export async function applyDecisions(db: Db, decisions: readonly AlertDecision[], context: ApplyContext): Promise<AlertChange[]> {
  if (decisions.length === 0) return []
  for (const d of decisions) checkDecision(d)
  const { now, events } = context
  const changes = await inAlertTransaction(db, async (trx) => {
    const name = townshipNames(trx, context.townshipName)
    const silences = await activeSilences(trx, now)
    // Read once, then kept current as the decisions apply: one look-up per step, not per decision.
    const open = await openAlertsByKeys(trx, [...new Set(decisions.map((d) => d.key))])
    // Repeats and recoveries change the open alert in memory; each key's final row is written
    // once below. Every decision still records its own change with the alert as it then stood.
    const dirty = new Set<string>()
    const recorded: Array<{ row: AlertRow; input: ChangeInput }> = []
    // The open cases of townships that may raise a new alert, in one query.
    const cases = new CaseBook(trx, now)
    await cases.preload(decisions.filter((d) => d.kind !== 'recover' && (!open.has(d.key) || open.get(d.key)!.caseId === null)).map((d) => d.township))
    for (const d of decisions as ReadonlyArray<AlertDecision & { level: AlertLevel }>) {
      const change = await applyOne(trx, d, { now, silences, open, dirty, lastEvent: lastEventOf(d, events), cases })
      if (change) recorded.push(change)
    }
    for (const key of dirty) await saveEngineFields(trx, open.get(key)!)
    const out = await recordChanges(trx, recorded, name, await cases.sync(name))
    await context.inTransaction?.(trx, out)
    return out
  })
  if (!db.isTransaction && changes.length) context.publish?.(changes)
  return changes
}

async function applyOne(
  trx: Db,
  d: AlertDecision & { level: AlertLevel },
  ctx: { now: Date; silences: SilenceRow[]; open: Map<string, AlertRow>; dirty: Set<string>; lastEvent: LastEventSnapshot | null; cases: CaseBook },
): Promise<{ row: AlertRow; input: ChangeInput } | null> {
  const at = new Date(d.at)
  const open = ctx.open.get(d.key)
  const change = (row: AlertRow, input: ChangeInput) => {
    ctx.open.set(d.key, row)
    return { row, input }
  }
  const base = { actor: ENGINE_ACTOR, actorKind: 'system' as const, note: d.reason || null, at: ctx.now }
  const payload = { kind: d.kind, level: d.level, at: at.toISOString(), eventId: d.eventId, reason: d.reason }

  if (d.kind === 'recover') {
    if (!open || open.recovered) return null
    const row: AlertRow = { ...open, recovered: true, recoveredAt: at, version: open.version + 1, updatedAt: ctx.now }
    ctx.dirty.add(d.key)
    ctx.cases.touch(row.caseId)
    return change(row, { ...base, action: 'recovered', fromState: open.state, payload, push: open.suppressed ? null : 'alert:updated' })
  }

  const silence = ctx.silences.find((s) => silenceMatches(s.matchers, d))
  if (!open) {
    // A silenced alert joins no case (it is not shown); it is placed once it is unsuppressed.
    const caseId = silence ? null : await ctx.cases.place({ township: d.township, at: d.at, eventId: d.eventId })
    const row = await insertAlert(trx, {
      key: d.key,
      township: d.township,
      ruleId: d.ruleId,
      level: d.level,
      reason: d.reason || null,
      raisedAt: at,
      lastSeenAt: at,
      lastEventId: ctx.lastEvent?.id ?? null,
      lastEvent: ctx.lastEvent,
      suppressed: silence !== undefined,
      silenceId: silence?.id ?? null,
      updatedAt: ctx.now,
      caseId,
      ackDeadline: silence ? null : await ctx.cases.ackDeadline(d.level),
      ruleName: await ctx.cases.ruleName(d.ruleId),
    })
    if (!silence) {
      if (caseId === null) row.caseId = await ctx.cases.open(row, d.eventId)
      else ctx.cases.touch(caseId, d.eventId)
    }
    const note = silence ? `suppressed by silence ${silence.id}: ${silence.reason}` : base.note
    return change(row, { ...base, note, action: 'raised', fromState: null, payload, push: silence ? null : 'alert:new' })
  }

  const unsuppress = open.suppressed && !silence
  const level = RANK[d.level] > RANK[open.level] ? d.level : open.level
  const row: AlertRow = {
    ...open,
    count: open.count + 1,
    lastSeenAt: at.getTime() > open.lastSeenAt.getTime() ? at : open.lastSeenAt,
    level,
    levelRank: RANK[level],
    recovered: false,
    recoveredAt: null,
    ...(ctx.lastEvent ? { lastEventId: ctx.lastEvent.id, lastEvent: ctx.lastEvent } : {}),
    ...(unsuppress ? { suppressed: false } : {}),
    version: open.version + 1,
    updatedAt: ctx.now,
  }
  ctx.dirty.add(d.key)
  if (unsuppress && row.caseId === null) {
    // Shown from now on: placed into a case, with an acknowledgement deadline from now.
    row.ackDeadline = await ctx.cases.ackDeadline(row.level)
    const caseId = await ctx.cases.place({ township: row.township, at: d.at, eventId: d.eventId })
    if (caseId === null) row.caseId = await ctx.cases.open(row, d.eventId)
    else {
      row.caseId = caseId
      await setAlertCase(trx, row.id, caseId, row.ackDeadline)
      ctx.cases.touch(caseId, d.eventId)
    }
  } else ctx.cases.touch(row.caseId, d.eventId)
  const action = unsuppress ? 'unsuppressed' : d.kind === 'raise' ? 'updated' : 'repeated'
  const push = unsuppress ? 'alert:new' : open.suppressed ? null : 'alert:updated'
  return change(row, { ...base, action, fromState: open.state, payload, push })
}

// --- actions by people ---

export interface ActionInput {
  alertId: number
  action: AlertAction
  /** The version the caller saw; not checked for a comment. */
  version: number | undefined
  /** For a comment, its text is `note`. */
  payload: ActionPayload
  actor: string
  actorKind: AuditTable['actorKind']
  ip: string | null
  now: Date
  /** A township officer's township: other alerts do not exist for them. */
  scope: string | null
}

export type ActionResult =
  | { kind: 'ok'; change: AlertChange }
  | { kind: 'not_found' }
  | { kind: 'stale'; alert: Alert; by: string | null; at: Date | null }
  | { kind: 'illegal'; alert: Alert; reason: string; allowed: AlertAction[] }

export function lifecycleOf(row: AlertRow): AlertLifecycle {
  return {
    state: row.state,
    escalated: row.escalated,
    deadline: row.deadline?.getTime() ?? null,
    department: row.department,
    leadOfficial: row.leadOfficial,
    resolution: row.resolution,
    followUp: row.followUp,
    satisfaction: row.satisfaction,
    resolvedAt: row.resolvedAt?.getTime() ?? null,
    closedAt: row.closedAt?.getTime() ?? null,
  }
}

/** The one place the domain's state machine is called (adapt here if its shape changes). */
export function applyTransition(row: AlertRow, action: AlertAction, payload: ActionPayload, now: Date) {
  return transition(lifecycleOf(row), action, payload, now.getTime())
}

export async function performAction(db: Db, input: ActionInput, publish?: (changes: AlertChange[]) => void, inTransaction?: ChangesHook): Promise<ActionResult> {
  const result = await inAlertTransaction(db, async (trx): Promise<ActionResult> => {
    const name = townshipNames(trx)
    const row = await findAlert(trx, input.alertId)
    if (!row || (input.scope !== null && row.township !== input.scope)) return { kind: 'not_found' }
    if (input.action !== 'comment' && input.version !== row.version) {
      const last = await lastChangeOf(trx, row.id)
      return { kind: 'stale', alert: toAlertJson(row, await name(row.township)), by: last?.actor ?? null, at: last?.at ?? null }
    }
    const t = applyTransition(row, input.action, input.payload, input.now)
    if (!t.ok) return { kind: 'illegal', alert: toAlertJson(row, await name(row.township)), reason: t.reason, allowed: t.allowed }
    const push = row.suppressed ? null : ('alert:updated' as const)
    const base = { actor: input.actor, actorKind: input.actorKind, at: input.now, ip: input.ip, push, fromState: row.state }
    if (input.action === 'comment') {
      const text = t.auditEntry.note ?? ''
      return { kind: 'ok', change: await recordChange(trx, row, name, { ...base, action: 'comment', note: text, payload: { text } }) }
    }
    const next = t.alert
    const updated = await updateLifecycle(
      trx,
      row.id,
      row.version,
      {
        state: next.state,
        escalated: next.escalated,
        deadline: next.deadline === null ? null : new Date(next.deadline),
        department: next.department,
        leadOfficial: next.leadOfficial,
        resolution: next.resolution,
        followUp: next.followUp,
        satisfaction: next.satisfaction,
        resolvedAt: next.resolvedAt === null ? null : new Date(next.resolvedAt),
        closedAt: next.closedAt === null ? null : new Date(next.closedAt),
      },
      input.now,
    )
    if (!updated) {
      const current = (await findAlert(trx, row.id))!
      const last = await lastChangeOf(trx, row.id)
      return { kind: 'stale', alert: toAlertJson(current, await name(current.township)), by: last?.actor ?? null, at: last?.at ?? null }
    }
    const { note, ...fields } = input.payload
    const payload = { ...fields, ...(fields.deadline !== undefined ? { deadline: new Date(fields.deadline).toISOString() } : {}) }
    const cases = new CaseBook(trx, input.now)
    cases.touch(updated.caseId)
    const change = await recordChange(trx, updated, name, { ...base, action: input.action, note: note ?? null, payload: Object.keys(payload).length ? payload : null }, await cases.sync(name))
    await inTransaction?.(trx, [change])
    return { kind: 'ok', change }
  })
  if (result.kind === 'ok' && !db.isTransaction) publish?.([result.change])
  return result
}

/**
 * 挂牌督办 by the clock: escalates every open alert whose deadline has passed (actor `system`).
 * Safe to run on several processes at once: the write lock and the version check let one win.
 */
export async function escalateOverdue(db: Db, now: Date, publish?: (changes: AlertChange[]) => void, limit = 500, inTransaction?: ChangesHook): Promise<AlertChange[]> {
  const changes = await inAlertTransaction(db, async (trx) => {
    const name = townshipNames(trx)
    const due = await overdueAlerts(trx, now, limit)
    const recorded: Array<{ row: AlertRow; input: ChangeInput }> = []
    const cases = new CaseBook(trx, now)
    for (const row of due) {
      if (!needsAutoEscalation(lifecycleOf(row), now.getTime())) continue
      const t = applyTransition(row, 'escalate', { note: 'deadline passed' }, now)
      if (!t.ok) continue
      const updated = await markEscalated(trx, row.id, row.version, now)
      if (!updated) continue
      cases.touch(updated.caseId)
      recorded.push({
        row: updated,
        input: {
          actor: 'system',
          actorKind: 'system',
          action: 'escalate',
          fromState: row.state,
          note: `deadline ${row.deadline!.toISOString()} passed`,
          payload: { automatic: true, deadline: row.deadline!.toISOString() },
          at: now,
          push: row.suppressed ? null : 'alert:updated',
        },
      })
    }
    const out = recorded.length ? await recordChanges(trx, recorded, name, await cases.sync(name)) : []
    if (out.length) await inTransaction?.(trx, out)
    return out
  })
  if (!db.isTransaction && changes.length) publish?.(changes)
  return changes
}
