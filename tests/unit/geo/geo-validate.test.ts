import { describe, expect, it } from 'vitest'
import { MAX_GEO_ERRORS, validateCountyGeoJson, type GeoValidationResult } from '../../../server/domain/geo.ts'

const CODES = ['990100001', '990100002']
const square = (x: number, y: number): number[][] => [[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]
const feature = (code: unknown, geometry: unknown = { type: 'Polygon', coordinates: [square(113, 28)] }, name: unknown = `乡镇${String(code)}`) => ({
  type: 'Feature',
  properties: { code, name },
  geometry,
})
const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', features })
const valid = () => collection(feature('990100001'), feature('990100002', { type: 'Polygon', coordinates: [square(113.1, 28)] }))

function errorsOf(result: GeoValidationResult) {
  if (result.ok) throw new Error('expected validation to fail')
  return result.errors
}

describe('validateCountyGeoJson', () => {
  it('accepts a FeatureCollection with one Polygon/MultiPolygon feature per township', () => {
    expect(validateCountyGeoJson(valid(), CODES)).toEqual({ ok: true })
    const multi = collection(
      feature('990100001', { type: 'MultiPolygon', coordinates: [[square(113, 28)], [square(113.5, 28)]] }),
      feature('990100002', { type: 'Polygon', coordinates: [square(113.1, 28), square(113.12, 28.02).reverse()], bbox: [0, 0, 1, 1] }),
    )
    expect(validateCountyGeoJson(multi, CODES)).toEqual({ ok: true })
  })

  it('rejects non-objects and wrong root types', () => {
    expect(errorsOf(validateCountyGeoJson(null, CODES))).toEqual([{ path: '$', message: expect.stringContaining('JSON object') }])
    expect(errorsOf(validateCountyGeoJson([], CODES))[0]?.path).toBe('$')
    const wrongType = { ...valid(), type: 'Feature' }
    expect(errorsOf(validateCountyGeoJson(wrongType, CODES)).map((e) => e.path)).toEqual(['$.type'])
    expect(errorsOf(validateCountyGeoJson({ type: 'FeatureCollection' }, CODES)).map((e) => e.path)).toEqual(['$.features'])
  })

  it('requires properties.code (a string) and properties.name', () => {
    const noProps = collection({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [square(113, 28)] } }, feature('990100002'))
    expect(errorsOf(validateCountyGeoJson(noProps, CODES)).map((e) => e.path)).toEqual(['$.features[0].properties', '$.features'])
    const numeric = collection(feature(990100001), feature('990100002'))
    expect(errorsOf(validateCountyGeoJson(numeric, CODES)).map((e) => e.path)).toEqual(['$.features[0].properties.code', '$.features'])
    const noName = collection(feature('990100001', undefined, ''), feature('990100002'))
    expect(errorsOf(validateCountyGeoJson(noName, CODES)).map((e) => e.path)).toEqual(['$.features[0].properties.name'])
  })

  it('rejects unknown, duplicate and missing townships', () => {
    const unknown = collection(feature('990100001'), feature('990100002'), feature('990100099'))
    expect(errorsOf(validateCountyGeoJson(unknown, CODES))).toEqual([
      { path: '$.features[2].properties.code', message: expect.stringContaining('unknown township code "990100099"') },
    ])
    const duplicate = collection(feature('990100001'), feature('990100001'))
    expect(errorsOf(validateCountyGeoJson(duplicate, CODES))).toEqual([
      { path: '$.features[1].properties.code', message: expect.stringContaining('features[0]') },
      { path: '$.features', message: 'no feature for township "990100002"' },
    ])
    expect(errorsOf(validateCountyGeoJson(collection(), CODES))).toHaveLength(2)
  })

  it('accepts only Polygon and MultiPolygon geometries', () => {
    const point = collection(feature('990100001', { type: 'Point', coordinates: [113, 28] }), feature('990100002'))
    expect(errorsOf(validateCountyGeoJson(point, CODES)).map((e) => e.path)).toEqual(['$.features[0].geometry.type'])
    const none = collection(feature('990100001', null), feature('990100002'))
    expect(errorsOf(validateCountyGeoJson(none, CODES)).map((e) => e.path)).toEqual(['$.features[0].geometry'])
    const emptyMulti = collection(feature('990100001', { type: 'MultiPolygon', coordinates: [] }), feature('990100002'))
    expect(errorsOf(validateCountyGeoJson(emptyMulti, CODES)).map((e) => e.path)).toEqual(['$.features[0].geometry.coordinates'])
  })

  it('rejects open rings, short rings and malformed positions', () => {
    const open = square(113, 28).slice(0, -1).concat([[113.05, 28.05]])
    const check = (coordinates: unknown) =>
      errorsOf(validateCountyGeoJson(collection(feature('990100001', { type: 'Polygon', coordinates }), feature('990100002')), CODES))
    expect(check([open])).toEqual([{ path: '$.features[0].geometry.coordinates[0]', message: expect.stringContaining('not closed') }])
    expect(check([[[113, 28], [113.1, 28], [113, 28]]])[0]?.message).toContain('at least 4 positions')
    expect(check([])[0]?.path).toBe('$.features[0].geometry.coordinates')
    expect(check(['nope'])[0]?.path).toBe('$.features[0].geometry.coordinates[0]')

    const withPosition = (p: unknown) => {
      const ring: unknown[] = square(113, 28)
      ring[2] = p
      return check([ring])
    }
    for (const bad of [[113, Number.NaN], [113, Infinity], ['113', 28], [113], [113, 28, 0, 0], 'x', null]) {
      expect(withPosition(bad).map((e) => e.path)).toEqual(['$.features[0].geometry.coordinates[0][2]'])
    }
    expect(withPosition([181, 28])[0]?.message).toContain('outside')
    expect(withPosition([113, -91])[0]?.message).toContain('outside')
    const withAltitude = square(113, 28).map(([x, y]) => [x, y, 120])
    const ok = validateCountyGeoJson(collection(feature('990100001', { type: 'Polygon', coordinates: [withAltitude] }), feature('990100002')), CODES)
    expect(ok).toEqual({ ok: true }) // an optional altitude is allowed
  })

  it('caps the number of reported errors', () => {
    const ring = Array.from({ length: 500 }, () => [Number.NaN, 0])
    const errors = errorsOf(validateCountyGeoJson(collection(feature('990100001', { type: 'Polygon', coordinates: [ring] }), feature('990100002')), CODES))
    expect(errors).toHaveLength(MAX_GEO_ERRORS + 1)
    expect(errors.at(-1)?.message).toContain('more than')
  })
})
