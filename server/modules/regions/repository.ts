import type { Db } from '../../../db/connect.ts'
import type { Region } from '../../../db/schema.ts'

const COLUMNS = ['code', 'parentCode', 'level', 'name', 'kind', 'tags', 'urbanRural', 'retiredAt', 'createdAt', 'updatedAt'] as const

/** A region as the tree is managed: the table's row without the wall's and the simulator's columns. */
export type RegionRecord = Pick<Region, (typeof COLUMNS)[number]>

export async function listRegionRecords(db: Db): Promise<RegionRecord[]> {
  return db.selectFrom('region').select(COLUMNS).orderBy('code').execute()
}

export async function findRegion(db: Db, code: string): Promise<RegionRecord | undefined> {
  return db.selectFrom('region').select(COLUMNS).where('code', '=', code).executeTakeFirst()
}

/** A row lock on the region, so two changes of one region apply one after the other. */
export async function lockRegion(db: Db, code: string): Promise<RegionRecord | undefined> {
  return db.selectFrom('region').select(COLUMNS).where('code', '=', code).forUpdate().executeTakeFirst()
}

export type NewRegionRecord = Omit<RegionRecord, 'retiredAt' | 'createdAt' | 'updatedAt'>

export async function insertRegions(db: Db, rows: readonly NewRegionRecord[], now: Date): Promise<void> {
  // Parents first (shorter codes sort first within a tree), so the foreign key holds chunk by chunk.
  const sorted = [...rows].sort((a, b) => a.code.length - b.code.length || a.code.localeCompare(b.code))
  for (let i = 0; i < sorted.length; i += 500) {
    await db
      .insertInto('region')
      .values(sorted.slice(i, i + 500).map((r) => ({ ...r, tags: r.tags, updatedAt: now })))
      .execute()
  }
}

export interface RegionChanges {
  name?: string
  parentCode?: string
  tags?: string[]
  kind?: string
  urbanRural?: string | null
  retiredAt?: Date | null
}

export async function updateRegion(db: Db, code: string, changes: RegionChanges, now: Date): Promise<void> {
  await db
    .updateTable('region')
    .set({ ...changes, updatedAt: now })
    .where('code', '=', code)
    .execute()
}

/** How many stored events name the region (as their township, village or grid). */
export async function eventCount(db: Db, region: Pick<RegionRecord, 'code' | 'level'>): Promise<number> {
  const column = region.level === 'township' ? 'township' : region.level === 'village' ? 'village' : region.level === 'grid' ? 'grid' : null
  if (!column) {
    const row = await db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()
    return Number(row.n)
  }
  const row = await db.selectFrom('event').select((eb) => eb.fn.countAll<string>().as('n')).where(column, '=', region.code).executeTakeFirstOrThrow()
  return Number(row.n)
}
