// The county boundary file's checks, run in the browser before upload and on the server after
// it: one definition in the pure domain, reaching the client through here. Pure.
export { type GeoValidationError, type GeoValidationResult, MAX_GEO_ERRORS, validateCountyGeoJson } from '../domain/geo.ts'
