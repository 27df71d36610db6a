// Matching a boundary file's features to the configured townships, and finding outlying parts
// (an island, an exclave) that would shrink the rest of the county on the wall's map if the map
// were fitted to all of it (docs/architecture.md §3). Pure: no I/O, no dependencies.
import { type Bbox, bboxOf, type InputFeature, polygonsOf } from './geo-import.ts'

export interface TownshipRef {
  code: string
  name: string
}

export interface MatchedFeature {
  feature: number
  township: string
  name: string
  by: 'code' | 'name'
}

export interface UnmatchedFeature {
  feature: number
  code: string | null
  name: string | null
  reason: 'no_code_or_name' | 'unknown_code' | 'unknown_name' | 'ambiguous_name' | 'duplicate'
}

export interface MatchReport {
  matched: MatchedFeature[]
  unmatched: UnmatchedFeature[]
  /** Townships no feature describes (the map leaves them out). */
  missing: TownshipRef[]
}

const text = (v: unknown): string | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v === 'string' && v.trim() !== '') return v.trim()
  return null
}

/** A name without spaces and the usual township suffixes, so 城关 matches 城关镇 and 城东街道办事处 matches 城东街道. */
export const nameKey = (name: string): string => name.replace(/\s+/g, '').replace(/(街道办事处|街道办|街道|办事处|镇|乡)$/u, '')

/**
 * By code first (the township's code, or a 12-digit statistical code whose first 9 digits are it
 * and whose village part is 000), else by name. A township takes the first feature that names it;
 * a later one is a duplicate.
 */
export function matchTownships(features: readonly InputFeature[], townships: readonly TownshipRef[], codeProperty: string | null, nameProperty: string | null): MatchReport {
  const byCode = new Map(townships.map((t) => [t.code, t]))
  const byName = new Map<string, TownshipRef[]>()
  for (const t of townships) byName.set(nameKey(t.name), [...(byName.get(nameKey(t.name)) ?? []), t])
  const taken = new Set<string>()
  const report: MatchReport = { matched: [], unmatched: [], missing: [] }

  for (const f of features) {
    const code = codeProperty ? text(f.properties[codeProperty]) : null
    const name = nameProperty ? text(f.properties[nameProperty]) : null
    let township: TownshipRef | undefined
    let by: 'code' | 'name' = 'code'
    let reason: UnmatchedFeature['reason'] = 'no_code_or_name'
    if (code) {
      township = byCode.get(code) ?? (/^\d{12}$/.test(code) && code.endsWith('000') ? byCode.get(code.slice(0, 9)) : undefined)
      if (!township) reason = 'unknown_code'
    }
    if (!township && name) {
      const candidates = byName.get(nameKey(name)) ?? []
      if (candidates.length === 1) {
        township = candidates[0]
        by = 'name'
      } else if (!code) reason = candidates.length > 1 ? 'ambiguous_name' : 'unknown_name'
    }
    if (township && taken.has(township.code)) {
      report.unmatched.push({ feature: f.index, code, name, reason: 'duplicate' })
    } else if (township) {
      taken.add(township.code)
      report.matched.push({ feature: f.index, township: township.code, name: township.name, by })
    } else {
      report.unmatched.push({ feature: f.index, code, name, reason })
    }
  }
  report.missing = townships.filter((t) => !taken.has(t.code)).map((t) => ({ code: t.code, name: t.name }))
  return report
}

export interface OutlyingPart {
  feature: number
  /** Index of the polygon within a MultiPolygon (0 for a Polygon). */
  part: number
  bbox: Bbox
}

/**
 * The parts (polygons) far from the main body: starting from the largest part, the body takes
 * every part whose box comes within `gapFactor` × the body's size; what is left after that
 * settles is outlying. Returns the body's box (what the map fits to) and the outliers.
 */
export function outlyingParts(features: readonly InputFeature[], gapFactor = 0.5): { fit: Bbox; outliers: OutlyingPart[] } {
  const parts = features.flatMap((f) => polygonsOf(f.geometry).map((polygon, part) => ({ feature: f.index, part, bbox: bboxOf([polygon]) })))
  const area = (b: Bbox) => (b[2] - b[0]) * (b[3] - b[1])
  const seed = parts.reduce((best, p) => (area(p.bbox) > area(best.bbox) ? p : best), parts[0]!)
  const body: Bbox = [...seed.bbox]
  const inBody = new Set([seed])
  for (let grew = true; grew; ) {
    grew = false
    const gap = gapFactor * Math.max(body[2] - body[0], body[3] - body[1])
    for (const p of parts) {
      if (inBody.has(p)) continue
      const dx = Math.max(0, p.bbox[0] - body[2], body[0] - p.bbox[2])
      const dy = Math.max(0, p.bbox[1] - body[3], body[1] - p.bbox[3])
      if (Math.hypot(dx, dy) > gap) continue
      inBody.add(p)
      grew = true
      body[0] = Math.min(body[0], p.bbox[0])
      body[1] = Math.min(body[1], p.bbox[1])
      body[2] = Math.max(body[2], p.bbox[2])
      body[3] = Math.max(body[3], p.bbox[3])
    }
  }
  return { fit: body, outliers: parts.filter((p) => !inBody.has(p)) }
}
