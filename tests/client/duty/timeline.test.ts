// The case timeline tells the notifications sent about its alerts among the alerts' changes
// (docs/architecture.md §6, "Delivery").
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { i18n, setLocale } from '../../../client/src/i18n/index.ts'
import AlertTimeline from '../../../client/src/screens/duty/components/AlertTimeline.vue'
import type { CaseDelivery, CaseTimelineEntry } from '../../../client/src/stores/alerts.ts'

const change = (seq: number, at: string, action: string): CaseTimelineEntry => ({ seq, alertId: 51, at, actor: 'engine', action, fromState: null, toState: 'new', note: null, payload: null })
const delivery = (id: number, at: string, d: Partial<CaseDelivery>): CaseDelivery => ({
  id,
  alertId: 51,
  at,
  channel: { name: '值班群', kind: 'wecom' },
  message: 'raised',
  step: null,
  attempt: 1,
  outcome: 'sent',
  error: null,
  ...d,
})

describe('case timeline with deliveries', () => {
  it('orders deliveries among the changes by time and says in Chinese who was reached and how it ended', () => {
    setLocale('zh-CN')
    const wrapper = mount(AlertTimeline, {
      props: {
        entries: [change(1, '2026-11-23T02:00:00Z', 'raise'), change(2, '2026-11-23T02:20:00Z', 'ack')],
        deliveries: [
          delivery(7, '2026-11-23T02:00:01Z', { outcome: 'retry', error: 'HTTP 500' }),
          delivery(8, '2026-11-23T02:00:06Z', { attempt: 2 }),
          delivery(9, '2026-11-23T02:10:00Z', { message: 'step', step: { index: 1, audience: 'shift_leader' }, channel: { name: '短信', kind: 'sms' }, outcome: 'dead', attempt: 5 }),
        ],
        labels: { 51: '群体性事件' },
      },
      global: { plugins: [i18n] },
    })
    const items = wrapper.findAll('li').map((li) => li.attributes('data-action') ?? li.attributes('data-outcome'))
    expect(items).toEqual(['ack', 'dead', 'sent', 'retry', 'raise'])
    const texts = wrapper.findAll('[data-test="timeline-delivery"]').map((li) => li.text())
    expect(texts[0]).toContain('通知多次发送失败，已停止（短信）')
    expect(texts[0]).toContain('第 1 级升级：通知带班领导')
    expect(texts[0]).toContain('第 5 次发送')
    expect(texts[1]).toContain('通知已送达（值班群）')
    expect(texts[1]).toContain('企业微信')
    expect(texts[2]).toContain('原因：HTTP 500')
    expect(texts.join('')).toContain('群体性事件')
    wrapper.unmount()
  })
})
