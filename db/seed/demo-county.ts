import { readFile } from 'node:fs/promises'
import type { Db } from '../connect.ts'
import type { NewRegion } from '../schema.ts'

export interface CountySeed {
  county: { code: string; name: string }
  townships: Array<{
    code: string
    name: string
    kind: string
    tags: string[]
    seat: [number, number]
    population?: number
    weight?: number
    villages: Array<{
      code: string
      name: string
      kind: string
      tags: string[]
      grids: Array<{ code: string; name: string }>
    }>
  }>
}

const SEED_DIR = new URL('./', import.meta.url)

export async function readDemoCounty(): Promise<{ regions: CountySeed; geojson: unknown }> {
  const [regions, geojson] = await Promise.all([
    readFile(new URL('demo-county.json', SEED_DIR), 'utf8'),
    readFile(new URL('demo-county.geojson', SEED_DIR), 'utf8'),
  ])
  return { regions: JSON.parse(regions) as CountySeed, geojson: JSON.parse(geojson) }
}

export function regionRows(seed: CountySeed): NewRegion[] {
  const rows: NewRegion[] = [{ code: seed.county.code, parentCode: null, level: 'county', name: seed.county.name, kind: 'county', tags: [] }]
  for (const t of seed.townships) {
    rows.push({
      code: t.code,
      parentCode: seed.county.code,
      level: 'township',
      name: t.name,
      kind: t.kind,
      tags: t.tags,
      seat: JSON.stringify(t.seat),
      population: t.population ?? null,
      weight: t.weight ?? 1,
    })
    for (const v of t.villages) {
      rows.push({ code: v.code, parentCode: t.code, level: 'village', name: v.name, kind: v.kind, tags: v.tags })
      for (const g of v.grids) rows.push({ code: g.code, parentCode: v.code, level: 'grid', name: g.name, kind: 'grid', tags: [] })
    }
  }
  return rows
}

/** Loads the fictional demo county once; a second call (a restart) changes nothing. */
export async function seedDemoCounty(db: Db): Promise<boolean> {
  const { regions, geojson } = await readDemoCounty()
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('region').where('code', '=', regions.county.code).select('code').executeTakeFirst()
    if (existing) return false
    const rows = regionRows(regions)
    // Parents precede children in `rows`, so the foreign key holds chunk by chunk.
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('region').values(rows.slice(i, i + 500)).execute()
    await trx
      .insertInto('geoLayer')
      .values({ name: 'county', geojson: JSON.stringify(geojson), updatedAt: new Date(), updatedBy: 'demo' })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
    return true
  })
}
