import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createI18n } from 'vue-i18n'
import zh from '../../../client/src/i18n/zh-CN.ts'
import { ApiError, resetApi } from '../../../client/src/lib/api.ts'
import messages from '../../../client/src/screens/admin/messages.ts'
import ChannelsPanel from '../../../client/src/screens/admin/notify/ChannelsPanel.vue'
import OutboxPanel from '../../../client/src/screens/admin/notify/OutboxPanel.vue'
import RosterPanel from '../../../client/src/screens/admin/notify/RosterPanel.vue'
import { blankChannel, blankRoute, channelBody, channelForm, deliveryReason, refusal, routeBody, validateChannel, validateRoute, validateShift } from '../../../client/src/screens/admin/notify-logic.ts'
import { mockFetch, session } from '../helpers/fetch.ts'

const i18n = () => createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': { ...zh, admin: messages.zh } } })

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => vi.unstubAllGlobals())

describe('channel forms', () => {
  it('sends only the kind’s own fields, and an empty secret on edit keeps the stored one', () => {
    const f = { ...blankChannel('email'), name: '值班邮箱', host: 'smtp.local', port: '2525', from: 'a@x.cn', to: 'b@x.cn, c@x.cn', url: 'http://ignored' }
    expect(validateChannel(f, false)).toEqual({})
    const body = channelBody(f, false)
    expect(body).toMatchObject({ kind: 'email', name: '值班邮箱', host: 'smtp.local', port: 2525, from: 'a@x.cn', to: ['b@x.cn', 'c@x.cn'], secure: false })
    expect(body).not.toHaveProperty('url')
    expect(body).not.toHaveProperty('secret')
    const stored = channelForm({ id: 3, kind: 'dingtalk', name: '钉钉', enabled: true, ratePerMinute: 20, maxAttempts: 5, hasSecret: true, config: { url: 'https://oapi.dingtalk.com/robot/send?access_token=x' } })
    expect(stored.secret).toBe('')
    const patch = channelBody(stored, true)
    expect(patch).not.toHaveProperty('kind')
    expect(patch).not.toHaveProperty('secret')
    expect(channelBody({ ...stored, secret: 'SEC123' }, true)['secret']).toBe('SEC123')
  })

  it('checks the kind’s required fields before sending', () => {
    expect(validateChannel({ ...blankChannel('sms'), name: '短信' }, false)).toEqual({ url: 'required', bodyTemplate: 'required' })
    expect(validateChannel({ ...blankChannel('webhook'), name: 'x', url: 'ftp://a' }, false)).toEqual({ url: 'url' })
    expect(validateChannel({ ...blankChannel('email'), name: 'm', host: 'h', from: 'a@b.c', to: ' , ' }, false)).toEqual({ to: 'required' })
  })
})

describe('routes and shifts', () => {
  it('builds a route match from what is set and checks channels and hours', () => {
    expect(validateRoute(blankRoute())).toEqual({ name: 'required', channels: 'channelRequired' })
    expect(validateRoute({ ...blankRoute(), name: 'r', channels: [1], from: '22:00', to: '' })).toEqual({ 'match.hours': 'hoursBoth' })
    expect(routeBody({ ...blankRoute(), name: ' 夜间红色 ', levels: ['red'], from: '22:00', to: '08:00', channels: [2] })).toEqual({ name: '夜间红色', match: { levels: ['red'], hours: { from: '22:00', to: '08:00' } }, channels: [2], enabled: true, audience: 'duty' })
  })

  it('refuses a shift that ends before it starts or lasts over a week', () => {
    const base = { dutyOfficer: '张三', shiftLeader: '李四' }
    expect(validateShift({ ...base, startsAt: '2026-03-02T08:00', endsAt: '2026-03-02T07:00' })).toEqual({ endsAt: 'endAfterStart' })
    expect(validateShift({ ...base, startsAt: '2026-03-02T08:00', endsAt: '2026-03-10T08:00' })).toEqual({ endsAt: 'shiftTooLong' })
    expect(validateShift({ startsAt: '', endsAt: '', dutyOfficer: ' ', shiftLeader: '' })).toEqual({ startsAt: 'required', endsAt: 'required', dutyOfficer: 'required', shiftLeader: 'required' })
  })
})

