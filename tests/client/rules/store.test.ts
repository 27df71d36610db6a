import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resetApi } from '../../../client/src/lib/api.ts'
import type { RuleSetDocument } from '../../../client/src/screens/rules/logic.ts'
import { documentFromImport, useRulesStore, VALIDATE_DEBOUNCE_MS } from '../../../client/src/stores/rules.ts'
import { mockFetch, session } from '../helpers/fetch.ts'

const doc: RuleSetDocument = {
  levels: { yellow: 30, orange: 55, red: 80 },
  hysteresis: 5,
  rules: [{ id: 'collective', name: '集体访', kind: 'trigger', when: "source == 'petition' && peopleCount >= 5", points: 25, halfLife: '72h' }],
}
const summary = (id: number, status: 'draft' | 'published' | 'retired') => ({
  id, version: id, status, comment: null, basedOn: null, createdBy: 'analyst', createdAt: '2026-03-01T00:00:00.000Z', publishedAt: null, publishedBy: null, publishComment: null,
})

function baseRoutes() {
  return {
    ...session,
    'GET /api/v1/rulesets': { body: [summary(2, 'draft'), summary(1, 'published')] },
    'GET /api/v1/rulesets/live': { body: { ...summary(1, 'published'), document: doc } },
    'GET /api/v1/rulesets/:id': { body: { ...summary(1, 'published'), document: doc } },
    'GET /api/v1/townships': { body: [{ code: '990100001', name: '城关镇' }] },
    'GET /api/v1/calendar': { body: [] },
  }
}

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('rules store', () => {
  it('loads the versions, the live set and opens the live version; matches missing → null', async () => {
    mockFetch(baseRoutes())
    const store = useRulesStore()
    await store.load()
    await vi.waitFor(() => expect(store.openId).toBe(1))
    expect(store.versions.map((v) => v.id)).toEqual([2, 1])
    expect(store.live?.id).toBe(1)
    expect(store.document).toEqual(doc)
    expect(store.dirty).toBe(false)
    expect(store.matches).toBeNull()
  })

  it('keeps the matches of the last 7 days per rule when the endpoint answers', async () => {
    mockFetch({ ...baseRoutes(), 'GET /api/v1/rulesets/:id/matches': { body: { rules: [{ ruleId: 'collective', matches: 7, budgetExceeded: 2 }] } } })
    const store = useRulesStore()
    await store.load()
    await vi.waitFor(() => expect(store.matches).toEqual({ collective: 7 }))
    // The rule's health beside: evaluations skipped for the evaluation budget.
    expect(store.budgetExceeded).toEqual({ collective: 2 })
  })

  it('validates 300 ms after the last edit, with the CSRF token, and keeps the errors per path', async () => {
    vi.useFakeTimers()
    const { calls } = mockFetch({
      ...baseRoutes(),
      'POST /api/v1/rulesets/validate': { body: { ok: false, errors: [{ path: 'rules[0].when', message: 'unknown variable x', position: { line: 1, column: 1, offset: 0 } }] } },
    })
    const store = useRulesStore()
    await store.open(1)
    store.document.rules[0]!.when = 'x'
    await vi.advanceTimersByTimeAsync(100)
    store.document.rules[0]!.when = 'x =='
    await vi.advanceTimersByTimeAsync(VALIDATE_DEBOUNCE_MS - 10)
    expect(calls.filter((c) => c.url === '/api/v1/rulesets/validate')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(20)
    await vi.waitFor(() => expect(store.issues).toHaveLength(1))
    const validations = calls.filter((c) => c.url === '/api/v1/rulesets/validate')
    expect(validations).toHaveLength(1)
    expect((validations[0]!.body as RuleSetDocument).rules[0]!.when).toBe('x ==')
    expect(validations[0]!.headers.get('x-csrf-token')).toBe('csrf-1')
    expect(store.issues[0]!.path).toBe('rules[0].when')
  })

  it('saves a draft based on the open version and opens it', async () => {
    const routes = baseRoutes()
    const { calls } = mockFetch({
      ...routes,
      'POST /api/v1/rulesets': { status: 201, body: { id: 3, version: 3, status: 'draft' } },
      'GET /api/v1/rulesets/:id': (c) => ({ body: { ...summary(Number(c.url.split('/').pop()), 'draft'), document: doc } }),
    })
    const store = useRulesStore()
    await store.open(1)
    store.document.hysteresis = 4
    expect(store.dirty).toBe(true)
    const id = await store.save('  lower hysteresis ')
    expect(id).toBe(3)
    const post = calls.find((c) => c.method === 'POST' && c.url === '/api/v1/rulesets')!
    expect(post.body).toMatchObject({ hysteresis: 4, comment: 'lower hysteresis', basedOn: 1, rules: doc.rules })
    expect(store.openId).toBe(3)
  })

  it('keeps the 400 errors of a save per path, with their positions', async () => {
    const errors = [{ path: 'rules[0].when', message: 'expected expression', position: { line: 1, column: 4, offset: 3 } }, { path: 'levels.red', message: 'red must be greater than orange' }]
    mockFetch({
      ...baseRoutes(),
      'POST /api/v1/rulesets': { status: 400, body: { error: { code: 'invalid_ruleset', message: 'the rule set has 2 error(s)', fields: errors.map((e) => ({ field: e.path, message: e.message })) }, errors } },
    })
    const store = useRulesStore()
    await store.open(1)
    store.document.rules[0]!.when = 'a &&'
    expect(await store.save('')).toBeNull()
    expect(store.saveError).toBe('the rule set has 2 error(s)')
    expect(store.issues).toEqual(errors)
    expect(store.dirty).toBe(true)
  })

  it('publishes with a required comment and reloads the versions', async () => {
    const { calls } = mockFetch({ ...baseRoutes(), 'POST /api/v1/rulesets/:id/publish': { body: summary(2, 'published') } })
    const store = useRulesStore()
    expect(await store.publish(2, '   ')).toBe(false)
    expect(store.publishFieldErrors).toEqual({ comment: 'required' })
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
    expect(await store.publish(2, 'ready')).toBe(true)
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.url).toBe('/api/v1/rulesets/2/publish')
    expect(post.body).toEqual({ comment: 'ready' })
    expect(calls.filter((c) => c.url === '/api/v1/rulesets').length).toBe(1)
  })

  it('shows a server refusal of a publish (409) as its message', async () => {
    mockFetch({ ...baseRoutes(), 'POST /api/v1/rulesets/:id/publish': { status: 409, body: { error: { code: 'conflict', message: 'rule set 1 is already live' } } } })
    const store = useRulesStore()
    expect(await store.publish(1, 'again')).toBe(false)
    expect(store.publishError).toBe('rule set 1 is already live')
  })

  it('backtests the open version over the chosen days; a 404 means unavailable', async () => {
    const result = { alerts: [], signals: [], daily: [], diff: { added: [], removed: [], changed: [] } }
    const { calls } = mockFetch({ ...baseRoutes(), 'POST /api/v1/rulesets/:id/backtest': { body: result } })
    const store = useRulesStore()
    await store.open(1)
    await store.runBacktest('2026-03-01', '2026-03-30')
    expect(store.backtest.result).toEqual(result)
    expect(calls.find((c) => c.url === '/api/v1/rulesets/1/backtest')!.body).toEqual({ from: '2026-03-01T00:00:00+08:00', to: '2026-03-31T00:00:00+08:00' })

    mockFetch(baseRoutes())
    await store.runBacktest('2026-03-01', '2026-03-30')
    expect(store.backtest.unavailable).toBe(true)
    expect(store.backtest.result).toBeNull()
  })

  it('imports an exported document or a version answer, and posts it as a draft', async () => {
    expect(documentFromImport(JSON.stringify(doc))).toEqual(doc)
    expect(documentFromImport(JSON.stringify({ ...summary(1, 'draft'), document: doc }))).toEqual(doc)
    const { calls } = mockFetch({
      ...baseRoutes(),
      'POST /api/v1/rulesets': { status: 201, body: { id: 5, version: 5, status: 'draft' } },
    })
    const store = useRulesStore()
    expect(await store.importText(JSON.stringify(doc), 'set.json')).toBe(5)
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ ...doc, comment: 'import: set.json' })
    expect(store.exportText()).toBe(`${JSON.stringify(doc, null, 2)}\n`)
  })

  it('adds a sensitive period and keeps its field errors', async () => {
    mockFetch({
      ...baseRoutes(),
      'POST /api/v1/calendar': { status: 400, body: { error: { code: 'bad_request', message: 'invalid', fields: [{ field: 'endsAt', message: 'must be after startsAt' }] } } },
    })
    const store = useRulesStore()
    expect(await store.addPeriod({ name: '两会', startsAt: '2026-03-05T00:00:00+08:00', endsAt: '2026-03-01T00:00:00+08:00' })).toBe(false)
    expect(store.calendarFieldErrors).toEqual({ endsAt: 'must be after startsAt' })
  })
})
