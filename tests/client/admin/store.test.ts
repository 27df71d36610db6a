import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { createI18n } from 'vue-i18n'
import zh from '../../../client/src/i18n/zh-CN.ts'
import { resetApi } from '../../../client/src/lib/api.ts'
import CredentialsTab from '../../../client/src/screens/admin/CredentialsTab.vue'
import { auditQuery } from '../../../client/src/screens/admin/logic.ts'
import messages from '../../../client/src/screens/admin/messages.ts'
import UsersTab from '../../../client/src/screens/admin/UsersTab.vue'
import { useAdminStore } from '../../../client/src/stores/admin.ts'
import { mockFetch, session } from '../helpers/fetch.ts'

const i18n = () => createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': { ...zh, admin: messages.zh } } })
const flush = () => new Promise((r) => setTimeout(r, 0))

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => vi.unstubAllGlobals())

describe('once-shown token flow', () => {
  it('shows a new feed token once, with a warning and a copy button, and forgets it on dismiss', async () => {
    let feeds: Array<{ id: number; name: string; createdAt: string; lastUsedAt: null }> = []
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/feeds': () => ({ body: feeds }),
      'POST /api/v1/feeds': (c) => {
        feeds = [{ id: 7, name: (c.body as { name: string }).name, createdAt: '2026-03-01T00:00:00Z', lastUsedAt: null }]
        return { status: 201, body: { id: 7, name: feeds[0]!.name, token: 'sw_feed_SECRET' } }
      },
    })
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const wrapper = mount(CredentialsTab, { props: { kind: 'feeds' }, global: { plugins: [i18n()] } })
    const store = useAdminStore()

    await wrapper.find('[data-test="feed-create"]').trigger('submit')
    expect(wrapper.find('[data-test="field-error-name"]').text()).toBe('必填')
    expect(calls.some((c) => c.method === 'POST')).toBe(false)

    await wrapper.find('[data-test="feed-name"]').setValue('12345 热线')
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="once-secret"]').exists()).toBe(true))
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.headers.get('x-csrf-token')).toBe('csrf-1')
    expect(wrapper.find('[data-test="once-secret-token"]').text()).toBe('sw_feed_SECRET')
    expect(wrapper.find('[data-test="once-secret-warning"]').text()).toContain('只显示这一次')
    await nextTick()
    expect(wrapper.findAll('[data-test="feed-row"]')).toHaveLength(1)

    await wrapper.find('[data-test="once-secret-copy"]').trigger('click')
    await flush()
    expect(writeText).toHaveBeenCalledWith('sw_feed_SECRET')
    expect(wrapper.find('[data-test="once-secret-copy"]').text()).toBe('已复制')

    await wrapper.find('[data-test="once-secret-dismiss"]').trigger('click')
    expect(store.secret).toBeNull()
    expect(wrapper.text()).not.toContain('sw_feed_SECRET')
    // the list never carries the token
    expect(JSON.stringify(store.feeds.items)).not.toContain('SECRET')
  })

  it('shows a kiosk pairing URL once', async () => {
    mockFetch({ ...session, 'GET /api/v1/kiosks': { body: [] }, 'POST /api/v1/kiosks': { status: 201, body: { id: 1, token: 'k-token', pairingUrl: '/wall?pair=k-token' } } })
    const store = useAdminStore()
    expect(await store.createKiosk('大屏')).toBe(true)
    expect(store.secret).toEqual({ kind: 'kiosk', name: '大屏', token: 'k-token', pairingUrl: `${window.location.origin}/wall?pair=k-token` })
  })

  it('marks a section unavailable on 404', async () => {
    mockFetch({ ...session })
    const store = useAdminStore()
    await store.loadKiosks()
    expect(store.kiosks.unavailable).toBe(true)
    expect(store.kiosks.error).toBeNull()
  })
})

describe('users', () => {
  it('validates before sending, then shows the server field errors next to the field', async () => {
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/users': { body: [] },
      'POST /api/v1/users': { status: 400, body: { error: { code: 'bad_request', message: 'invalid user', fields: [{ field: 'username', message: 'already exists' }] } } },
    })
    const wrapper = mount(UsersTab, { global: { plugins: [i18n()] } })
    await wrapper.find('[data-test="user-create-form"]').trigger('submit')
    expect(wrapper.find('[data-test="field-error-username"]').text()).toBe('必填')
    expect(wrapper.find('[data-test="field-error-roles"]').text()).toBe('至少选择一个角色')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    await wrapper.find('[data-test="user-username"]').setValue('wang')
    await wrapper.find('[data-test="user-password"]').setValue('correct-horse-1')
    await wrapper.find('[data-test="user-role-duty"]').setValue(true)
    await wrapper.find('[data-test="user-create-form"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="field-error-username"]').text()).toBe('already exists'))
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ username: 'wang', password: 'correct-horse-1', roles: ['duty'] })
  })

  it('patches roles, township and disabled, and resets a password', async () => {
    const { calls } = mockFetch({ ...session, 'GET /api/v1/users': { body: [] }, 'PATCH /api/v1/users/:id': { body: {} } })
    const store = useAdminStore()
    expect(await store.updateUser(3, { roles: ['township'], township: '990100001', disabled: true })).toBe(true)
    expect(await store.updateUser(3, { password: 'new-password-9' })).toBe(true)
    const patches = calls.filter((c) => c.method === 'PATCH')
    expect(patches.map((c) => [c.url, c.body])).toEqual([
      ['/api/v1/users/3', { roles: ['township'], township: '990100001', disabled: true }],
      ['/api/v1/users/3', { password: 'new-password-9' }],
    ])
  })
})

describe('audit paging', () => {
  it('follows nextCursor forwards and back', async () => {
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/audit': (c) => {
        const cursor = new URL(c.url, 'http://x').searchParams.get('cursor')
        if (!cursor) return { body: { items: [{ id: 1, action: 'a' }], nextCursor: 'p2' } }
        if (cursor === 'p2') return { body: { items: [{ id: 2, action: 'b' }], nextCursor: 'p3' } }
        return { body: { items: [{ id: 3, action: 'c' }], nextCursor: null } }
      },
    })
    const store = useAdminStore()
    const q = (cursor: string | null) => auditQuery({ actor: 'admin', action: '', from: '', to: '' }, cursor)
    await store.searchAudit(q)
    await store.nextAuditPage(q)
    await store.nextAuditPage(q)
    expect(store.audit.items.map((i) => i.id)).toEqual([3])
    expect(store.audit.nextCursor).toBeNull()
    await store.previousAuditPage(q)
    expect(store.audit.items.map((i) => i.id)).toEqual([2])
    await store.previousAuditPage(q)
    expect(store.audit.items.map((i) => i.id)).toEqual([1])
    expect(store.audit.previous).toEqual([])
    expect(calls.map((c) => c.url).filter((u) => u.startsWith('/api/v1/audit'))).toEqual([
      '/api/v1/audit?actor=admin', '/api/v1/audit?actor=admin&cursor=p2', '/api/v1/audit?actor=admin&cursor=p3', '/api/v1/audit?actor=admin&cursor=p2', '/api/v1/audit?actor=admin',
    ])
  })
})
