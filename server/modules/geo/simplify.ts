// Simplification of a large boundary file to what the wall can show (docs/architecture.md §3):
// the map panel of a 1920×1080 wall is about 900 pixels wide, so detail finer than a fraction of
// a pixel is invisible but costs parse and draw time on every wall's first paint.
import simplify from '@turf/simplify'
import { type BoundaryGeometry, type Bbox, vertexCount } from '../../domain/geo-import.ts'

/** Vertices the whole map may keep: far above what 900 × 480 pixels can show, far below a 50 MB file. */
export const VERTEX_BUDGET = 20_000
/** Pixels across the map's longer side on the wall (the panel is ~900 px; a little margin). */
const WALL_PIXELS = 1_000

export interface SimplifyResult {
  before: number
  after: number
  /** Douglas–Peucker tolerance used, in degrees; null when the file was already small enough. */
  tolerance: number | null
}

type Geo = { geometry: BoundaryGeometry }

/**
 * Simplifies in place when the features hold more than `budget` vertices: from half a wall pixel,
 * doubling the tolerance until the budget holds (a ring never drops below 4 positions; holes are
 * simplified, not removed).
 */
export function simplifyToBudget(features: Geo[], extent: Bbox, budget = VERTEX_BUDGET): SimplifyResult {
  const before = vertexCount(features)
  if (before <= budget) return { before, after: before, tolerance: null }
  const span = Math.max(extent[2] - extent[0], extent[3] - extent[1]) || 1e-6
  const original = features.map((f) => f.geometry)
  let tolerance = span / WALL_PIXELS / 2
  let after = before
  for (let attempt = 0; attempt < 12; attempt++, tolerance *= 2) {
    const collection = {
      type: 'FeatureCollection' as const,
      features: original.map((geometry) => ({ type: 'Feature' as const, properties: {}, geometry: structuredClone(geometry) })),
    }
    const simplified = simplify(collection as Parameters<typeof simplify>[0], { tolerance, highQuality: false, mutate: true }) as unknown as typeof collection
    simplified.features.forEach((f, i) => {
      features[i]!.geometry = f.geometry
    })
    after = vertexCount(features)
    if (after <= budget) break
  }
  return { before, after, tolerance }
}
