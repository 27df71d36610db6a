import type { Db } from '../../../db/connect.ts'

export const COUNTY_LAYER = 'county'

export async function getGeoLayer(db: Db, name: string): Promise<unknown | undefined> {
  const row = await db.selectFrom('geoLayer').where('name', '=', name).select('geojson').executeTakeFirst()
  return row?.geojson
}

export async function saveGeoLayer(db: Db, name: string, geojson: unknown, updatedBy: string | null): Promise<void> {
  const value = JSON.stringify(geojson)
  await db
    .insertInto('geoLayer')
    .values({ name, geojson: value, updatedAt: new Date(), updatedBy })
    .onConflict((oc) => oc.column('name').doUpdateSet({ geojson: value, updatedAt: new Date(), updatedBy }))
    .execute()
}
