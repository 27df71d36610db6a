import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createI18n } from 'vue-i18n'
import type { GeoUploadReport } from '../../../server/contract/geo.ts'
import zh from '../../../client/src/i18n/zh-CN.ts'
import { ApiError, resetApi } from '../../../client/src/lib/api.ts'
import { geoErrorText, readGeoFile, reportSummary, uploadQuery } from '../../../client/src/screens/admin/geo-logic.ts'
import GeoTab from '../../../client/src/screens/admin/GeoTab.vue'
import messages from '../../../client/src/screens/admin/messages.ts'
import { mockFetch, session } from '../helpers/fetch.ts'

const i18n = () => createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': { ...zh, admin: messages.zh } } })
const t = i18n().global.t as (key: string, values?: Record<string, unknown>) => string
const square = [[[113.5, 28.4], [113.6, 28.4], [113.6, 28.5], [113.5, 28.5], [113.5, 28.4]]]
const feature = (properties: Record<string, unknown>) => ({ type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: square } })
const collection = (...features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features })

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => vi.unstubAllGlobals())

const report = (over: Partial<GeoUploadReport> = {}): GeoUploadReport => ({
  codeProperty: 'adcode', nameProperty: 'name', properties: ['adcode', 'name'],
  matched: [{ feature: 0, township: '990100001', name: '城关街道', by: 'code' }],
  unmatched: [{ feature: 1, code: '110101001000', name: '东华门街道', reason: 'unknown_code' }],
  missing: [{ code: '990100002', name: '河口镇' }],
  simplification: { before: 120001, after: 18000, tolerance: 0.0001 },
  outliers: [{ feature: 0, part: 1, township: '990100001', bbox: [116, 26, 116.1, 26.1] }],
  fit: 'main', fitBbox: [113, 28, 114, 29],
  ...over,
})

describe('reading the boundary file', () => {
  it('offers the properties it finds and preselects the usual code and name ones', () => {
    const r = readGeoFile(collection(feature({ TOWNCODE: '990100001', TOWNNAME: '城关街道', area: 3 }), feature({ XZQHDM: '990100002', TOWNNAME: '河口镇' })))
    expect(r).toMatchObject({ ok: true, file: { featureCount: 2, properties: ['TOWNCODE', 'TOWNNAME', 'area', 'XZQHDM'], codeProperty: 'TOWNCODE', nameProperty: 'TOWNNAME' } })
    const single = readGeoFile(JSON.stringify(feature({ 名称: '城关' })))
    expect(single).toMatchObject({ ok: true, file: { featureCount: 1, properties: ['名称'], codeProperty: null, nameProperty: null } })
  })

  it('refuses what is not GeoJSON before anything is sent', () => {
    expect(readGeoFile('{"type":')).toEqual({ ok: false, error: 'not_json' })
    expect(readGeoFile('{"type":"Topology"}')).toEqual({ ok: false, error: 'not_geojson' })
    expect(readGeoFile(collection())).toEqual({ ok: false, error: 'no_features' })
  })

  it('builds the upload query from the choices', () => {
    expect(uploadQuery({ codeProperty: 'adcode', nameProperty: '', fileName: '县界 2026.geojson', fit: 'main' })).toBe('?codeProperty=adcode&fileName=%E5%8E%BF%E7%95%8C+2026.geojson&fit=main')
  })
})

