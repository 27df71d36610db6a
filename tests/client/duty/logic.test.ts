import { describe, expect, it } from 'vitest'
import {
  actionBody,
  allowedActions,
  buildQueue,
  countdown,
  DEFAULT_FILTER,
  filterQuery,
  formatAge,
  isoToLocalInput,
  lastChange,
  moveSelection,
  serverFieldErrors,
  validateClose,
  validateComment,
  validateDispatch,
  validateResolve,
} from '../../../client/src/screens/duty/logic.ts'
import type { AlertState } from '../../../client/src/screens/duty/types.ts'
import { allowedActions as lifecycleActions } from '../../../server/domain/alert-lifecycle.ts'
import { alert, NOW } from './fixtures.ts'

describe('queue', () => {
  it('puts the highest level first and, within a level, the newest first', () => {
    const oldRed = alert({ id: 1, level: 'red', minutesAgo: 300 })
    const newRed = alert({ id: 2, level: 'red', minutesAgo: 5 })
    const newYellow = alert({ id: 3, level: 'yellow', minutesAgo: 1 })
    const orange = alert({ id: 4, level: 'orange', minutesAgo: 60 })
    const ids = buildQueue([newYellow, oldRed, orange, newRed], DEFAULT_FILTER, NOW).map((a) => a.id)
    expect(ids).toEqual([2, 1, 4, 3])
  })

  it('hides closed alerts by default and filters by state, level, township and age', () => {
    const list = [
      alert({ id: 1, state: 'new', level: 'red', minutesAgo: 30 }),
      alert({ id: 2, state: 'closed', level: 'red', minutesAgo: 30 }),
      alert({ id: 3, state: 'dispatched', level: 'yellow', minutesAgo: 3 * 60 }),
      alert({ id: 4, state: 'resolved', level: 'orange', minutesAgo: 3 * 24 * 60, township: { code: '990100002', name: '河西乡' } }),
    ]
    const ids = (f: Partial<typeof DEFAULT_FILTER>) => buildQueue(list, { ...DEFAULT_FILTER, ...f }, NOW).map((a) => a.id)
    expect(ids({})).toEqual([1, 4, 3])
    // Closed alerts sink below the open ones.
    expect(ids({ state: 'all' })).toEqual([1, 4, 3, 2])
    expect(ids({ state: 'closed' })).toEqual([2])
    expect(ids({ level: 'red' })).toEqual([1])
    expect(ids({ township: '990100002' })).toEqual([4])
    expect(ids({ age: '1h' })).toEqual([1])
    expect(ids({ age: '24h' })).toEqual([1, 3])
    expect(ids({ age: '7d' })).toEqual([1, 4, 3])
  })

  it('sends only the server-side filters it knows', () => {
    expect(filterQuery(DEFAULT_FILTER)).toBe('limit=100')
    expect(filterQuery({ state: 'dispatched', level: 'red', township: '990100001', age: '1h' }, 'abc', 50)).toBe(
      'state=dispatched&level=red&township=990100001&cursor=abc&limit=50',
    )
  })

  it('moves the selection with j/k, clamped at both ends', () => {
    expect(moveSelection(-1, 1, 3)).toBe(0)
    expect(moveSelection(0, 1, 3)).toBe(1)
    expect(moveSelection(2, 1, 3)).toBe(2)
    expect(moveSelection(0, -1, 3)).toBe(0)
    expect(moveSelection(0, 1, 0)).toBe(-1)
  })
})

describe('allowed actions', () => {
  const cases: Array<[AlertState, boolean, string[]]> = [
    ['new', false, ['ack', 'comment', 'escalate']],
    ['acknowledged', false, ['comment', 'dispatch', 'escalate']],
    ['dispatched', false, ['comment', 'escalate', 'resolve']],
    ['resolved', false, ['close', 'comment', 'escalate']],
    ['closed', false, ['comment']],
    // A second 督办 is allowed (the server records it): the same answer as the server's lifecycle.
    ['dispatched', true, ['comment', 'escalate', 'resolve']],
  ]
  it.each(cases)('%s (escalated: %s) allows %j', (state, escalated, expected) => {
    const alert = { state, escalated }
    expect([...allowedActions(alert)].sort()).toEqual(expected)
    expect([...allowedActions(alert)].sort()).toEqual(lifecycleActions(alert).sort())
  })
})

