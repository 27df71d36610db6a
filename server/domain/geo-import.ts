// Reading an administrator's boundary file (docs/architecture.md §3): real files come from many
// public sources, so the code and name may sit in any property, features may be a lone Feature,
// Polygons or MultiPolygons with holes, and axes may be swapped. This module finds the
// properties, checks every position, and matches features to the configured townships. Pure:
// no I/O, no dependencies (the client runs the same property discovery before upload).

export type Position = [number, number] | [number, number, number]
export type PolygonCoords = Position[][]
export interface BoundaryGeometry {
  type: 'Polygon' | 'MultiPolygon'
  coordinates: PolygonCoords | PolygonCoords[]
}
export interface InputFeature {
  index: number
  properties: Record<string, unknown>
  geometry: BoundaryGeometry
}

/** Why a file is refused as a whole: a machine code (the client words it), a path and an English message. */
export interface GeoFileError {
  reason: 'not_geojson' | 'bad_feature' | 'bad_geometry' | 'bad_position' | 'out_of_range' | 'swapped_axes' | 'no_features'
  path: string
  message: string
}

export const CODE_PROPERTIES = ['code', 'adcode', 'TOWNCODE', 'XZQHDM'] as const
export const NAME_PROPERTIES = ['name', 'NAME', 'TOWNNAME'] as const
const MAX_ERRORS = 20

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Every property name any feature carries, in first-seen order (what the screen offers as choices). */
export function propertyNames(geojson: unknown): string[] {
  const names = new Set<string>()
  for (const feature of rawFeatures(geojson) ?? []) {
    if (isObject(feature) && isObject(feature.properties)) for (const k of Object.keys(feature.properties)) names.add(k)
  }
  return [...names]
}

/** The code and name properties to use when the administrator chose none: the usual ones, in order. */
export function guessProperties(names: readonly string[]): { codeProperty: string | null; nameProperty: string | null } {
  const has = new Set(names)
  return { codeProperty: CODE_PROPERTIES.find((p) => has.has(p)) ?? null, nameProperty: NAME_PROPERTIES.find((p) => has.has(p)) ?? null }
}

function rawFeatures(geojson: unknown): unknown[] | undefined {
  if (!isObject(geojson)) return undefined
  if (geojson.type === 'Feature') return [geojson]
  if (geojson.type === 'FeatureCollection' && Array.isArray(geojson.features)) return geojson.features
  return undefined
}

/**
 * The features of a Feature or FeatureCollection whose geometry is a Polygon or MultiPolygon with
 * well-formed rings and finite, in-range positions; otherwise every error found (up to a bound).
 * `seats` (township seats, [lon, lat]) help tell swapped axes when all numbers are in range.
 */
export function readBoundaryFile(geojson: unknown, seats: ReadonlyArray<readonly [number, number]> = []): { ok: true; features: InputFeature[] } | { ok: false; errors: GeoFileError[] } {
  const list = rawFeatures(geojson)
  if (!list) return { ok: false, errors: [{ reason: 'not_geojson', path: '$', message: 'must be a GeoJSON Feature or FeatureCollection' }] }
  if (list.length === 0) return { ok: false, errors: [{ reason: 'no_features', path: '$.features', message: 'the file has no features' }] }
  const errors: GeoFileError[] = []
  const features: InputFeature[] = []
  const prefix = isObject(geojson) && geojson.type === 'Feature' ? '$' : '$.features'
  list.forEach((f, index) => {
    if (errors.length >= MAX_ERRORS) return
    const path = prefix === '$' ? '$' : `${prefix}[${index}]`
    if (!isObject(f) || f.type !== 'Feature') return void errors.push({ reason: 'bad_feature', path, message: 'must be a GeoJSON Feature' })
    const geometry = f.geometry
    if (!isObject(geometry) || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) {
      return void errors.push({ reason: 'bad_geometry', path: `${path}.geometry`, message: 'must be a Polygon or MultiPolygon' })
    }
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
    if (!Array.isArray(polygons) || polygons.length === 0) return void errors.push({ reason: 'bad_geometry', path: `${path}.geometry.coordinates`, message: 'must be a non-empty array' })
    const before = errors.length
    polygons.forEach((polygon: unknown, p) => checkPolygon(polygon, geometry.type === 'Polygon' ? `${path}.geometry.coordinates` : `${path}.geometry.coordinates[${p}]`, errors))
    if (errors.length === before) {
      features.push({ index, properties: isObject(f.properties) ? f.properties : {}, geometry: { type: geometry.type, coordinates: geometry.coordinates as PolygonCoords } })
    }
  })
  const outOfRange = errors.filter((e) => e.reason === 'out_of_range')
  if (outOfRange.length > 0 && list.every(allSwappedInRange)) {
    return { ok: false, errors: [{ reason: 'swapped_axes', path: outOfRange[0]!.path, message: 'positions look like [latitude, longitude]: GeoJSON needs [longitude, latitude]' }] }
  }
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, MAX_ERRORS) }
  if (seats.length > 0 && looksSwapped(features, seats)) {
    return { ok: false, errors: [{ reason: 'swapped_axes', path: prefix, message: 'the townships lie inside this file only with longitude and latitude exchanged: GeoJSON needs [longitude, latitude]' }] }
  }
  return { ok: true, features }
}