describe('server refusals and delivery errors in Chinese', () => {
  it('maps each known server message to a reason, and anything else to a generic one', () => {
    const err = new ApiError(400, 'validation', 'invalid body: url: must be an http:// or https:// URL', [
      { field: 'url', message: 'must be an http:// or https:// URL' },
      { field: 'name', message: 'at most 100 characters' },
      { field: 'to.0', message: 'must be an e-mail address' },
      { field: 'port', message: 'Invalid input: expected number, received string' },
    ])
    const r = refusal(err)
    expect(r.summary.key).toBe('fieldsRefused')
    expect(r.fields).toEqual({ url: { key: 'url' }, name: { key: 'maxChars', params: { n: '100' } }, 'to.0': { key: 'email' }, port: { key: 'invalid' } })
    expect(refusal(new ApiError(409, 'conflict', 'a channel named x exists', [{ field: 'name', message: 'already used' }])).fields['name']).toEqual({ key: 'nameTaken' })
    expect(refusal(new ApiError(404, 'not_found', 'dead letter 5')).summary.key).toBe('notFound')
    expect(refusal(new TypeError('Failed to fetch')).summary.key).toBe('network')
  })

  it('names why a delivery failed', () => {
    expect(deliveryReason('HTTP 500: boom')).toEqual({ key: 'deliveryHttp', params: { status: '500' } })
    expect(deliveryReason('robot error 310000: sign not match')).toEqual({ key: 'deliveryRobot', params: { code: '310000' } })
    expect(deliveryReason('The operation was aborted due to timeout').key).toBe('deliveryTimeout')
    expect(deliveryReason('fetch failed').key).toBe('deliveryUnreachable')
    expect(deliveryReason('something else').key).toBe('deliveryUnknown')
  })
})

const channel = { id: 4, kind: 'webhook', name: '值班 Webhook', enabled: true, ratePerMinute: 60, maxAttempts: 8, hasSecret: true, config: { url: 'http://127.0.0.1:9/hook' }, createdBy: 'admin', createdAt: '2026-03-01T00:00:00Z', updatedAt: '2026-03-01T00:00:00Z' }

describe('the channels panel', () => {
  it('shows the server’s field refusal in Chinese beside the field, never the English', async () => {
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/channels': { body: { items: [] } },
      'POST /api/v1/channels': { status: 409, body: { error: { code: 'conflict', message: 'a channel named 值班 exists', fields: [{ field: 'name', message: 'already used' }] } } },
    })
    const wrapper = mount(ChannelsPanel, { global: { plugins: [i18n()] } })
    await wrapper.find('[data-test="channel-form"]').trigger('submit')
    expect(wrapper.find('[data-test="field-error-name"]').text()).toBe('必填')
    expect(wrapper.find('[data-test="field-error-url"]').text()).toBe('必填')
    expect(calls.some((c) => c.method === 'POST')).toBe(false)

    await wrapper.find('[data-test="channel-name"]').setValue('值班')
    await wrapper.find('[data-test="channel-url"]').setValue('http://127.0.0.1:9/hook')
    await wrapper.find('[data-test="channel-form"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="field-error-name"]').text()).toBe('名称已被使用'))
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({ kind: 'webhook', name: '值班', url: 'http://127.0.0.1:9/hook' })
    const text = wrapper.find('[data-test="notify-error"]').text()
    expect(text).toBe('服务器拒绝了提交，请按字段提示修改。')
    expect(wrapper.text()).not.toMatch(/already used|exists|conflict/)
  })

  it('shows the kind’s fields, never a stored secret, and the test-send result or its reason', async () => {
    let answer: { ok: boolean; error: string | null } = { ok: false, error: 'HTTP 503: down' }
    mockFetch({ ...session, 'GET /api/v1/channels': { body: { items: [channel] } }, 'POST /api/v1/channels/:id/test': () => ({ body: answer }) })
    const wrapper = mount(ChannelsPanel, { global: { plugins: [i18n()] } })
    await vi.waitFor(() => expect(wrapper.findAll('[data-test="channel-row"]')).toHaveLength(1))
    expect(wrapper.find('[data-test="channel-row"]').text()).toContain('已设置')

    await wrapper.find('[data-test="channel-test"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-test="channel-test-failed"]').text()).toBe('测试发送失败：接收方返回 HTTP 503'))
    answer = { ok: true, error: null }
    await wrapper.find('[data-test="channel-test"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-test="channel-test-ok"]').text()).toBe('测试发送成功'))

    await wrapper.find('[data-test="channel-edit"]').trigger('click')
    expect((wrapper.find('[data-test="channel-secret"]').element as HTMLInputElement).value).toBe('')
    expect(wrapper.find('[data-test="channel-secret"]').attributes('placeholder')).toBe('已设置；留空则不修改')
    await wrapper.find('[data-test="channel-kind"]').setValue('email')
    expect(wrapper.find('[data-test="channel-host"]').exists()).toBe(false)
  })
})