describe('times', () => {
  it('writes the age in the largest unit', () => {
    const at = (min: number) => new Date(NOW - min * 60_000).toISOString()
    expect(formatAge(at(0.5), NOW, 'zh-CN')).toBe('刚刚')
    expect(formatAge(at(12), NOW, 'zh-CN')).toBe('12 分钟前')
    expect(formatAge(at(135), NOW, 'zh-CN')).toBe('2 小时前')
    expect(formatAge(at(3 * 1440 + 5), NOW, 'zh-CN')).toBe('3 天前')
    expect(formatAge(at(12), NOW, 'en')).toBe('12 min ago')
    // A clock a little behind the server's never shows a negative age.
    expect(formatAge(at(-3), NOW, 'zh-CN')).toBe('刚刚')
  })

  it('counts down to a deadline and marks it overdue', () => {
    const inMin = (min: number) => new Date(NOW + min * 60_000).toISOString()
    expect(countdown(null, NOW, 'zh-CN')).toBeNull()
    expect(countdown(inMin(3 * 60 + 5), NOW, 'zh-CN')).toEqual({ overdue: false, soon: false, text: '剩余 3 小时 5 分钟' })
    expect(countdown(inMin(45), NOW, 'zh-CN')).toEqual({ overdue: false, soon: true, text: '剩余 45 分钟' })
    expect(countdown(inMin(2 * 1440 + 60), NOW, 'zh-CN')?.text).toBe('剩余 2 天 1 小时')
    expect(countdown(inMin(-(1440 + 3 * 60)), NOW, 'zh-CN')).toEqual({ overdue: true, soon: false, text: '已超期 1 天 3 小时' })
    expect(countdown(inMin(0), NOW, 'zh-CN')).toEqual({ overdue: true, soon: false, text: '已超期 0 分钟' })
    expect(countdown(inMin(90), NOW, 'en')?.text).toBe('1 h 30 min left')
    expect(countdown(inMin(-90), NOW, 'en')?.text).toBe('overdue by 1 h 30 min')
  })
})

describe('forms', () => {
  const future = isoToLocalInput(NOW + 3 * 3_600_000)
  const past = isoToLocalInput(NOW - 60_000)

  it('dispatch needs a department, a lead official and a future deadline', () => {
    expect(validateDispatch({ department: '', leadOfficial: ' ', deadline: '' }, NOW)).toEqual({
      department: 'required',
      leadOfficial: 'required',
      deadline: 'required',
    })
    expect(validateDispatch({ department: '城关镇综治办', leadOfficial: '王副镇长', deadline: past }, NOW)).toEqual({ deadline: 'future' })
    expect(validateDispatch({ department: '城关镇综治办', leadOfficial: '王副镇长', deadline: 'tomorrow' }, NOW)).toEqual({ deadline: 'invalid' })
    expect(validateDispatch({ department: '城关镇综治办', leadOfficial: '王副镇长', deadline: future }, NOW)).toEqual({})
  })

  it('resolve needs a resolution; close a follow-up and a satisfaction; comment a text', () => {
    expect(validateResolve({ resolution: '  ' })).toEqual({ resolution: 'required' })
    expect(validateResolve({ resolution: '已协调发放工资' })).toEqual({})
    expect(validateClose({ followUp: '', satisfaction: '' })).toEqual({ followUp: 'required', satisfaction: 'required' })
    expect(validateClose({ followUp: '电话回访', satisfaction: 'basically_satisfied' })).toEqual({})
    expect(validateComment({ text: '' })).toEqual({ text: 'required' })
    expect(validateComment({ text: 'x'.repeat(4001) })).toEqual({ text: 'tooLong' })
  })

  it('builds the request bodies, the deadline as ISO-8601', () => {
    const body = actionBody('dispatch', { department: ' 综治办 ', leadOfficial: '王副镇长', deadline: future })
    expect(body).toEqual({ department: '综治办', leadOfficial: '王副镇长', deadline: new Date(NOW + 3 * 3_600_000).toISOString() })
    expect(actionBody('escalate', { note: '' })).toEqual({})
    expect(actionBody('close', { followUp: '上门回访', satisfaction: 'satisfied' })).toEqual({ followUp: '上门回访', satisfaction: 'satisfied' })
  })

  it('keys the server field errors by form field', () => {
    expect(serverFieldErrors([{ field: 'body.deadline', message: 'must be in the future' }, { field: '/department', message: 'required' }])).toEqual({
      deadline: 'must be in the future',
      department: 'required',
    })
  })

  it('finds the latest change of a timeline', () => {
    expect(lastChange([])).toBeNull()
    const entry = (seq: number, actor: string) => ({ seq, at: '', actor, action: 'ack', fromState: 'new', toState: 'acknowledged', note: null, payload: null })
    expect(lastChange([entry(3, 'b'), entry(7, 'c'), entry(5, 'a')])?.actor).toBe('c')
  })
})

describe('ruleLabel', () => {
  it('names a rule from the rule set, falls back to its id, and calls a rule-less alert a level alert', async () => {
    const { ruleLabel } = await import('../../../client/src/screens/duty/logic.ts')
    const names = { 'mass-incident': '群体性事件' }
    expect(ruleLabel({ ruleId: 'mass-incident' }, names, '等级预警')).toBe('群体性事件')
    expect(ruleLabel({ ruleId: 'retired-rule' }, names, '等级预警')).toBe('retired-rule')
    expect(ruleLabel({ ruleId: null }, names, '等级预警')).toBe('等级预警')
  })
})
