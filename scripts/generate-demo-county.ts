// Deterministic generator for the fictional demo county 示范县 (code 990100), docs/architecture.md §3.
//
//   npx node scripts/generate-demo-county.ts
//
// Writes db/seed/demo-county.geojson (12 township polygons tiling an irregular county outline)
// and db/seed/demo-county.json (region tree county → township → village/community → grid, with
// tags, seats, populations and simulator weights). Every random choice comes from the seeded
// PRNG below, so running it twice produces byte-identical files. All names are invented.

import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Delaunay } from 'd3-delaunay'
import polygonClipping from 'polygon-clipping'
import type { Pair, Polygon as PcPolygon } from 'polygon-clipping'
import { mulberry32 } from './lib/mulberry32.ts'

// ---------------------------------------------------------------------------------------------
// Types of the shipped files

export type Position = [number, number]
export type TownshipKind = 'town' | 'township' | 'subdistrict'
export type VillageKind = 'village' | 'community'

export interface Grid {
  code: string
  name: string
}

export interface Village {
  code: string
  name: string
  kind: VillageKind
  tags: string[]
  grids: Grid[]
}

export interface Township {
  code: string
  name: string
  kind: TownshipKind
  tags: string[]
  seat: Position
  population: number
  /** Share of the county's event volume (all townships sum to 1). */
  weight: number
  villages: Village[]
}

export interface RegionTree {
  county: { code: string; name: string }
  townships: Township[]
}

export interface TownshipFeature {
  type: 'Feature'
  properties: { code: string; name: string; center: Position }
  geometry: { type: 'Polygon'; coordinates: Position[][] }
}

export interface TownshipCollection {
  type: 'FeatureCollection'
  features: TownshipFeature[]
}

// ---------------------------------------------------------------------------------------------
// Constants

export const COUNTY = { code: '990100', name: '示范县' } as const
const SEED = 0x5a0_a119
const CENTER: Position = [113.5, 28.5] // fictional location
const HALF_SPAN: Position = [0.3, 0.25] // ≈ 0.6° × 0.5° overall
const OUTLINE_VERTICES = 96
const KM_PER_DEG_LAT = 110.574
const KM_PER_DEG_LON = 111.32 * Math.cos((CENTER[1] * Math.PI) / 180)

interface TownshipSpec {
  name: string
  kind: TownshipKind
  tags: string[]
}

// Index 0 is the county seat; the order fixes the codes 990100001…990100012.
const TOWNSHIPS: TownshipSpec[] = [
  { name: '城关街道', kind: 'subdistrict', tags: ['county_seat'] },
  { name: '青石镇', kind: 'town', tags: ['industrial_park'] },
  { name: '柳溪镇', kind: 'town', tags: ['industrial_park'] },
  { name: '白塘乡', kind: 'township', tags: [] },
  { name: '云岭乡', kind: 'township', tags: ['resettlement'] },
  { name: '松塘镇', kind: 'town', tags: [] },
  { name: '枫林乡', kind: 'township', tags: [] },
  { name: '望岭镇', kind: 'town', tags: [] },
  { name: '栗木乡', kind: 'township', tags: [] },
  { name: '双溪镇', kind: 'town', tags: [] },
  { name: '鹿鸣乡', kind: 'township', tags: ['resettlement'] },
  { name: '杉坪乡', kind: 'township', tags: [] },
]

// Event-volume shares: the county seat 35 %, the four heaviest townships 70 % together.
const SEAT_WEIGHT = 0.35
const HEAVY_WEIGHTS = [0.14, 0.11, 0.1] // 青石镇, 柳溪镇, the hot-spot border township
const LIGHT_WEIGHTS = [0.05, 0.045, 0.04, 0.04, 0.035, 0.035, 0.03, 0.025] // the other 8

const VILLAGE_FIRST = [...'龙凤石竹茶杨枣花水高长新大上下黄田岩桥樟杉桂梅荷牛马鹤藕柿'] as const
const VILLAGE_SECOND = [...'坪冲湾坳塘岭园口山垅溪洲坡铺港湖台庄屋垄源'] as const
const COMMUNITY_FIRST = [...'东西南北新文和阳康兴民建春锦'] as const
const COMMUNITY_SECOND = [...'街门苑华城湖安桥光明园景福泰'] as const
const CN_DIGITS = ['一', '二', '三', '四', '五', '六', '七', '八', '九'] as const

