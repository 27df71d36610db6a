// A boundary upload, from the request body to the layer the wall draws (docs/architecture.md §3):
// read and check the file, match features to townships, leave far-off parts out of the map's fit,
// simplify to the wall's resolution. Storage and audit are the route's.
import { type BoundaryGeometry, extent, guessProperties, propertyNames, readBoundaryFile } from '../../domain/geo-import.ts'
import type { GeoUploadReport } from '#contract/geo.ts'
import { matchTownships, outlyingParts, type TownshipRef } from '../../domain/geo-match.ts'
import { HttpError } from '../../http-errors.ts'
import { simplifyToBudget } from './simplify.ts'

export interface UploadOptions {
  codeProperty?: string | undefined
  nameProperty?: string | undefined
  /** `main`: the map fits the main body, leaving outlying parts out of the fit; `all`: everything. */
  fit: 'main' | 'all'
}

export type UploadReport = GeoUploadReport

export interface CountyLayer {
  type: 'FeatureCollection'
  /** The box the wall's map fits to (ECharts `boundingCoords`); absent: fit everything. */
  fitBbox?: [number, number, number, number]
  features: Array<{ type: 'Feature'; properties: { code: string; name: string; sourceCode: string | null; sourceName: string | null }; geometry: BoundaryGeometry }>
}

/**
 * A file position as the API's field names go (docs/architecture.md §4): `features.3.geometry`
 * for `$.features[3].geometry`; the body itself, or a lone Feature's own members, under `(body)`.
 */
export const fieldOf = (path: string): string => {
  const dotted = path.replace(/\[(\d+)\]/g, '.$1')
  return dotted.startsWith('$.features') ? dotted.slice(2) : `(body)${dotted.slice(1)}`
}

type Township = TownshipRef & { seat: [number, number] | null }

function chooseProperty(chosen: string | undefined, guessed: string | null, found: string[], field: string): string | null {
  if (chosen === undefined) return guessed
  if (!found.includes(chosen)) {
    throw new HttpError(400, 'geo_unknown_property', `no feature has a property "${chosen}"`, { fields: [{ field, message: `no feature has a property "${chosen}"; found: ${found.join(', ') || 'none'}` }] })
  }
  return chosen
}

export function prepareCountyLayer(body: unknown, townships: readonly Township[], options: UploadOptions): { layer: CountyLayer; report: UploadReport } {
  const seats = townships.flatMap((t) => (t.seat ? [t.seat] : []))
  const read = readBoundaryFile(body, seats)
  if (!read.ok) {
    const first = read.errors[0]!
    throw new HttpError(400, `geo_${first.reason}`, first.message, { fields: read.errors.map((e) => ({ field: fieldOf(e.path), message: `${e.reason}: ${e.message}` })) })
  }
  const properties = propertyNames(body)
  const guessed = guessProperties(properties)
  const codeProperty = chooseProperty(options.codeProperty, guessed.codeProperty, properties, 'codeProperty')
  const nameProperty = chooseProperty(options.nameProperty, guessed.nameProperty, properties, 'nameProperty')
  if (!codeProperty && !nameProperty) {
    throw new HttpError(400, 'geo_no_properties', 'no code or name property found; choose codeProperty or nameProperty', {
      fields: [{ field: 'codeProperty', message: `none of the usual code or name properties; found: ${properties.join(', ') || 'none'}` }],
    })
  }
  const match = matchTownships(read.features, townships, codeProperty, nameProperty)
  if (match.matched.length === 0) {
    throw new HttpError(400, 'geo_no_match', `no feature matched a township (code property ${codeProperty ?? '-'}, name property ${nameProperty ?? '-'})`, {
      fields: [{ field: codeProperty ? 'codeProperty' : 'nameProperty', message: `none of ${read.features.length} features matched any of ${townships.length} townships` }],
    })
  }
  const byIndex = new Map(read.features.map((f) => [f.index, f]))
  const kept = match.matched.map((m) => ({ ...byIndex.get(m.feature)!, township: m.township }))
  const { fit, outliers } = outlyingParts(kept)
  const fitBbox = options.fit === 'main' ? fit : extent(kept)
  const simplification = simplifyToBudget(kept, extent(kept))
  const bySource = new Map(kept.map((k) => [k.index, k.township]))
  const layer: CountyLayer = {
    type: 'FeatureCollection',
    ...(options.fit === 'main' && outliers.length > 0 ? { fitBbox } : {}),
    features: match.matched.map((m, i) => {
      const source = byIndex.get(m.feature)!
      const text = (p: string | null) => (p && source.properties[p] != null ? String(source.properties[p]) : null)
      return { type: 'Feature', properties: { code: m.township, name: m.name, sourceCode: text(codeProperty), sourceName: text(nameProperty) }, geometry: kept[i]!.geometry }
    }),
  }
  const report: UploadReport = {
    codeProperty,
    nameProperty,
    properties,
    ...match,
    simplification,
    outliers: outliers.map((o) => ({ ...o, township: bySource.get(o.feature)! })),
    fit: options.fit,
    fitBbox,
  }
  return { layer, report }
}
