import type { Db } from '../../db/connect.ts'
import { validateRuleSet } from '../domain/ruleset.ts'
import { listSensitivePeriods } from '../modules/calendar/repository.ts'
import { findLiveVersion, findVersion } from '../modules/rulesets/repository.ts'
import type { EngineInputs, EngineStore } from './live-engine.ts'
import { alertKeyStates, engineTownships, eventPages, firstDataTime, saveTownshipRisk, zeroReportsBetween } from './store-repository.ts'

/** The live rule set (or version `rulesetId`), compiled, with the townships and the calendar; null when there is none. */
export async function loadEngineInputs(db: Db, rulesetId?: number): Promise<EngineInputs | null> {
  const version = rulesetId === undefined ? await findLiveVersion(db) : await findVersion(db, rulesetId)
  if (!version) return null
  // 'guard': a version saved before the evaluation budget existed still runs; its over-budget
  // evaluations are skipped and counted at run time (server/domain/rule-language.ts).
  const compiled = validateRuleSet(version.document, { budget: 'guard' })
  if (!compiled.ok) throw new Error(`rule set does not validate: ${compiled.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`)
  const [townships, periods] = await Promise.all([engineTownships(db), listSensitivePeriods(db)])
  return {
    ruleSet: compiled.ruleSet,
    townships,
    calendar: periods.map((p) => ({ id: p.id, name: p.name, from: p.startsAt.getTime(), to: p.endsAt.getTime() })),
  }
}

/** The live runner's storage, over one database. */
export function engineStore(db: Db): EngineStore {
  return {
    loadInputs: () => loadEngineInputs(db),
    eventsSince: (since) => eventPages(db, { from: since, order: 'id' }),
    zeroReportsSince: (since) => zeroReportsBetween(db, since),
    saveRisk: (snapshots) => saveTownshipRisk(db, snapshots),
    dataStart: (since) => firstDataTime(db, since),
    alertKeys: () => alertKeyStates(db),
  }
}
