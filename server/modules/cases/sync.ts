// Keeping cases in step with their alerts, inside the alert change's own transaction
// (docs/architecture.md §6, "Cases"): a raised alert is placed into a case (the pure
// server/domain/cases.ts decides which) before its change row is written, and every case a
// transaction touched is summarised again from its members at the end, so its state, level,
// deadlines and escalation can never disagree with them.

import type { Db } from '../../../db/connect.ts'
import type { AlertCaseRow, AlertLevel, AlertRow } from '../../../db/schema.ts'
import { ackDeadlineFor, assignCase, type CaseMember, type CaseSettings, caseSettingsOf, summarizeCase, withEvent } from '../../domain/cases.ts'
import { type RuleSetDocument, ruleSetSchema } from '../../domain/ruleset.ts'
import { casesByIds, insertCase, liveRuleSetDocument, maskedEvents, membersOf, openCasesIn, saveCaseSummary, setAlertCase, toCaseJson } from './repository.ts'
import type { CaseJson } from './schema.ts'

export interface CasePush {
  push: 'case:new' | 'case:updated'
  case: CaseJson
}

interface Known {
  row: AlertCaseRow
  eventIds: number[]
  opened: boolean
}

const memberOf = (a: AlertRow): CaseMember => ({
  level: a.level,
  state: a.state,
  escalated: a.escalated,
  raisedAt: a.raisedAt.getTime(),
  ackDeadline: a.ackDeadline?.getTime() ?? null,
  deadline: a.deadline?.getTime() ?? null,
  department: a.department,
  leadOfficial: a.leadOfficial,
  resolvedAt: a.resolvedAt?.getTime() ?? null,
  closedAt: a.closedAt?.getTime() ?? null,
})

const time = (ms: number | null) => (ms === null ? null : new Date(ms))

/** Cases as one alert transaction sees and changes them. */
export class CaseBook {
  private readonly trx: Db
  private readonly now: Date
  private settingsCache: { settings: CaseSettings; names: Map<string, string> } | null = null
  private readonly byTownship = new Map<string, Known[]>()
  private readonly loaded = new Set<string>()
  private readonly touched = new Set<number>()
  private readonly known = new Map<number, Known>()

  constructor(trx: Db, now: Date) {
    this.trx = trx
    this.now = now
  }

  /** The live rule set's grouping settings and rule names (read once, when first needed). */
  private async config(): Promise<{ settings: CaseSettings; names: Map<string, string> }> {
    if (this.settingsCache) return this.settingsCache
    const raw = await liveRuleSetDocument(this.trx)
    const parsed = ruleSetSchema.safeParse(raw)
    const doc: RuleSetDocument | null = parsed.success ? parsed.data : null
    let settings: CaseSettings
    try {
      settings = caseSettingsOf(doc)
    } catch {
      settings = caseSettingsOf(null)
    }
    this.settingsCache = { settings, names: new Map((doc?.rules ?? []).map((r) => [r.id, r.name])) }
    return this.settingsCache
  }

  async ruleName(ruleId: string | null): Promise<string | null> {
    if (ruleId === null) return null
    return (await this.config()).names.get(ruleId) ?? null
  }

  async ackDeadline(level: AlertLevel): Promise<Date | null> {
    return time(ackDeadlineFor(level, this.now.getTime(), (await this.config()).settings))
  }

  /** Loads the open cases of these townships (one query for a whole engine step). */
  async preload(townships: Iterable<string>): Promise<void> {
    const missing = [...new Set(townships)].filter((t) => !this.loaded.has(t))
    if (!missing.length) return
    for (const t of missing) {
      this.loaded.add(t)
      if (!this.byTownship.has(t)) this.byTownship.set(t, [])
    }
    for (const row of await openCasesIn(this.trx, missing)) {
      const k: Known = { row, eventIds: [...row.eventIds], opened: false }
      this.byTownship.get(row.township)!.push(k)
      this.known.set(row.id, k)
    }
  }

  /** The case an alert being raised joins; null: it opens a new one (call `open` once it is inserted). */
  async place(alert: { township: string; at: number; eventId: number | null }): Promise<number | null> {
    await this.preload([alert.township])
    const mine = this.byTownship.get(alert.township)!
    const choice = assignCase(
      alert,
      mine.map((k) => ({ id: k.row.id, township: k.row.township, status: k.row.status, openedAt: k.row.openedAt.getTime(), eventIds: k.eventIds })),
      (await this.config()).settings,
    )
    if (choice.kind === 'open') return null
    this.noteEvent(choice.caseId, alert.eventId)
    return choice.caseId
  }

