import type { Selectable } from 'kysely'
import type { Db } from '../../../db/connect.ts'
import type { SensitivePeriodTable } from '../../../db/schema.ts'

type SensitivePeriodRow = Selectable<SensitivePeriodTable>

export type SensitivePeriodView = Pick<SensitivePeriodRow, 'id' | 'name' | 'startsAt' | 'endsAt' | 'createdBy'>

const VIEW_COLUMNS = ['id', 'name', 'startsAt', 'endsAt', 'createdBy'] as const

/** Every sensitive period (敏感期), latest start first. */
export async function listSensitivePeriods(db: Db): Promise<SensitivePeriodView[]> {
  return db.selectFrom('sensitivePeriod').select(VIEW_COLUMNS).orderBy('startsAt', 'desc').execute()
}

export async function insertSensitivePeriod(db: Db, input: { name: string; startsAt: string; endsAt: string; createdBy: string }): Promise<SensitivePeriodView> {
  return db.insertInto('sensitivePeriod').values(input).returning(VIEW_COLUMNS).executeTakeFirstOrThrow()
}

/** Deletes a sensitive period and returns it, or undefined when there was none with that id. */
export async function deleteSensitivePeriod(db: Db, id: number): Promise<SensitivePeriodRow | undefined> {
  return db.deleteFrom('sensitivePeriod').where('id', '=', id).returningAll().executeTakeFirst()
}
