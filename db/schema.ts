// Table types for Kysely: the single source of the database's TypeScript types. Column names
// are camelCase here and snake_case in SQL (CamelCasePlugin).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

type Timestamp = ColumnType<Date, Date | string, Date | string>
type CreatedAt = ColumnType<Date, Date | string | undefined, never>
type Json<T> = ColumnType<T, string | T, string | T>

export type RegionLevel = 'county' | 'township' | 'village' | 'grid'

export interface RegionTable {
  code: string
  parentCode: string | null
  level: RegionLevel
  name: string
  /** town / township / subdistrict / village / community / grid */
  kind: string
  tags: ColumnType<string[], string[] | undefined, string[]>
  population: number | null
  /** [lon, lat] of the township seat, for labels and pulsing marks. */
  seat: Json<[number, number] | null>
  /** Relative event volume used by the simulator; 1 when unknown. */
  weight: ColumnType<number, number | undefined, number>
  createdAt: CreatedAt
}

export interface TownshipRiskTable {
  township: string
  score: number
  level: string
  silent: boolean
  updatedAt: Timestamp
}

export interface GeoLayerTable {
  name: string
  geojson: Json<unknown>
  updatedAt: Timestamp
  updatedBy: string | null
}

export const ROLES = ['admin', 'analyst', 'duty', 'leader', 'township'] as const
export type Role = (typeof ROLES)[number]

export interface AppUserTable {
  id: Generated<number>
  username: string
  displayName: string | null
  passwordHash: string
  roles: ColumnType<Role[], Role[], Role[]>
  township: string | null
  disabled: ColumnType<boolean, boolean | undefined, boolean>
  /** Created by DEMO=1 with a documented password: refused in production. */
  demo: ColumnType<boolean, boolean | undefined, boolean>
  failedLogins: ColumnType<number, number | undefined, number>
  lockedUntil: Date | null
  createdAt: CreatedAt
  updatedAt: ColumnType<Date, Date | string | undefined, Date | string>
}

export interface SessionTable {
  id: string
  userId: number
  kioskId: number | null
  csrfToken: string
  createdAt: CreatedAt
  lastSeenAt: Timestamp
  expiresAt: Timestamp
  revokedAt: Date | null
  ip: string | null
  userAgent: string | null
}

export interface FeedTable {
  id: Generated<number>
  name: string
  description: string | null
  tokenHash: string
  createdBy: string | null
  createdAt: CreatedAt
  revokedAt: Date | null
  lastUsedAt: Date | null
}

export interface KioskTable {
  id: Generated<number>
  name: string
  tokenHash: string
  /** The kiosk's own system user (roles: leader; no usable password). */
  userId: number
  createdBy: string | null
  createdAt: CreatedAt
  revokedAt: Date | null
  lastUsedAt: Date | null
}

export interface AuditTable {
  id: Generated<number>
  at: ColumnType<Date, Date | string | undefined, never>
  actor: string
  actorKind: 'user' | 'feed' | 'kiosk' | 'system' | 'anonymous'
  action: string
  target: string | null
  fromValue: Json<unknown> | null
  toValue: Json<unknown> | null
  note: string | null
  ip: string | null
}

export interface RulesetVersionTable {
  id: Generated<number>
  document: Json<unknown>
  comment: string | null
  basedOn: number | null
  createdBy: string
  createdAt: CreatedAt
  live: ColumnType<boolean, boolean | undefined, boolean>
  publishedAt: Date | null
  publishedBy: string | null
  publishComment: string | null
}

export interface SensitivePeriodTable {
  id: Generated<number>
  name: string
  startsAt: Timestamp
  endsAt: Timestamp
  createdBy: string
  createdAt: CreatedAt
}

export interface Database {
  rulesetVersion: RulesetVersionTable
  sensitivePeriod: SensitivePeriodTable
  appUser: AppUserTable
  session: SessionTable
  feed: FeedTable
  kiosk: KioskTable
  audit: AuditTable
  region: RegionTable
  townshipRisk: TownshipRiskTable
  geoLayer: GeoLayerTable
}

export type Region = Selectable<RegionTable>
export type NewRegion = Insertable<RegionTable>
export type RegionUpdate = Updateable<RegionTable>
export type TownshipRisk = Selectable<TownshipRiskTable>
export type AppUser = Selectable<AppUserTable>
export type Feed = Selectable<FeedTable>
export type Kiosk = Selectable<KioskTable>
export type AuditRow = Selectable<AuditTable>
export type RulesetVersion = Selectable<RulesetVersionTable>