// The stretch of the outline that is the provincial boundary (angles from the centre, radians):
// townships with a substantial share of it are tagged `border` (接边).
const BORDER_ARC: [number, number] = [-1.2, 0.9] // east / north-east side
const BORDER_MIN_SHARE = 0.12


type Rng = () => number
const between = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng()
const intBetween = (rng: Rng, lo: number, hi: number): number => Math.floor(between(rng, lo, hi + 1))

function pick<T>(rng: Rng, list: readonly T[]): T {
  const item = list[Math.floor(rng() * list.length)]
  if (item === undefined) throw new Error('pick from empty list')
  return item
}

function shuffled<T>(rng: Rng, list: readonly T[]): T[] {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    const a = out[i] as T
    out[i] = out[j] as T
    out[j] = a
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Planar geometry helpers (exported for the tests)

/** Signed shoelace area of a ring (positive = counter-clockwise). Works closed or open. */
export function signedArea(ring: readonly (readonly number[])[]): number {
  let sum = 0
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i] as readonly number[]
    const q = ring[(i + 1) % ring.length] as readonly number[]
    sum += (p[0] as number) * (q[1] as number) - (q[0] as number) * (p[1] as number)
  }
  return sum / 2
}

/** Area of a polygon (outer ring minus holes), in the units² of its coordinates. */
export function polygonArea(polygon: readonly (readonly (readonly number[])[])[]): number {
  let area = 0
  polygon.forEach((ring, i) => {
    area += i === 0 ? Math.abs(signedArea(ring)) : -Math.abs(signedArea(ring))
  })
  return area
}

export function multiPolygonArea(mp: readonly (readonly (readonly (readonly number[])[])[])[]): number {
  return mp.reduce((sum, polygon) => sum + polygonArea(polygon), 0)
}

function pointInRing(p: Position, ring: readonly Position[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as Position
    const [xj, yj] = ring[j] as Position
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function distToSegment(p: Position, a: Position, b: Position): number {
  const dx = b[0] - a[0]
  const dy = b[1] - a[1]
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2))
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy))
}

function distToRing(p: Position, ring: readonly Position[]): number {
  let best = Infinity
  for (let i = 0; i + 1 < ring.length; i++) {
    best = Math.min(best, distToSegment(p, ring[i] as Position, ring[i + 1] as Position))
  }
  return best
}

function centroid(ring: readonly Position[]): Position {
  let a = 0
  let cx = 0
  let cy = 0
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i] as Position
    const [x1, y1] = ring[i + 1] as Position
    const cross = x0 * y1 - x1 * y0
    a += cross
    cx += (x0 + x1) * cross
    cy += (y0 + y1) * cross
  }
  return [cx / (3 * a), cy / (3 * a)]
}

const round5 = (v: number): number => Math.round(v * 1e5) / 1e5

// Local planar frame in km around CENTER; Voronoi and clipping happen here so cells are fair in
// distance, then everything is mapped back to lon/lat.
const toKm = ([lon, lat]: Position): Position => [(lon - CENTER[0]) * KM_PER_DEG_LON, (lat - CENTER[1]) * KM_PER_DEG_LAT]
const toLonLat = ([x, y]: Position): Position => [round5(CENTER[0] + x / KM_PER_DEG_LON), round5(CENTER[1] + y / KM_PER_DEG_LAT)]

/** Closed, counter-clockwise ring without consecutive duplicates. */
function normaliseRing(ring: readonly Position[]): Position[] {
  const out: Position[] = []
  for (const p of ring) {
    const last = out[out.length - 1]
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push([p[0], p[1]])
  }
  const first = out[0]
  const last = out[out.length - 1]
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) out.push([first[0], first[1]])
  if (signedArea(out) < 0) out.reverse()
  return out
}

// ---------------------------------------------------------------------------------------------
// Geometry: outline, seats, Voronoi cells

/** The county outline in lon/lat: a noisy star-shaped closed curve (closed, CCW ring). */
export function buildOutline(rng: Rng = mulberry32(SEED)): Position[] {
  const harmonics = [2, 3, 4, 5, 7, 9].map((k) => ({
    k,
    amp: between(rng, 0.05, 0.14) / Math.sqrt(k - 1),
    phase: between(rng, 0, 2 * Math.PI),
  }))
  const ring: Position[] = []
  for (let i = 0; i < OUTLINE_VERTICES; i++) {
    const theta = (2 * Math.PI * i) / OUTLINE_VERTICES
    let r = 1 + between(rng, -0.02, 0.02)
    for (const h of harmonics) r += h.amp * Math.sin(h.k * theta + h.phase)
    r = Math.max(r, 0.62)
    ring.push([round5(CENTER[0] + HALF_SPAN[0] * r * Math.cos(theta)), round5(CENTER[1] + HALF_SPAN[1] * r * Math.sin(theta))])
  }
  return normaliseRing(ring)
}

