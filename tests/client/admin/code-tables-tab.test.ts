import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createI18n } from 'vue-i18n'
import zh from '../../../client/src/i18n/zh-CN.ts'
import { ApiError, resetApi } from '../../../client/src/lib/api.ts'
import { codeErrorText, parseSynonyms, validateCodeForm } from '../../../client/src/screens/admin/code-tables-logic.ts'
import CodeTablesTab from '../../../client/src/screens/admin/CodeTablesTab.vue'
import messages from '../../../client/src/screens/admin/messages.ts'
import { whatHappened } from '../../../client/src/screens/duty/cases.ts'
import { type CodeEntry, useCodeTablesStore } from '../../../client/src/stores/code-tables.ts'
import { mockFetch, session } from '../helpers/fetch.ts'

// The 代码表 tab (README "Code tables") and the labels every screen takes from the code tables.

const i18n = () => createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': { ...zh, admin: messages.zh } } })
const t = i18n().global.t as (key: string, values?: Record<string, unknown>) => string

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => vi.unstubAllGlobals())

const entry = (over: Partial<CodeEntry>): CodeEntry => ({ kind: 'category', source: 'dispute', code: 'neighbour', labelZh: '邻里', labelEn: 'Neighbours', synonyms: ['邻里纠纷'], sort: 1, retired: false, retiredAt: null, ...over })

describe('the tab’s checks and messages', () => {
  it('reads synonyms as typed, and finds a synonym typed twice before sending', () => {
    expect(parseSynonyms('邻里纠纷、 邻居矛盾\n相邻纠纷，,')).toEqual(['邻里纠纷', '邻居矛盾', '相邻纠纷'])
    expect(validateCodeForm({ code: 'Forest', labelZh: '', labelEn: 'x', synonyms: 'a、Ａ' }, { withCode: true })).toEqual({ code: 'codeFormat', labelZh: 'required', synonyms: 'repeated' })
    expect(validateCodeForm({ code: '', labelZh: '家', labelEn: 'Family', synonyms: '' }, { withCode: false })).toEqual({})
  })

  it('puts the server’s field errors in Chinese, synonyms.N under synonyms', () => {
    const err = new ApiError(409, 'conflict', '…', [
      { field: 'synonyms.1', message: '“邻里纠纷” already stands for neighbour; a word may stand for one code only' },
      { field: 'synonyms.2', message: '“村务” is listed twice' },
      { field: 'code', message: 'exists already (a code is never reused; edit or restore it)' },
    ])
    expect(codeErrorText(err, t)).toEqual({
      fields: { synonyms: '“邻里纠纷”已对应代码 neighbour：一个说法只能对应一个代码；“村务”填写了两次', code: '代码已存在（代码不能重复使用，可编辑或恢复原代码）' },
      message: '与现有代码或同义词冲突，请按字段提示修改。',
    })
  })
})