  /** Opens a case with this (inserted) alert as its first member and links the alert to it. */
  async open(alert: AlertRow, eventId: number | null): Promise<number> {
    const event = eventId === null ? null : ((await maskedEvents(this.trx, [eventId])).get(eventId) ?? null)
    const row = await insertCase(this.trx, {
      township: alert.township,
      level: alert.level,
      status: 'new',
      openedAt: alert.raisedAt,
      lastAlertAt: alert.raisedAt,
      createdAt: this.now,
      ackDeadline: alert.ackDeadline,
      firstAlertId: alert.id,
      eventIds: withEvent([], eventId),
      event,
      updatedAt: this.now,
    })
    await setAlertCase(this.trx, alert.id, row.id, alert.ackDeadline)
    const k: Known = { row, eventIds: [...row.eventIds], opened: true }
    this.byTownship.get(alert.township)?.push(k)
    this.known.set(row.id, k)
    this.touched.add(row.id)
    return row.id
  }

  /** A member alert changed (or saw another event): summarise its case again at the end. */
  touch(caseId: number | null, eventId: number | null = null): void {
    if (caseId === null) return
    this.touched.add(caseId)
    this.noteEvent(caseId, eventId)
  }

  private noteEvent(caseId: number, eventId: number | null) {
    this.touched.add(caseId)
    const k = this.known.get(caseId)
    if (k && eventId !== null) k.eventIds = withEvent(k.eventIds, eventId)
    else if (!k && eventId !== null) this.pendingEvents.set(caseId, withEvent(this.pendingEvents.get(caseId) ?? [], eventId))
  }
  private readonly pendingEvents = new Map<number, number[]>()

  /**
   * Summarises every touched case from its members (as they now are in the database) and saves
   * those that changed. Returns what to push for each, keyed by case id.
   */
  async sync(name: (code: string) => Promise<string>): Promise<Map<number, CasePush>> {
    const out = new Map<number, CasePush>()
    if (!this.touched.size) return out
    const ids = [...this.touched]
    this.touched.clear()
    const members = await membersOf(this.trx, ids)
    const unknown = ids.filter((id) => !this.known.has(id))
    if (unknown.length) {
      for (const row of await casesByIds(this.trx, unknown)) {
        const events = this.pendingEvents.get(row.id) ?? []
        let eventIds = [...row.eventIds]
        for (const e of events) eventIds = withEvent(eventIds, e)
        this.known.set(row.id, { row, eventIds, opened: false })
      }
    }
    for (const id of ids) {
      const k = this.known.get(id)
      const list = members.get(id)
      if (!k || !list?.length) continue
      const s = summarizeCase(list.map(memberOf))
      const before = k.row
      const fields = {
        level: s.level,
        status: s.status,
        escalated: s.escalated || before.escalated,
        lastAlertAt: new Date(s.lastAlertAt),
        ackDeadline: time(s.ackDeadline),
        deadline: time(s.deadline),
        department: s.department,
        leadOfficial: s.leadOfficial,
        acknowledgedAt: before.acknowledgedAt ?? (s.status !== 'new' ? this.now : null),
        resolvedAt: time(s.resolvedAt),
        closedAt: time(s.closedAt),
        alertCount: s.alertCount,
        eventIds: k.eventIds,
      }
      const same =
        !k.opened &&
        fields.level === before.level &&
        fields.status === before.status &&
        fields.escalated === before.escalated &&
        fields.lastAlertAt.getTime() === before.lastAlertAt.getTime() &&
        (fields.ackDeadline?.getTime() ?? null) === (before.ackDeadline?.getTime() ?? null) &&
        (fields.deadline?.getTime() ?? null) === (before.deadline?.getTime() ?? null) &&
        fields.department === before.department &&
        fields.leadOfficial === before.leadOfficial &&
        (fields.acknowledgedAt?.getTime() ?? null) === (before.acknowledgedAt?.getTime() ?? null) &&
        (fields.resolvedAt?.getTime() ?? null) === (before.resolvedAt?.getTime() ?? null) &&
        (fields.closedAt?.getTime() ?? null) === (before.closedAt?.getTime() ?? null) &&
        fields.alertCount === before.alertCount &&
        JSON.stringify(fields.eventIds) === JSON.stringify(before.eventIds)
      if (same) continue
      const row = await saveCaseSummary(this.trx, id, fields, this.now)
      const push = k.opened ? 'case:new' : 'case:updated'
      k.row = row
      k.opened = false
      out.set(id, { push, case: toCaseJson(row, await name(row.township), list.map((a) => a.id)) })
    }
    return out
  }
}