/** 12 seats (km frame): the county seat near the middle, the rest spread by best-candidate sampling. */
function placeSeats(rng: Rng, outlineKm: Position[]): Position[] {
  const xs = outlineKm.map((p) => p[0])
  const ys = outlineKm.map((p) => p[1])
  const [xmin, xmax, ymin, ymax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
  const seats: Position[] = [[between(rng, -3, 3), between(rng, -3, 3)]]
  while (seats.length < TOWNSHIPS.length) {
    let best: Position | undefined
    let bestScore = -Infinity
    for (let c = 0; c < 40; c++) {
      const p: Position = [between(rng, xmin, xmax), between(rng, ymin, ymax)]
      if (!pointInRing(p, outlineKm)) continue
      const edge = distToRing(p, outlineKm)
      if (edge < 3) continue
      const near = Math.min(...seats.map((s) => Math.hypot(s[0] - p[0], s[1] - p[1])))
      const score = Math.min(near, 2.2 * edge)
      if (score > bestScore) {
        bestScore = score
        best = p
      }
    }
    if (best) seats.push(best)
  }
  return seats
}

/**
 * A Voronoi edge a→b replaced by a wiggly polyline (midpoint displacement), excluding b. The
 * wiggle depends only on the unordered pair {a, b}, so the two cells sharing an edge get exactly
 * the same polyline (reversed) and still tile the plane.
 */
function noisyEdge(a: Position, b: Position): Position[] {
  const key = (p: Position): number => Math.round(p[0] * 1e4) * 92821 + Math.round(p[1] * 1e4) * 68917
  const forward = a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1])
  const [p, q] = forward ? [a, b] : [b, a]
  const rng = mulberry32((key(p) * 31 + key(q)) | 0)
  let line: Position[] = [p, q]
  let amp = 0.07
  for (let depth = 0; depth < 3; depth++) {
    const next: Position[] = [line[0] as Position]
    for (let k = 0; k + 1 < line.length; k++) {
      const u = line[k] as Position
      const v = line[k + 1] as Position
      const d = between(rng, -amp, amp)
      // perpendicular offset proportional to the segment length
      next.push([(u[0] + v[0]) / 2 - (v[1] - u[1]) * d, (u[1] + v[1]) / 2 + (v[0] - u[0]) * d], v)
    }
    line = next
    amp *= 0.8
  }
  if (!forward) line.reverse()
  return line.slice(0, -1)
}

interface Cell {
  ring: Position[] // lon/lat, closed, CCW, rounded
  center: Position
  seat: Position
}

function buildCells(outline: Position[], seatsKm: Position[]): Cell[] {
  const outlineKm = outline.map(toKm)
  const pad = 50
  const xs = outlineKm.map((p) => p[0])
  const ys = outlineKm.map((p) => p[1])
  const voronoi = Delaunay.from(seatsKm).voronoi([
    Math.min(...xs) - pad,
    Math.min(...ys) - pad,
    Math.max(...xs) + pad,
    Math.max(...ys) + pad,
  ])
  const clip: PcPolygon = [outlineKm as Pair[]]
  return seatsKm.map((seatKm, i) => {
    const cell = voronoi.cellPolygon(i) as Position[] | null
    if (!cell) throw new Error(`no Voronoi cell for seat ${i}`)
    const wiggly: Position[] = []
    for (let k = 0; k + 1 < cell.length; k++) wiggly.push(...noisyEdge(cell[k] as Position, cell[k + 1] as Position))
    const pieces = polygonClipping.intersection([wiggly as Pair[]], clip)
    const piece = pieces[0]
    if (pieces.length !== 1 || !piece || piece.length !== 1 || !piece[0]) {
      throw new Error(`cell ${i} clipped into ${pieces.length} parts / holes; change SEED`)
    }
    const ring = normaliseRing(piece[0].map((p) => toLonLat(p as Position)))
    const seat = toLonLat(seatKm)
    const c = centroid(ring)
    const center: Position = pointInRing(c, ring) && distToRing(c, ring) > 0.01 ? [round5(c[0]), round5(c[1])] : seat
    return { ring, center, seat }
  })
}

