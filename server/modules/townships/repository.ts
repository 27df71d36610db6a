import type { Db } from '../../../db/connect.ts'
import type { Level } from '../../domain/taxonomy.ts'

export interface TownshipRow {
  code: string
  name: string
  kind: string
  tags: string[]
  seat: [number, number] | null
  population: number | null
  weight: number
  score: number
  level: Level
  silent: boolean
  updatedAt: Date | null
}

function townshipQuery(db: Db) {
  return db
    .selectFrom('region as r')
    .leftJoin('townshipRisk as t', 't.township', 'r.code')
    .where('r.level', '=', 'township')
    .select([
      'r.code',
      'r.name',
      'r.kind',
      'r.tags',
      'r.seat',
      'r.population',
      'r.weight',
      't.score',
      't.level as riskLevel',
      't.silent',
      't.updatedAt',
    ])
}

type Raw = Awaited<ReturnType<ReturnType<typeof townshipQuery>['executeTakeFirst']>> & {}

function toTownship(row: Raw): TownshipRow {
  return {
    code: row.code,
    name: row.name,
    kind: row.kind,
    tags: row.tags,
    seat: row.seat,
    population: row.population,
    weight: row.weight,
    // A township the engine has not scored yet is calm by definition: no signals, score 0.
    score: row.score ?? 0,
    level: (row.riskLevel ?? 'blue') as Level,
    silent: row.silent ?? false,
    updatedAt: row.updatedAt,
  }
}

export async function listTownships(db: Db): Promise<TownshipRow[]> {
  const rows = await townshipQuery(db).orderBy('r.code').execute()
  return rows.map(toTownship)
}

export async function findTownship(db: Db, code: string): Promise<TownshipRow | undefined> {
  const row = await townshipQuery(db).where('r.code', '=', code).executeTakeFirst()
  return row && toTownship(row)
}

export async function townshipCodes(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('region').where('level', '=', 'township').select('code').orderBy('code').execute()
  return rows.map((r) => r.code)
}
