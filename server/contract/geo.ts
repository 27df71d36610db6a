// The county boundary file's checks, run in the browser before upload and on the server after
// it: one definition in the pure domain, reaching the client through here. Pure.
export { type GeoValidationError, type GeoValidationResult, MAX_GEO_ERRORS, validateCountyGeoJson } from '../domain/geo.ts'

// Boundary uploads (PUT /api/v1/geo/county): the property discovery the screen runs before upload,
// and the report the server answers with (docs/architecture.md §3).
export { CODE_PROPERTIES, guessProperties, NAME_PROPERTIES, propertyNames } from '../domain/geo-import.ts'
import type { Bbox } from '../domain/geo-import.ts'
import type { MatchReport, OutlyingPart } from '../domain/geo-match.ts'
export type { MatchedFeature, MatchReport, OutlyingPart, UnmatchedFeature } from '../domain/geo-match.ts'

export interface GeoUploadReport extends MatchReport {
  codeProperty: string | null
  nameProperty: string | null
  /** Every property name the file's features carry. */
  properties: string[]
  simplification: { before: number; after: number; tolerance: number | null }
  /** Parts far from the main body: left out of the map's fit when `fit` is `main`. */
  outliers: Array<OutlyingPart & { township: string }>
  fit: 'main' | 'all'
  fitBbox: Bbox
}

export interface GeoUploadResult {
  version: number
  report: GeoUploadReport
}

export interface GeoVersion {
  id: number
  fileName: string | null
  createdAt: string
  createdBy: string
  report: Partial<GeoUploadReport>
  current: boolean
}
