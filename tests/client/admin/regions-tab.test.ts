import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createI18n } from 'vue-i18n'
import zh from '../../../client/src/i18n/zh-CN.ts'
import { resetApi } from '../../../client/src/lib/api.ts'
import { buildTree, fieldTexts, previewSummary, type RegionItem, visibleRows } from '../../../client/src/screens/admin/regions-logic.ts'
import RegionsTab from '../../../client/src/screens/admin/RegionsTab.vue'
import messages from '../../../client/src/screens/admin/messages.ts'
import { mockFetch, session } from '../helpers/fetch.ts'

const i18n = () => createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': { ...zh, admin: messages.zh } } })
const t = i18n().global.t as (key: string, values?: Record<string, unknown>) => string

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => vi.unstubAllGlobals())

const region = (code: string, parentCode: string | null, level: RegionItem['level'], name: string, over: Partial<RegionItem> = {}): RegionItem => ({ code, parentCode, level, name, kind: level, tags: [], urbanRural: null, retiredAt: null, ...over })
const COUNTY: RegionItem[] = [
  region('990100', null, 'county', '示范县'),
  region('990100002', '990100', 'township', '河口镇'),
  region('990100001', '990100', 'township', '城关街道', { tags: ['county_seat'] }),
  region('990100001001', '990100001', 'village', '阳桥社区'),
  region('990100001001-01', '990100001001', 'grid', '阳桥社区第一网格'),
]

const preview = (over: Record<string, unknown> = {}) => ({
  dryRun: true, format: 'csv', encoding: 'utf-8', headerRows: [2], counties: ['990100'],
  added: [{ code: '990100003', level: 'township', name: '新港镇', parentCode: '990100' }],
  renamed: [{ code: '990100002', level: 'township', from: '河口镇', to: '河口街道' }],
  moved: [], reclassified: [], reinstated: [],
  retired: [{ code: '990100001001', level: 'village', name: '阳桥社区' }],
  unchanged: 3, skipped: ['990000'],
  ...over,
})

describe('the region tree and its wording', () => {
  it('builds the tree by parent, in code order, and shows what is expanded', () => {
    const roots = buildTree(COUNTY)
    expect(roots.map((r) => r.code)).toEqual(['990100'])
    expect(roots[0]!.children.map((c) => c.code)).toEqual(['990100001', '990100002'])
    expect(visibleRows(roots, new Set(['990100'])).map((r) => `${r.depth}:${r.node.code}`)).toEqual(['0:990100', '1:990100001', '1:990100002'])
    expect(visibleRows(roots, new Set(['990100', '990100001', '990100001001'])).map((r) => r.node.code)).toContain('990100001001-01')
  })

  it('words the server’s field reasons in Chinese, by field', () => {
    expect(
      fieldTexts(
        [
          { field: 'parentCode', message: 'a village goes under a township; 990100 is a county' },
          { field: 'tags.0', message: 'a tag is lowercase letters, digits and "_", starting with a letter (county_seat, border, resettlement)' },
          { field: 'code', message: 'the code 990100014 lies in 990100: a township’s code begins with its county’s' },
        ],
        t,
      ),
    ).toEqual({ parentCode: '村（社区）的上级应为乡镇（街道）；990100 是县（区）', tags: '标签只能用小写字母、数字和下划线，以字母开头（如 county_seat）', code: '代码 990100014 属于 990100：下级代码须以上级代码开头' })
    expect(previewSummary(preview() as never, t)).toEqual(['涉及县（区）：990100', '新增 1 个', '改名 1 个', '调整上级 0 个', '撤销 1 个', '不变 3 个'])
  })
})

