import type { Db } from '../../../db/connect.ts'

export const COUNTY_LAYER = 'county'

export async function getGeoLayer(db: Db, name: string): Promise<unknown | undefined> {
  const row = await db.selectFrom('geoLayer').where('name', '=', name).select('geojson').executeTakeFirst()
  return row?.geojson
}

export async function saveGeoLayer(db: Db, name: string, geojson: unknown, updatedBy: string | null, versionId: number | null = null): Promise<void> {
  const value = JSON.stringify(geojson)
  await db
    .insertInto('geoLayer')
    .values({ name, geojson: value, updatedAt: new Date(), updatedBy, versionId })
    .onConflict((oc) => oc.column('name').doUpdateSet({ geojson: value, updatedAt: new Date(), updatedBy, versionId }))
    .execute()
}

export interface GeoVersionView {
  id: number
  fileName: string | null
  createdAt: Date
  createdBy: string
  /** The upload's report (GeoUploadReport); `{}` for a layer kept from before versions existed. */
  report: Record<string, unknown>
  current: boolean
}

/**
 * Stores an upload as a new version and makes it the current layer. A layer loaded before
 * versions existed (the demo seed) is kept as a version first, so it can be restored too.
 */
export async function insertGeoVersion(db: Db, input: { layer: string; geojson: unknown; report: unknown; fileName: string | null; createdBy: string }): Promise<number> {
  const existing = await db.selectFrom('geoLayer').where('name', '=', input.layer).select(['geojson', 'versionId', 'updatedAt', 'updatedBy']).executeTakeFirst()
  if (existing && existing.versionId === null) {
    await db
      .insertInto('geoVersion')
      .values({ layer: input.layer, geojson: JSON.stringify(existing.geojson), report: JSON.stringify({}), fileName: null, createdAt: existing.updatedAt, createdBy: existing.updatedBy ?? 'system' })
      .execute()
  }
  const row = await db
    .insertInto('geoVersion')
    .values({ layer: input.layer, geojson: JSON.stringify(input.geojson), report: JSON.stringify(input.report), fileName: input.fileName, createdBy: input.createdBy })
    .returning('id')
    .executeTakeFirstOrThrow()
  await saveGeoLayer(db, input.layer, input.geojson, input.createdBy, row.id)
  return row.id
}

/** A layer's versions, newest first, without their geometry. */
export async function listGeoVersions(db: Db, layer: string): Promise<GeoVersionView[]> {
  const current = await db.selectFrom('geoLayer').where('name', '=', layer).select('versionId').executeTakeFirst()
  const rows = await db
    .selectFrom('geoVersion')
    .where('layer', '=', layer)
    .select(['id', 'fileName', 'createdAt', 'createdBy', 'report'])
    .orderBy('id', 'desc')
    .limit(200)
    .execute()
  return rows.map((r) => ({ ...r, report: r.report as Record<string, unknown>, current: r.id === current?.versionId }))
}

/** Makes a stored version the current layer again; false when the layer has no such version. */
export async function restoreGeoVersion(db: Db, layer: string, id: number, by: string): Promise<{ fileName: string | null; previous: number | null } | undefined> {
  const row = await db.selectFrom('geoVersion').where('layer', '=', layer).where('id', '=', id).select(['geojson', 'fileName']).executeTakeFirst()
  if (!row) return undefined
  const current = await db.selectFrom('geoLayer').where('name', '=', layer).select('versionId').executeTakeFirst()
  await saveGeoLayer(db, layer, row.geojson, by, id)
  return { fileName: row.fileName, previous: current?.versionId ?? null }
}
