// Region codes (docs/architecture.md §3): the national statistical division codes, 6 digits for a
// county, 9 for a township or street, 12 for a village or community; a grid is local, its village's
// code plus `-NN`. The published code table (统计用区划代码) writes every level in 12 digits, padded
// with zeros: 990100000000 is county 990100, 990100001000 township 990100001. Pure: no I/O.

export type RegionLevel = 'county' | 'township' | 'village' | 'grid'

export const LEVEL_ORDER: readonly RegionLevel[] = ['county', 'township', 'village', 'grid']

export const REGION_CODE = /^(\d{6}|\d{9}|\d{12}|\d{12}-\d{2})$/
export const REGION_CODE_MESSAGE = 'must be a region code: 6 digits (county), 9 (township), 12 (village; the code table’s 12-digit form of a county or township works too) or a village code and -NN (grid)'

/** The level a (normalized) code's form implies, or null when it is no region code. */
export function levelOfCode(code: string): RegionLevel | null {
  if (/^\d{6}$/.test(code)) return 'county'
  if (/^\d{9}$/.test(code)) return 'township'
  if (/^\d{12}$/.test(code)) return 'village'
  if (/^\d{12}-\d{2}$/.test(code)) return 'grid'
  return null
}

/**
 * A code as stored: the code table's 12-digit form of a county (…000000) or township (…000) is
 * shortened to 6 or 9 digits; everything else is kept as it is. No village code ends in 000
 * (villages are numbered from 001), so the padding is unambiguous.
 */
export function normalizeCode(raw: string): string {
  const code = raw.trim()
  if (/^\d{6}000000$/.test(code)) return code.slice(0, 6)
  if (/^\d{9}000$/.test(code)) return code.slice(0, 9)
  return code
}

/** The parent a code's digits name (a township's county, a village's township, a grid's village); null for a county. */
export function impliedParent(code: string): string | null {
  switch (levelOfCode(code)) {
    case 'township':
      return code.slice(0, 6)
    case 'village':
      return code.slice(0, 9)
    case 'grid':
      return code.slice(0, 12)
    default:
      return null
  }
}

/** The level a region of `level` hangs under; null for a county (the root). */
export function parentLevel(level: RegionLevel): RegionLevel | null {
  const i = LEVEL_ORDER.indexOf(level)
  return i > 0 ? LEVEL_ORDER[i - 1]! : null
}

/** What kind of place a name says it is (镇, 乡, 街道; 社区 or 村), for the `kind` column. */
export function kindOfName(level: RegionLevel, name: string): string {
  const n = name.trim()
  if (level === 'county') return 'county'
  if (level === 'grid') return 'grid'
  if (level === 'township') return /街道(办事处)?$/.test(n) ? 'subdistrict' : /镇$/.test(n) ? 'town' : 'township'
  return /(社区|居委会|居民委员会)$/.test(n) ? 'community' : 'village'
}

export const REGION_KINDS = ['county', 'town', 'township', 'subdistrict', 'village', 'community', 'grid'] as const

/** The kinds each level may have. */
export const KINDS_OF: Record<RegionLevel, readonly string[]> = {
  county: ['county'],
  township: ['town', 'township', 'subdistrict'],
  village: ['village', 'community'],
  grid: ['grid'],
}

/** A tag rules can test (`county_seat`, `border`, `resettlement`, …). */
export const REGION_TAG = /^[a-z][a-z0-9_]{0,39}$/