describe('RegionsTab', () => {
  it('shows the tree, expands and collapses it, and creates a region with the server’s field errors in Chinese', async () => {
    let items = [...COUNTY]
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/regions': () => ({ body: { items } }),
      'POST /api/v1/regions': (c) => {
        const body = c.body as { code: string; name: string; parentCode?: string }
        if (body.code === '990100014') return { status: 400, body: { error: { code: 'validation', message: 'parentCode: …', fields: [{ field: 'parentCode', message: 'a township goes under a county; 990100001 is a township' }] } } }
        const created = region(body.code, body.parentCode ?? '990100001', 'village', body.name)
        items = [...items, created]
        return { status: 201, body: created }
      },
    })
    const wrapper = mount(RegionsTab, { global: { plugins: [i18n()] } })
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-row-990100001"]').exists()).toBe(true))
    // The county opens by itself; a township opens on a click.
    expect(wrapper.find('[data-test="region-row-990100001001"]').exists()).toBe(false)
    await wrapper.find('[data-test="region-toggle-990100001"]').trigger('click')
    expect(wrapper.find('[data-test="region-row-990100001001"]').text()).toContain('阳桥社区')
    await wrapper.find('[data-test="region-toggle-990100001"]').trigger('click')
    expect(wrapper.find('[data-test="region-row-990100001001"]').exists()).toBe(false)

    await wrapper.find('[data-test="region-code"]').setValue('990100014')
    await wrapper.find('[data-test="region-name"]').setValue('某镇')
    await wrapper.find('[data-test="region-parent"]').setValue('990100001')
    await wrapper.find('[data-test="region-create"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="field-error-parentCode"]').text()).toBe('乡镇（街道）的上级应为县（区）；990100001 是乡镇（街道）'))

    // “Add below” fills the parent and the code's prefix.
    await wrapper.find('[data-test="region-add-990100001"]').trigger('click')
    expect((wrapper.find('[data-test="region-parent"]').element as HTMLInputElement).value).toBe('990100001')
    expect((wrapper.find('[data-test="region-code"]').element as HTMLInputElement).value).toBe('990100001')
    await wrapper.find('[data-test="region-code"]').setValue('990100001002')
    await wrapper.find('[data-test="region-name"]').setValue('康湖社区')
    await wrapper.find('[data-test="region-tags"]').setValue('difficult, border')
    await wrapper.find('[data-test="region-create"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-notice"]').text()).toBe('已新建 康湖社区（990100001002）。'))
    const post = calls.filter((c) => c.method === 'POST' && c.url === '/api/v1/regions').at(-1)!
    expect(post.body).toEqual({ code: '990100001002', name: '康湖社区', parentCode: '990100001', tags: ['difficult', 'border'] })
    expect(post.headers.get('x-csrf-token')).toBe('csrf-1')
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-row-990100001002"]').exists()).toBe(true))
  })

  it('renames and retires only after confirming, and reinstates', async () => {
    let items = [...COUNTY]
    const set = (code: string, over: Partial<RegionItem>) => {
      items = items.map((r) => (r.code === code ? { ...r, ...over } : r))
      return { body: items.find((r) => r.code === code) }
    }
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/regions': () => ({ body: { items } }),
      'PATCH /api/v1/regions/:code': (c) => set(c.url.split('/')[4]!, c.body as Partial<RegionItem>),
      'POST /api/v1/regions/:code/retire': (c) => set(c.url.split('/')[4]!, { retiredAt: '2026-12-04T02:00:00Z' }),
      'POST /api/v1/regions/:code/reinstate': (c) => set(c.url.split('/')[4]!, { retiredAt: null }),
    })
    const wrapper = mount(RegionsTab, { global: { plugins: [i18n()] } })
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-row-990100002"]').exists()).toBe(true))

    await wrapper.find('[data-test="region-edit-990100002"]').trigger('click')
    await wrapper.find('[data-test="region-edit-name"]').setValue('河口街道')
    await wrapper.find('[data-test="region-editor-990100002"] form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-row-990100002"]').text()).toContain('河口街道'))
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ name: '河口街道' })

    await wrapper.find('[data-test="region-retire-990100002"]').trigger('click')
    expect(calls.some((c) => c.url.endsWith('/retire'))).toBe(false)
    expect(wrapper.find('[data-test="region-confirm-row-990100002"]').text()).toContain('撤销后保留其历史事件，但不再接收新事件')
    await wrapper.find('[data-test="region-confirm-990100002"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-state-990100002"]').text()).toMatch(/^已撤销/))
    expect(calls.filter((c) => c.url === '/api/v1/regions/990100002/retire')).toHaveLength(1)

    await wrapper.find('[data-test="region-reinstate-990100002"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-state-990100002"]').text()).toBe('在用'))
  })

  it('previews an import before confirming it, and shows a refused file row by row', async () => {
    let applied = false
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/regions': () => ({ body: { items: COUNTY } }),
      'POST /api/v1/regions/import': (c) => {
        const form = c.body as FormData
        const file = form.get('file') as File
        if (file.name === 'bad.csv') return { status: 400, body: { error: { code: 'bad_region_file', message: '…', fields: [{ field: 'file', message: '第 5 行：统计用区划代码“99010000”应为 12 位数字' }] } } }
        if (form.get('dryRun') !== '1') applied = true
        return { body: preview({ dryRun: form.get('dryRun') === '1' }) }
      },
    })
    const wrapper = mount(RegionsTab, { global: { plugins: [i18n()] } })
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-tree"]').exists()).toBe(true))
    const choose = async (name: string) => {
      const input = wrapper.find('[data-test="region-import-file"]')
      Object.defineProperty(input.element, 'files', { value: [new File(['统计用区划代码,名称\n'], name, { type: 'text/csv' })], configurable: true })
      await input.trigger('change')
    }

    await choose('table.csv')
    await wrapper.find('[data-test="region-import"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-import-summary"]').exists()).toBe(true))
    expect(applied).toBe(false)
    expect(wrapper.find('[data-test="region-import-summary"]').text()).toContain('新增 1 个')
    expect(wrapper.find('[data-test="region-import-renamed"]').text()).toContain('河口镇 → 河口街道')
    expect(wrapper.find('[data-test="region-import-retired"]').text()).toContain('阳桥社区')
    expect(wrapper.find('[data-test="region-import-added"]').text()).toContain('新港镇')

    await wrapper.find('[data-test="region-import-apply"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-import-done"]').text()).toBe('已导入：新增 1，改名 1，撤销 1。'))
    expect(applied).toBe(true)
    const uploads = calls.filter((c) => c.url === '/api/v1/regions/import')
    expect(uploads.map((c) => (c.body as FormData).get('dryRun'))).toEqual(['1', null])
    expect(uploads[1]!.headers.get('x-csrf-token')).toBe('csrf-1')

    await choose('bad.csv')
    await wrapper.find('[data-test="region-import"]').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="region-import-error"]').exists()).toBe(true))
    expect(wrapper.find('[data-test="region-import-error"]').text()).toContain('代码表未导入')
    expect(wrapper.find('[data-test="region-import-error"]').text()).toContain('第 5 行：统计用区划代码“99010000”应为 12 位数字')
    expect(wrapper.find('[data-test="region-import-apply"]').exists()).toBe(false)
  })
})
