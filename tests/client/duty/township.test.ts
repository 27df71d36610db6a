import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n } from '../../../client/src/i18n/index.ts'
import { DEFAULT_THRESHOLDS, normalizeHistory, thresholdsOf } from '../../../client/src/screens/township/logic.ts'
import TownshipScreen from '../../../client/src/screens/township/TownshipScreen.vue'
import { alert } from './fixtures.ts'
import { on, stubFetch } from './fake.ts'

describe('township helpers', () => {
  it('reads the score history in the shapes the endpoint may send, in time order', () => {
    expect(normalizeHistory([{ date: '2026-11-02', score: 40 }, { date: '2026-11-01', score: 30, level: 'yellow' }])).toEqual([
      { at: '2026-11-01', score: 30 },
      { at: '2026-11-02', score: 40 },
    ])
    expect(normalizeHistory({ items: [{ at: '2026-11-01T00:00:00Z', score: '12.5' }, { at: 'nope', score: 1 }, { day: '2026-11-03', score: null }] })).toEqual([
      { at: '2026-11-01T00:00:00Z', score: 12.5 },
    ])
    expect(normalizeHistory(null)).toEqual([])
    expect(normalizeHistory({ error: 'x' })).toEqual([])
  })

  it('takes the level thresholds of the live rule set, else the defaults', () => {
    expect(thresholdsOf({ levels: { yellow: 25, orange: 50, red: 75 } })).toEqual({ yellow: 25, orange: 50, red: 75 })
    expect(thresholdsOf({ ruleset: { levels: { yellow: 20, orange: 40, red: 60 } } })).toEqual({ yellow: 20, orange: 40, red: 60 })
    expect(thresholdsOf(null)).toBe(DEFAULT_THRESHOLDS)
  })
})

describe('township screen', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    i18n.global.locale.value = 'zh-CN'
  })
  afterEach(() => vi.unstubAllGlobals())

  async function mountAt(code: string) {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/township/:code', component: TownshipScreen },
        { path: '/duty', component: { template: '<div />' } },
      ],
    })
    await router.push(`/township/${code}`)
    const w = mount({ template: '<RouterView />' }, { global: { plugins: [router, i18n], stubs: { ScoreHistoryChart: { props: ['points'], template: '<div data-test="chart-stub">{{ points.length }}</div>' } } } })
    await flushPromises()
    return w
  }

  it('shows empty states when the history, events and alerts endpoints are missing', async () => {
    stubFetch(on('GET', /\/api\/v1\/townships\/990100001$/, () => ({ status: 200, body: { code: '990100001', name: '城关街道', score: 12.34, level: 'blue', tags: ['county_seat'] } })))
    const w = await mountAt('990100001')
    expect(w.text()).toContain('城关街道')
    expect(w.find('[data-test="township-score"]').text()).toContain('12.3')
    expect(w.find('[data-test="history-empty"]').text()).toContain('当前风险分 12.3')
    expect(w.find('[data-test="events-unavailable"]').exists()).toBe(true)
    expect(w.find('[data-test="alerts-unavailable"]').exists()).toBe(true)
  })

  it('shows the history, the explanation, events and only this township’s alerts', async () => {
    stubFetch(
      on('GET', /\/api\/v1\/townships\/990100002$/, () => ({
        status: 200,
        body: {
          code: '990100002',
          name: '河西乡',
          score: 60,
          level: 'orange',
          explanation: { score: 60, level: 'orange', silent: true, signals: [{ ruleId: 'wage-surge', ruleName: '欠薪纠纷聚集', points: 20, pointsNow: 18, at: '2026-11-23T01:00:00Z', eventIds: [5] }] },
        },
      })),
      on('GET', /history\?days=30$/, () => ({ status: 200, body: [{ date: '2026-11-22', score: 50 }, { date: '2026-11-23', score: 60 }] })),
      on('GET', /\/api\/v1\/events\?township=990100002/, () => ({ status: 200, body: { items: [{ id: 5, source: 'dispute', category: 'wages', occurredAt: '2026-11-23T01:00:00Z', title: '讨薪' }], nextCursor: null } })),
      on('GET', /\/api\/v1\/alerts\?/, () => ({
        status: 200,
        body: { items: [alert({ id: 1, township: { code: '990100002', name: '河西乡' } }), alert({ id: 2, township: { code: '990100001', name: '城关街道' } })], nextCursor: null },
      })),
    )
    const w = await mountAt('990100002')
    expect(w.find('[data-test="chart-stub"]').text()).toBe('2')
    expect(w.find('[data-test="signal"]').text()).toContain('欠薪纠纷聚集')
    expect(w.text()).toContain('超时未报告')
    expect(w.find('[data-test="township-events"] [data-test="event"]').text()).toContain('讨薪')
    expect(w.findAll('[data-test="township-alerts"] [data-test="alert-row"]').map((r) => r.attributes('data-id'))).toEqual(['1'])
  })
})
