// The demo's duty desk over its own history (docs/architecture.md §6, "The demo's history"). The backfill
// raises the cases that 60 days of events imply; a real centre would have handled most of them
// long ago. Here the demo staff do, through the same case actions a person takes (the alert state
// machine, audit and timeline), at believable moments in the past: signed within minutes,
// dispatched to the department the category belongs to, resolved within days, closed after the
// follow-up visit. Only the last hours' cases are left waiting, so a fresh demo shows a mix and
// not a wall of red. Deterministic: the same seed hands out the same history.
import type { FastifyInstance } from 'fastify'
import type { AlertCaseRow } from '../../db/schema.ts'
import type { ActionPayload, AlertAction } from '../domain/alert-lifecycle.ts'
import { openCasesIn } from '../modules/cases/repository.ts'
import { performCaseAction } from '../modules/cases/service.ts'
import { Rng } from './random.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Cases raised within this long before the demo starts wait for the person on duty. */
export const DEMO_WAITING_WINDOW = 3 * HOUR
/** Cases of the last day are signed for and with a department, not yet resolved. */
const IN_HAND_WINDOW = DAY

const DEPARTMENTS: Record<string, (town: string) => string> = {
  dispute: (town) => `${town}司法所`,
  petition: () => '县信访局',
  incident: (town) => `${town}派出所`,
}
const RESOLUTIONS: Record<string, readonly string[]> = {
  dispute: ['经人民调解，双方达成书面协议', '经司法所组织调解，当事人和解', '引导当事人通过诉讼途径解决，已立案'],
  petition: ['已书面答复信访人，诉求依政策解决', '相关部门现场办理，诉求已落实', '依法依规作出处理意见并送达'],
  incident: ['现场处置完毕，秩序恢复', '人员已劝离，相关责任人依法处理', '已查明情况，纠纷移交调解组织'],
}
const FOLLOW_UPS = ['电话回访，当事人对处理结果表示认可', '上门回访，矛盾未反弹', '回访村（社区）网格员，情况稳定']

export interface DemoDeskSummary {
  waiting: number
  inHand: number
  resolved: number
  closed: number
}

type Step = { action: AlertAction; at: number; payload: ActionPayload }

/** The actions the desk takes on one case, in order, each before `now`. */
export function deskSteps(c: Pick<AlertCaseRow, 'id' | 'openedAt' | 'event'>, townName: string, now: number, rng: Rng): Step[] {
  const opened = c.openedAt.getTime()
  const age = now - opened
  if (age < DEMO_WAITING_WINDOW) return []
  const source = c.event?.source ?? 'incident'
  const short = townName.replace(/(街道|镇|乡)$/, '')
  const steps: Step[] = []
  let at = opened + rng.int(2, 15) * MINUTE
  steps.push({ action: 'ack', at, payload: { note: '值班员已签收' } })
  at += rng.int(10, 45) * MINUTE
  const department = (DEPARTMENTS[source] ?? DEPARTMENTS['incident']!)(short)
  const dispatchedAt = at
  steps.push({ action: 'dispatch', at, payload: { department, leadOfficial: `${townName}分管副职`, deadline: at + rng.int(2, 5) * DAY, note: '分流移交责任单位' } })
  if (age < IN_HAND_WINDOW) return steps
  if (rng.chance(0.12)) {
    at += rng.int(1, 6) * HOUR
    steps.push({ action: 'escalate', at, payload: { note: '情况反复，县综治中心挂牌督办' } })
  }
  at = Math.max(at, dispatchedAt + rng.int(4, 60) * HOUR)
  if (at >= now - HOUR) return steps
  steps.push({ action: 'resolve', at, payload: { resolution: rng.pick(RESOLUTIONS[source] ?? RESOLUTIONS['incident']!) } })
  at += rng.int(12, 72) * HOUR
  if (at >= now - 10 * MINUTE) return steps
  const satisfaction = rng.weighted(['satisfied', 'basically_satisfied', 'dissatisfied'] as const, (s) => (s === 'satisfied' ? 7 : s === 'basically_satisfied' ? 2.5 : 0.5))
  steps.push({ action: 'close', at, payload: { followUp: rng.pick(FOLLOW_UPS), satisfaction } })
  return steps
}

/** Hands the backfilled cases to the demo staff (`actor`); returns how many ended where. */
export async function handleDemoHistory(app: FastifyInstance, options: { now: number; seed: string; actor: string }): Promise<DemoDeskSummary> {
  const cases = await openCasesIn(app.db, app.regions.townships().map((t) => t.code))
  const summary: DemoDeskSummary = { waiting: 0, inHand: 0, resolved: 0, closed: 0 }
  for (const c of cases.sort((a, b) => a.id - b.id)) {
    const rng = new Rng(`${options.seed}|desk|${c.id}`)
    const steps = deskSteps(c, app.regions.get(c.township)?.name ?? c.township, options.now, rng)
    let version = c.version
    for (const step of steps) {
      const result = await performCaseAction(
        app.db,
        { caseId: c.id, action: step.action, version, payload: step.payload, actor: options.actor, actorKind: 'user', ip: null, now: new Date(step.at), scope: null },
        app.alerts.publish,
      )
      if (result.kind !== 'ok') {
        app.log.warn({ caseId: c.id, action: step.action, result: result.kind }, 'demo desk: a historic case was left where it was')
        break
      }
      version = result.case.version
    }
    const last = steps.at(-1)?.action
    if (!last) summary.waiting += 1
    else if (last === 'close') summary.closed += 1
    else if (last === 'resolve') summary.resolved += 1
    else summary.inHand += 1
  }
  return summary
}