function checkPolygon(polygon: unknown, path: string, errors: GeoFileError[]): void {
  if (!Array.isArray(polygon) || polygon.length === 0) return void errors.push({ reason: 'bad_geometry', path, message: 'must be a non-empty array of linear rings' })
  polygon.forEach((ring: unknown, r) => {
    if (errors.length >= MAX_ERRORS) return
    const ringPath = `${path}[${r}]`
    if (!Array.isArray(ring) || ring.length < 4) return void errors.push({ reason: 'bad_geometry', path: ringPath, message: 'a linear ring needs at least 4 positions' })
    for (let i = 0; i < ring.length; i++) {
      const pos: unknown = ring[i]
      if (!Array.isArray(pos) || pos.length < 2 || pos.length > 3 || !pos.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        return void errors.push({ reason: 'bad_position', path: `${ringPath}[${i}]`, message: 'must be a [longitude, latitude] pair of finite numbers' })
      }
      const [lon, lat] = pos as [number, number]
      if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
        return void errors.push({ reason: 'out_of_range', path: `${ringPath}[${i}]`, message: `[${lon}, ${lat}] is outside longitude −180…180 / latitude −90…90` })
      }
    }
    const first = ring[0] as number[]
    const last = ring[ring.length - 1] as number[]
    if (first[0] !== last[0] || first[1] !== last[1]) errors.push({ reason: 'bad_geometry', path: ringPath, message: 'ring is not closed (first and last positions differ)' })
  })
}

/** Every position of a raw feature would be in range if its two numbers were exchanged. */
function allSwappedInRange(feature: unknown): boolean {
  if (!isObject(feature) || !isObject(feature.geometry)) return true
  let ok = true
  walkNumbers(feature.geometry.coordinates, (a, b) => {
    if (!(b >= -180 && b <= 180 && a >= -90 && a <= 90)) ok = false
  })
  return ok
}

function walkNumbers(value: unknown, visit: (a: number, b: number) => void): void {
  if (!Array.isArray(value)) return
  if (typeof value[0] === 'number') return visit(value[0], value[1] as number)
  for (const v of value) walkNumbers(v, visit)
}

/** Seats fall in the file's extent only after exchanging the axes. */
function looksSwapped(features: InputFeature[], seats: ReadonlyArray<readonly [number, number]>): boolean {
  const box = extent(features)
  const inside = (x: number, y: number) => x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3]
  const direct = seats.filter(([x, y]) => inside(x, y)).length
  const swapped = seats.filter(([x, y]) => inside(y, x)).length
  return direct === 0 && swapped > seats.length / 2
}

export type Bbox = [number, number, number, number]

export function polygonsOf(geometry: BoundaryGeometry): PolygonCoords[] {
  return geometry.type === 'Polygon' ? [geometry.coordinates as PolygonCoords] : (geometry.coordinates as PolygonCoords[])
}

/** The bounding box of the outer rings of some polygons. */
export function bboxOf(polygons: readonly PolygonCoords[]): Bbox {
  const box: Bbox = [Infinity, Infinity, -Infinity, -Infinity]
  for (const polygon of polygons) {
    for (const [x, y] of polygon[0] ?? []) {
      if (x < box[0]) box[0] = x
      if (y < box[1]) box[1] = y
      if (x > box[2]) box[2] = x
      if (y > box[3]) box[3] = y
    }
  }
  return box
}

export function extent(features: readonly InputFeature[]): Bbox {
  return bboxOf(features.flatMap((f) => polygonsOf(f.geometry)))
}

export function vertexCount(features: ReadonlyArray<{ geometry: BoundaryGeometry }>): number {
  let n = 0
  for (const f of features) for (const polygon of polygonsOf(f.geometry)) for (const ring of polygon) n += ring.length
  return n
}
