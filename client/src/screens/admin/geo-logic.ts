// The boundary tab's logic, apart from the component so it is tested on its own: reading the
// chosen file, offering its properties, the upload's query, and the report and refusals worded
// for people (docs/architecture.md §3). Pure, apart from the i18n function it is handed.
import { guessProperties, propertyNames } from '#contract/geo.ts'
import type { GeoUploadReport } from '#contract/geo.ts'
import { ApiError } from '../../lib/api.ts'
import geoMessages from './geo-messages.ts'

const WORDED = new Set(Object.keys(geoMessages.zh.errors))

type T = (key: string, values?: Record<string, unknown>) => string

export interface ReadFile {
  geojson: unknown
  featureCount: number
  properties: string[]
  codeProperty: string | null
  nameProperty: string | null
}

/** Parses the file and finds its properties; the server does every other check. */
export function readGeoFile(text: string): { ok: true; file: ReadFile } | { ok: false; error: 'not_json' | 'not_geojson' | 'no_features' } {
  let geojson: unknown
  try {
    geojson = JSON.parse(text)
  } catch {
    return { ok: false, error: 'not_json' }
  }
  const g = geojson as { type?: unknown; features?: unknown }
  const isFeature = typeof g === 'object' && g !== null && g.type === 'Feature'
  const isCollection = typeof g === 'object' && g !== null && g.type === 'FeatureCollection' && Array.isArray(g.features)
  if (!isFeature && !isCollection) return { ok: false, error: 'not_geojson' }
  const featureCount = isFeature ? 1 : (g.features as unknown[]).length
  if (featureCount === 0) return { ok: false, error: 'no_features' }
  const properties = propertyNames(geojson)
  return { ok: true, file: { geojson, featureCount, properties, ...guessProperties(properties) } }
}

/** The PUT's query: the chosen properties ('' = none chosen: the server guesses), the file's name, the fit. */
export function uploadQuery(choice: { codeProperty: string; nameProperty: string; fileName: string; fit: 'main' | 'all' }): string {
  const q = new URLSearchParams()
  if (choice.codeProperty) q.set('codeProperty', choice.codeProperty)
  if (choice.nameProperty) q.set('nameProperty', choice.nameProperty)
  if (choice.fileName) q.set('fileName', choice.fileName.slice(0, 255))
  q.set('fit', choice.fit)
  return `?${q.toString()}`
}

/** A refused upload in the reader's language: the reason and where in the file. */
export function geoErrorText(err: unknown, t: T): { message: string; places: string[] } {
  if (!(err instanceof ApiError)) return { message: t('admin.geo.errors.other', { message: String((err as Error)?.message ?? err) }), places: [] }
  const code = err.status === 413 ? 'payload_too_large' : err.code
  const message = WORDED.has(code) ? t(`admin.geo.errors.${code}`) : t('admin.geo.errors.other', { message: err.message })
  return { message, places: err.fields.map((f) => f.field).filter((f) => f !== 'codeProperty' && f !== 'nameProperty').slice(0, 10) }
}

/** The report's summary lines, in order. */
export function reportSummary(report: GeoUploadReport, t: T, townshipName: (code: string) => string): string[] {
  const s = report.simplification
  const lines = [
    t('admin.geo.matched', { n: report.matched.length }),
    s.tolerance === null ? t('admin.geo.notSimplified', { n: s.before }) : t('admin.geo.simplified', { before: s.before, after: s.after }),
  ]
  if (report.outliers.length > 0) {
    const list = [...new Set(report.outliers.map((o) => townshipName(o.township)))].join('、')
    lines.push(t('admin.geo.outliers', { n: report.outliers.length, list }))
  }
  return lines
}

export const reasonText = (reason: string, t: T): string => t(`admin.geo.reasons.${reason}`)