/** Length of the cell boundary lying on the given part of the outline (lon/lat units). */
function sharedBoundaryLength(ring: Position[], outline: Position[], onArc: (p: Position) => boolean): number {
  const eps = 2e-5
  let length = 0
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i] as Position
    const b = ring[i + 1] as Position
    const mid: Position = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]
    if (distToRing(a, outline) < eps && distToRing(b, outline) < eps && distToRing(mid, outline) < eps && onArc(mid)) {
      length += Math.hypot(a[0] - b[0], a[1] - b[1])
    }
  }
  return length
}

function ringLength(ring: Position[], onArc: (p: Position) => boolean): number {
  let length = 0
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i] as Position
    const b = ring[i + 1] as Position
    if (onArc([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2])) length += Math.hypot(a[0] - b[0], a[1] - b[1])
  }
  return length
}

// ---------------------------------------------------------------------------------------------
// Region tree

function makeNamer(rng: Rng, first: readonly string[], second: readonly string[], taken: Set<string>): () => string {
  return () => {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const a = pick(rng, first)
      const b = pick(rng, second)
      const name = a + b
      if (a === b || taken.has(name)) continue
      taken.add(name)
      return name
    }
    throw new Error('ran out of names')
  }
}

function buildVillages(rng: Rng, townshipCode: string, spec: TownshipSpec, names: { village: () => string; community: () => string }): Village[] {
  const count = spec.kind === 'subdistrict' ? intBetween(rng, 16, 19) : intBetween(rng, 10, 18)
  const communities =
    spec.kind === 'subdistrict' ? count - intBetween(rng, 2, 4) : spec.kind === 'town' ? intBetween(rng, 2, 3) : intBetween(rng, 0, 1)
  const villages: Village[] = []
  for (let i = 0; i < count; i++) {
    const kind: VillageKind = i < communities ? 'community' : 'village'
    const name = kind === 'community' ? `${names.community()}社区` : `${names.village()}村`
    const code = `${townshipCode}${String(i + 1).padStart(3, '0')}`
    const gridCount = intBetween(rng, 3, 5)
    const grids: Grid[] = []
    for (let g = 0; g < gridCount; g++) {
      grids.push({ code: `${code}-${String(g + 1).padStart(2, '0')}`, name: `${name}第${CN_DIGITS[g] ?? String(g + 1)}网格` })
    }
    villages.push({ code, name, kind, tags: [], grids })
  }
  return villages
}

function tagSome(rng: Rng, villages: Village[], tag: string, count: number, kind: VillageKind | 'any' = 'village'): void {
  const candidates = villages.filter((v) => (kind === 'any' || v.kind === kind) && !v.tags.includes(tag))
  for (const v of shuffled(rng, candidates).slice(0, count)) v.tags.push(tag)
}

// ---------------------------------------------------------------------------------------------
// Build everything

export interface DemoCounty {
  outline: Position[]
  geojson: TownshipCollection
  tree: RegionTree
}