describe('the report and refusals in Chinese', () => {
  it('words a refusal by its code, with the places in the file', () => {
    const swapped = new ApiError(400, 'geo_swapped_axes', 'positions look like [latitude, longitude]', [{ field: 'features.0.geometry.coordinates.0.0', message: 'swapped_axes: …' }])
    expect(geoErrorText(swapped, t)).toEqual({ message: expect.stringContaining('经纬度顺序颠倒'), places: ['features.0.geometry.coordinates.0.0'] })
    expect(geoErrorText(new ApiError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large'), t).message).toBe('文件太大（上限 80 MB）')
    expect(geoErrorText(new ApiError(400, 'geo_unknown_property', 'no feature has a property "adcode"', [{ field: 'codeProperty', message: '…' }]), t)).toEqual({ message: '所选属性在文件中不存在', places: [] })
    expect(geoErrorText(new ApiError(500, 'internal', 'boom'), t).message).toBe('上传失败：boom')
  })

  it('summarises matches, simplification and outlying parts', () => {
    const lines = reportSummary(report(), t, (code) => (code === '990100001' ? '城关街道' : code))
    expect(lines).toEqual(['已匹配 1 个乡镇', '已简化：120001 → 18000 个顶点', '1 处远离主体的部分（如海岛、飞地）不参与地图缩放：城关街道'])
    expect(reportSummary(report({ simplification: { before: 500, after: 500, tolerance: null }, outliers: [] }), t, String)).toEqual(['已匹配 1 个乡镇', '共 500 个顶点，无需简化'])
  })
})

describe('GeoTab', () => {
  async function choose(wrapper: ReturnType<typeof mount>, text: string, name = 'county.geojson') {
    const input = wrapper.find('[data-test="geo-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File([text], name, { type: 'application/geo+json' })], configurable: true })
    await input.trigger('change')
    await vi.waitFor(() => expect(wrapper.find('[data-test="geo-read"], [data-test="geo-file-error"]').exists()).toBe(true))
  }

  it('uploads with the chosen properties, shows the report in Chinese, and restores a version', async () => {
    let current = 2
    const versions = () => [
      { id: 3, fileName: 'county.geojson', createdAt: '2026-12-03T05:00:00Z', createdBy: 'admin', report: report(), current: current === 3 },
      { id: 2, fileName: null, createdAt: '2026-12-01T05:00:00Z', createdBy: 'demo', report: {}, current: current === 2 },
    ]
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/geo/county/versions': () => ({ body: versions() }),
      'PUT /api/v1/geo/county': () => {
        current = 3
        return { body: { version: 3, report: report() } }
      },
      'POST /api/v1/geo/county/versions/:id/restore': (c) => {
        current = Number(c.url.split('/')[6])
        return { body: { version: current } }
      },
    })
    const wrapper = mount(GeoTab, { global: { plugins: [i18n()] } })
    await vi.waitFor(() => expect(wrapper.findAll('[data-test="geo-version"]')).toHaveLength(2))

    await choose(wrapper, collection(feature({ adcode: '990100001000', name: '城关街道', MC: '城关' })))
    expect(wrapper.find('[data-test="geo-read"]').text()).toBe('文件含 1 个要素，属性：adcode、name、MC')
    const code = wrapper.find('[data-test="geo-code-property"]')
    expect((code.element as HTMLSelectElement).value).toBe('adcode')
    await wrapper.find('[data-test="geo-name-property"]').setValue('MC')
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="geo-done"]').exists()).toBe(true))

    const put = calls.find((c) => c.method === 'PUT')!
    expect(put.url).toBe('/api/v1/geo/county?codeProperty=adcode&nameProperty=MC&fileName=county.geojson&fit=main')
    expect((put.body as { features: unknown[] }).features).toHaveLength(1)
    expect(put.headers.get('x-csrf-token')).toBe('csrf-1')
    expect(wrapper.find('[data-test="geo-done"]').text()).toContain('版本 3')
    expect(wrapper.find('[data-test="geo-summary"]').text()).toContain('已简化：120001 → 18000 个顶点')
    expect(wrapper.find('[data-test="geo-unmatched"]').text()).toContain('编码不属于任何乡镇')
    expect(wrapper.find('[data-test="geo-missing"]').text()).toBe('河口镇（990100002）')

    await vi.waitFor(() => expect(wrapper.find('[data-test="geo-restore-2"]').exists()).toBe(true))
    await wrapper.find('[data-test="geo-restore-2"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-test="geo-restored"]').text()).toBe('已恢复版本 2。'))
    expect(calls.some((c) => c.method === 'POST' && c.url === '/api/v1/geo/county/versions/2/restore')).toBe(true)
    await vi.waitFor(() => expect(wrapper.find('[data-test="geo-restore-3"]').exists()).toBe(true))
  })

  it('shows a refusal in Chinese and a bad file without sending it', async () => {
    const { calls } = mockFetch({
      ...session,
      'GET /api/v1/geo/county/versions': { body: [] },
      'PUT /api/v1/geo/county': { status: 400, body: { error: { code: 'geo_swapped_axes', message: 'positions look like [latitude, longitude]', fields: [{ field: 'features.0.geometry.coordinates.0.0', message: 'swapped_axes' }] } } },
    })
    const wrapper = mount(GeoTab, { global: { plugins: [i18n()] } })
    await choose(wrapper, 'not json')
    expect(wrapper.find('[data-test="geo-file-error"]').text()).toBe('不是有效的 JSON 文件')
    expect((wrapper.find('[data-test="geo-upload"]').element as HTMLButtonElement).disabled).toBe(true)

    await choose(wrapper, collection(feature({ code: '990100001' })))
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[data-test="geo-error"]').exists()).toBe(true))
    expect(wrapper.find('[data-test="geo-error"]').text()).toContain('经纬度顺序颠倒')
    expect(wrapper.find('[data-test="geo-error"]').text()).toContain('features.0.geometry.coordinates.0.0')
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1)
  })
})