describe('CodeTablesTab', () => {
  function server() {
    let items: CodeEntry[] = [entry({}), entry({ code: 'family', labelZh: '婚姻家庭', labelEn: 'Family', synonyms: ['婚姻家庭纠纷'], sort: 0 }), entry({ kind: 'status', source: null, code: 'in_progress', labelZh: '办理中', labelEn: 'In progress', synonyms: ['调解中'] })]
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/code-tables': () => ({ body: { items } }),
      'POST /api/v1/code-tables/:kind': (c) => {
        const body = c.body as { code: string; labelZh: string; labelEn: string; synonyms: string[]; source?: string }
        if (body.synonyms.includes('邻里纠纷')) return { status: 409, body: { error: { code: 'conflict', message: 'synonyms.0: …', fields: [{ field: 'synonyms.0', message: '“邻里纠纷” already stands for neighbour; a word may stand for one code only' }] } } }
        const created = entry({ ...body, source: 'dispute', sort: 9 })
        items = [...items, created]
        return { status: 201, body: created }
      },
      'PATCH /api/v1/code-tables/:kind/:code': (c) => {
        const code = c.url.split('?')[0]!.split('/').pop()!
        items = items.map((e) => (e.code === code ? { ...e, ...(c.body as object) } : e))
        return { body: items.find((e) => e.code === code) }
      },
    })
    return { calls }
  }

  it('lists a kind’s codes, adds a category, shows a synonym clash under its field in Chinese, edits synonyms and retires', async () => {
    const { calls } = server()
    const wrapper = mount(CodeTablesTab, { global: { plugins: [i18n()] } })
    await vi.waitFor(() => expect(wrapper.findAll('[data-test^="code-row-"]')).toHaveLength(2))
    expect(wrapper.findAll('[data-test^="code-row-"]').map((r) => r.attributes('data-test'))).toEqual(['code-row-family', 'code-row-neighbour'])
    expect(wrapper.find('[data-test="code-row-neighbour"]').text()).toContain('邻里纠纷')

    // A clash: the field says why, in Chinese; nothing is added.
    await wrapper.find('[data-test="codes-new-code"]').setValue('village_affairs')
    await wrapper.find('[data-test="codes-new-labelZh"]').setValue('村务')
    await wrapper.find('[data-test="codes-new-labelEn"]').setValue('Village affairs')
    await wrapper.find('[data-test="codes-new-synonyms"]').setValue('邻里纠纷')
    await wrapper.find('[data-test="codes-add"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="field-error-synonyms"]').exists()).toBe(true))
    expect(wrapper.find('[data-test="field-error-synonyms"]').text()).toBe('“邻里纠纷”已对应代码 neighbour：一个说法只能对应一个代码')
    expect(wrapper.find('[data-test="codes-error"]').text()).toBe('与现有代码或同义词冲突，请按字段提示修改。')

    await wrapper.find('[data-test="codes-new-synonyms"]').setValue('村务纠纷、村务矛盾')
    await wrapper.find('[data-test="codes-add"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="code-row-village_affairs"]').exists()).toBe(true))
    const post = calls.find((c) => c.method === 'POST' && !c.url.includes('session') && (c.body as { synonyms: string[] }).synonyms[0] === '村务纠纷')!
    expect(post.url).toBe('/api/v1/code-tables/category')
    expect(post.body).toEqual({ source: 'dispute', code: 'village_affairs', labelZh: '村务', labelEn: 'Village affairs', synonyms: ['村务纠纷', '村务矛盾'] })
    expect(post.headers.get('x-csrf-token')).toBe('csrf-1')
    expect(wrapper.find('[data-test="codes-done"]').text()).toBe('已新增 village_affairs。')

    await wrapper.find('[data-test="codes-edit-neighbour"]').trigger('click')
    await wrapper.find('[data-test="codes-edit-synonyms"]').setValue('邻里纠纷\n邻居矛盾')
    await wrapper.find('[data-test="codes-save"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-test="code-row-neighbour"]').text()).toContain('邻里纠纷、邻居矛盾'))
    const patch = calls.find((c) => c.method === 'PATCH')!
    expect(patch.url).toBe('/api/v1/code-tables/category/neighbour?source=dispute')
    expect(patch.body).toEqual({ labelZh: '邻里', labelEn: 'Neighbours', synonyms: ['邻里纠纷', '邻居矛盾'] })

    await wrapper.find('[data-test="codes-retire-family"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-test="code-row-family"]').text()).toContain('已停用'))
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)!.body).toEqual({ retired: true })
    expect(wrapper.find('[data-test="codes-retire-family"]').text()).toBe('恢复')
  })

  it('offers statuses for synonyms only: no add form, no retire button', async () => {
    server()
    const wrapper = mount(CodeTablesTab, { global: { plugins: [i18n()] } })
    await vi.waitFor(() => expect(wrapper.findAll('[data-test^="code-row-"]')).toHaveLength(2))
    await wrapper.find('[data-test="codes-kind"]').setValue('status')
    expect(wrapper.findAll('[data-test^="code-row-"]').map((r) => r.attributes('data-test'))).toEqual(['code-row-in_progress'])
    expect(wrapper.find('[data-test="codes-add"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="codes-fixed"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="codes-retire-in_progress"]').exists()).toBe(false)
  })

  it('screens label a category an administrator added from the code tables, not from a copy in the client', async () => {
    mockFetch({ ...session, 'GET /api/v1/code-tables': { body: { items: [entry({ code: 'clan', labelZh: '宗族', labelEn: 'Clan', synonyms: [] }), entry({ code: 'neighbour', labelZh: '邻里关系', labelEn: 'Neighbourhood' })] } } })
    const event = { id: 1, source: 'dispute', category: 'clan', peopleCount: 2, severity: 1, village: null, occurredAt: '2026-12-01T00:00:00Z' }
    expect(whatHappened(event, 'zh-CN')?.category).toBe('clan')
    await useCodeTablesStore().load()
    expect(whatHappened(event, 'zh-CN')?.category).toBe('宗族')
    expect(whatHappened(event, 'en')?.category).toBe('Clan')
    expect(whatHappened({ ...event, category: 'neighbour' }, 'zh-CN')?.category).toBe('邻里关系')
  })
})