describe('the roster and outbox panels', () => {
  it('adds a shift in centre time and shows the server’s refusal in Chinese', async () => {
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/roster': { body: { items: [], current: null } },
      'POST /api/v1/roster': { status: 400, body: { error: { code: 'validation', message: 'invalid body', fields: [{ field: 'dutyOfficer', message: 'at most 100 characters' }] } } },
    })
    const wrapper = mount(RosterPanel, { global: { plugins: [i18n()] } })
    await wrapper.find('[data-test="shift-start"]').setValue('2026-03-02T08:00')
    await wrapper.find('[data-test="shift-end"]').setValue('2026-03-03T08:00')
    await wrapper.find('[data-test="shift-officer"]').setValue('张三')
    await wrapper.find('[data-test="shift-leader"]').setValue('李四')
    await wrapper.find('[data-test="shift-form"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="field-error-dutyOfficer"]').text()).toBe('最多 100 个字符'))
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.body).toEqual({ startsAt: '2026-03-02T08:00:00+08:00', endsAt: '2026-03-03T08:00:00+08:00', dutyOfficer: '张三', shiftLeader: '李四' })
    const get = calls.find((c) => c.url.startsWith('/api/v1/roster?'))!
    const q = new URL(get.url, 'http://x').searchParams
    expect(Date.parse(q.get('to')!) - Date.parse(q.get('from')!)).toBe(7 * 24 * 3600_000)
  })

  it('lists dead letters with attempts and a Chinese reason, and retries one', async () => {
    let items = [{ id: 9, channelId: 4, channelName: '值班 Webhook', idempotencyKey: 'k', alertId: 12, township: '330000001', kind: 'raised', state: 'dead', attempts: 8, nextAttemptAt: '2026-03-01T00:00:00Z', lastError: 'HTTP 500: boom', createdAt: '2026-03-01T00:00:00Z', sentAt: null }]
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/notifications/outbox': () => ({ body: { items } }),
      'POST /api/v1/notifications/outbox/:id/retry': () => {
        items = []
        return { body: { id: 9, state: 'pending' } }
      },
    })
    const wrapper = mount(OutboxPanel, { global: { plugins: [i18n()] } })
    await vi.waitFor(() => expect(wrapper.findAll('[data-test="outbox-row"]')).toHaveLength(1))
    const row = wrapper.find('[data-test="outbox-row"]')
    expect(row.text()).toContain('8')
    expect(row.find('[data-test="outbox-error"]').text()).toBe('接收方返回 HTTP 500')
    expect(calls[calls.length - 1]!.url).toContain('state=dead')
    await row.find('[data-test="outbox-retry"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.findAll('[data-test="outbox-row"]')).toHaveLength(0))
    expect(calls.some((c) => c.method === 'POST' && c.url === '/api/v1/notifications/outbox/9/retry')).toBe(true)
  })
})
