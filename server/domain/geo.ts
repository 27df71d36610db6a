// Validation of a township-boundary GeoJSON (docs/architecture.md §3). The demo county ships one; an
// administrator may upload a replacement, which must describe exactly the configured townships
// before the map uses it. Pure: no I/O, no dependencies.

export interface GeoValidationError {
  /** JSONPath-like location, e.g. `$.features[3].geometry.coordinates[0][5]`. */
  path: string
  message: string
}

export type GeoValidationResult = { ok: true } | { ok: false; errors: GeoValidationError[] }

/** Reporting stops after this many errors (a broken upload can hold millions of positions). */
export const MAX_GEO_ERRORS = 50

class TooManyErrors extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Checks that `geojson` is a FeatureCollection of Polygon/MultiPolygon features whose
 * `properties.code` are exactly the given township codes, once each, with a `properties.name`,
 * finite in-range coordinates and closed rings of at least four positions.
 */
export function validateCountyGeoJson(geojson: unknown, townshipCodes: readonly string[]): GeoValidationResult {
  const errors: GeoValidationError[] = []
  const fail = (path: string, message: string): void => {
    errors.push({ path, message })
    if (errors.length >= MAX_GEO_ERRORS) throw new TooManyErrors()
  }
  try {
    check(geojson, townshipCodes, fail)
  } catch (error) {
    if (!(error instanceof TooManyErrors)) throw error
    errors.push({ path: '$', message: `more than ${MAX_GEO_ERRORS} errors; further checks skipped` })
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors }
}

type Fail = (path: string, message: string) => void

function check(geojson: unknown, townshipCodes: readonly string[], fail: Fail): void {
  if (!isObject(geojson)) return fail('$', 'must be a JSON object (a GeoJSON FeatureCollection)')
  if (geojson.type !== 'FeatureCollection') fail('$.type', `must be "FeatureCollection", got ${describe(geojson.type)}`)
  const features = geojson.features
  if (!Array.isArray(features)) return fail('$.features', 'must be an array of features')

  const known = new Set(townshipCodes)
  const seen = new Map<string, number>()
  features.forEach((feature: unknown, i) => {
    const path = `$.features[${i}]`
    if (!isObject(feature)) return fail(path, 'must be a GeoJSON Feature object')
    if (feature.type !== 'Feature') fail(`${path}.type`, `must be "Feature", got ${describe(feature.type)}`)

    const properties = feature.properties
    if (!isObject(properties)) {
      fail(`${path}.properties`, 'must be an object with code and name')
    } else {
      const code = properties.code
      if (typeof code !== 'string' || code === '') {
        fail(`${path}.properties.code`, `must be a non-empty string township code, got ${describe(code)}`)
      } else if (!known.has(code)) {
        fail(`${path}.properties.code`, `unknown township code "${code}"`)
      } else {
        const first = seen.get(code)
        if (first !== undefined) fail(`${path}.properties.code`, `township "${code}" already given by features[${first}]`)
        else seen.set(code, i)
      }
      if (typeof properties.name !== 'string' || properties.name.trim() === '') {
        fail(`${path}.properties.name`, `must be a non-empty string, got ${describe(properties.name)}`)
      }
    }

    checkGeometry(feature.geometry, `${path}.geometry`, fail)
  })

  for (const code of townshipCodes) {
    if (!seen.has(code)) fail('$.features', `no feature for township "${code}"`)
  }
}

function checkGeometry(geometry: unknown, path: string, fail: Fail): void {
  if (!isObject(geometry)) return fail(path, 'must be a Polygon or MultiPolygon geometry')
  const coordinates = geometry.coordinates
  if (geometry.type === 'Polygon') {
    checkPolygon(coordinates, `${path}.coordinates`, fail)
  } else if (geometry.type === 'MultiPolygon') {
    if (!Array.isArray(coordinates) || coordinates.length === 0) {
      return fail(`${path}.coordinates`, 'must be a non-empty array of polygons')
    }
    coordinates.forEach((polygon: unknown, i) => checkPolygon(polygon, `${path}.coordinates[${i}]`, fail))
  } else {
    fail(`${path}.type`, `must be "Polygon" or "MultiPolygon", got ${describe(geometry.type)}`)
  }
}

function checkPolygon(polygon: unknown, path: string, fail: Fail): void {
  if (!Array.isArray(polygon) || polygon.length === 0) return fail(path, 'must be a non-empty array of linear rings')
  polygon.forEach((ring: unknown, r) => {
    const ringPath = `${path}[${r}]`
    if (!Array.isArray(ring)) return fail(ringPath, 'must be an array of positions')
    if (ring.length < 4) fail(ringPath, `a linear ring needs at least 4 positions, got ${ring.length}`)
    let valid = true
    ring.forEach((position: unknown, p) => {
      if (!checkPosition(position, `${ringPath}[${p}]`, fail)) valid = false
    })
    if (valid && ring.length >= 2) {
      const first = ring[0] as number[]
      const last = ring[ring.length - 1] as number[]
      if (first[0] !== last[0] || first[1] !== last[1]) fail(ringPath, 'ring is not closed (first and last positions differ)')
    }
  })
}

function checkPosition(position: unknown, path: string, fail: Fail): boolean {
  if (!Array.isArray(position) || position.length < 2 || position.length > 3) {
    fail(path, 'must be a [longitude, latitude] position')
    return false
  }
  if (!position.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    fail(path, 'coordinates must be finite numbers')
    return false
  }
  const [lon, lat] = position as number[]
  if ((lon as number) < -180 || (lon as number) > 180 || (lat as number) < -90 || (lat as number) > 90) {
    fail(path, `[${lon}, ${lat}] is outside longitude −180…180 / latitude −90…90`)
    return false
  }
  return true
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  return typeof value === 'object' ? 'an object' : String(value)
}