export function buildDemoCounty(): DemoCounty {
  const rng = mulberry32(SEED)
  const outline = buildOutline(rng)
  const seatsKm = placeSeats(rng, outline.map(toKm))
  const cells = buildCells(outline, seatsKm)
  const codes = TOWNSHIPS.map((_, i) => `${COUNTY.code}${String(i + 1).padStart(3, '0')}`)

  // Tiling check: the rounded cells must cover the outline without overlaps.
  const outlineArea = Math.abs(signedArea(outline))
  const cellArea = cells.reduce((sum, c) => sum + Math.abs(signedArea(c.ring)), 0)
  if (Math.abs(cellArea - outlineArea) / outlineArea > 0.005) {
    throw new Error(`cells cover ${cellArea} but the outline is ${outlineArea} (> 0.5 % apart)`)
  }
  for (let i = 0; i < cells.length; i++) {
    for (let j = i + 1; j < cells.length; j++) {
      const overlap = multiPolygonArea(polygonClipping.intersection([(cells[i] as Cell).ring], [(cells[j] as Cell).ring]))
      if (overlap > outlineArea * 1e-6) throw new Error(`townships ${i + 1} and ${j + 1} overlap (${overlap})`)
    }
  }

  // Border townships: those sharing a substantial part of the provincial-boundary arc.
  const onArc = (p: Position): boolean => {
    const angle = Math.atan2((p[1] - CENTER[1]) / HALF_SPAN[1], (p[0] - CENTER[0]) / HALF_SPAN[0])
    return angle >= BORDER_ARC[0] && angle <= BORDER_ARC[1]
  }
  const arcLength = ringLength(outline, onArc)
  const border = new Set<number>()
  cells.forEach((cell, i) => {
    if (i !== 0 && sharedBoundaryLength(cell.ring, outline, onArc) / arcLength >= BORDER_MIN_SHARE) border.add(i)
  })
  if (border.size < 3 || border.size > 5) throw new Error(`${border.size} border townships; want 3–5`)

  // Weights: the county seat, the two industrial towns and one border township are the heavy four.
  const hotBorder = [...border].find((i) => i > 2)
  if (hotBorder === undefined) throw new Error('no border township outside the first three')
  const heavy = [1, 2, hotBorder]
  const lightQueue = [...LIGHT_WEIGHTS]
  const weights = codes.map((_, i) => {
    if (i === 0) return SEAT_WEIGHT
    const h = heavy.indexOf(i)
    if (h >= 0) return HEAVY_WEIGHTS[h] as number
    return lightQueue.shift() as number
  })

  const takenVillage = new Set<string>(TOWNSHIPS.map((t) => t.name.slice(0, 2)))
  const takenCommunity = new Set<string>()
  const names = {
    village: makeNamer(rng, VILLAGE_FIRST, VILLAGE_SECOND, takenVillage),
    community: makeNamer(rng, COMMUNITY_FIRST, COMMUNITY_SECOND, takenCommunity),
  }

  const townships: Township[] = TOWNSHIPS.map((spec, i) => {
    const code = codes[i] as string
    const cell = cells[i] as Cell
    const villages = buildVillages(rng, code, spec, names)
    if (spec.tags.includes('resettlement')) tagSome(rng, villages, 'resettlement', intBetween(rng, 2, 4))
    if (i === 1 || i === hotBorder) tagSome(rng, villages, 'hotspot', intBetween(rng, 2, 3), 'any')
    if (rng() < 0.5 || i === hotBorder) tagSome(rng, villages, 'difficult', 1)
    for (const v of villages) v.tags.sort()
    const population =
      spec.kind === 'subdistrict'
        ? Math.round(between(rng, 128_000, 142_000) / 100) * 100
        : spec.kind === 'town'
          ? Math.round(between(rng, 28_000, 52_000) / 100) * 100
          : Math.round(between(rng, 12_000, 26_000) / 100) * 100
    const tags = [...spec.tags, ...(border.has(i) ? ['border'] : [])].sort()
    return { code, name: spec.name, kind: spec.kind, tags, seat: cell.seat, population, weight: weights[i] as number, villages }
  })

  const geojson: TownshipCollection = {
    type: 'FeatureCollection',
    features: townships.map((t, i) => ({
      type: 'Feature',
      properties: { code: t.code, name: t.name, center: (cells[i] as Cell).center },
      geometry: { type: 'Polygon', coordinates: [(cells[i] as Cell).ring] },
    })),
  }
  return { outline, geojson, tree: { county: { code: COUNTY.code, name: COUNTY.name }, townships } }
}

// ---------------------------------------------------------------------------------------------
// Output: one feature / township per line keeps the files diffable without bloating them.

function formatGeoJson(fc: TownshipCollection): string {
  const lines = fc.features.map((f) => `    ${JSON.stringify(f)}`)
  return `{\n  "type": "FeatureCollection",\n  "features": [\n${lines.join(',\n')}\n  ]\n}\n`
}

function formatTree(tree: RegionTree): string {
  return `${JSON.stringify(tree, null, 2)}\n`
}

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  const { geojson, tree } = buildDemoCounty()
  const geoPath = resolve(root, 'db/seed/demo-county.geojson')
  const treePath = resolve(root, 'db/seed/demo-county.json')
  mkdirSync(dirname(geoPath), { recursive: true })
  writeFileSync(geoPath, formatGeoJson(geojson))
  writeFileSync(treePath, formatTree(tree))
  for (const t of tree.townships) {
    console.log(`${t.code} ${t.name} ${t.kind} [${t.tags.join(', ')}] villages=${t.villages.length} weight=${t.weight} pop=${t.population}`)
  }
  console.log(`wrote ${geoPath} and ${treePath}`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
