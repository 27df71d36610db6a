import type { Db } from '../../../db/connect.ts'
import type { RegionLevel } from '../../../db/schema.ts'
import { listRegions } from './repository.ts'

export interface RegionInfo {
  code: string
  level: RegionLevel
  name: string
  parentCode: string | null
  /** The township this region lies in (itself for a township); null for the county. */
  township: string | null
  tags: string[]
  weight: number
  retiredAt: Date | null
  /** The retired region this one lies in (itself, or its township or village), or null: it takes new events. */
  retiredIn: { code: string; level: RegionLevel; at: Date } | null
}

/**
 * Every region, loaded once and held in memory: ingest checks township, village and grid codes
 * without a query per event. Whatever changes regions (server/modules/regions) calls reload().
 */
export class RegionCache {
  readonly #db: Db
  #byCode = new Map<string, RegionInfo>()
  #townshipByName = new Map<string, string>()
  #children = new Map<string, RegionInfo[]>()

  constructor(db: Db) {
    this.#db = db
  }

  async reload(): Promise<void> {
    const rows = await listRegions(this.#db)
    const byCode = new Map<string, RegionInfo>()
    for (const r of rows) byCode.set(r.code, { ...r, township: null, retiredIn: null })
    const townshipOf = (r: RegionInfo): string | null => {
      let cur: RegionInfo | undefined = r
      for (let depth = 0; cur && depth < 8; depth++) {
        if (cur.level === 'township') return cur.code
        cur = cur.parentCode ? byCode.get(cur.parentCode) : undefined
      }
      return null
    }
    // Retiring a township retires what lies in it: the nearest retired region up the tree says so.
    const retiredOf = (r: RegionInfo): RegionInfo['retiredIn'] => {
      let cur: RegionInfo | undefined = r
      for (let depth = 0; cur && depth < 8; depth++) {
        if (cur.retiredAt) return { code: cur.code, level: cur.level, at: cur.retiredAt }
        cur = cur.parentCode ? byCode.get(cur.parentCode) : undefined
      }
      return null
    }
    const children = new Map<string, RegionInfo[]>()
    const byName = new Map<string, string>()
    for (const r of byCode.values()) {
      r.township = townshipOf(r)
      r.retiredIn = retiredOf(r)
      if (r.parentCode) {
        const list = children.get(r.parentCode) ?? []
        list.push(r)
        children.set(r.parentCode, list)
      }
      // A new township may take a retired one's name: the name means the one in service.
      if (r.level === 'township' && (!r.retiredAt || !byName.has(r.name))) byName.set(r.name, r.code)
    }
    this.#byCode = byCode
    this.#children = children
    this.#townshipByName = byName
  }

  get(code: string): RegionInfo | undefined {
    return this.#byCode.get(code)
  }

  townshipByName(name: string): string | undefined {
    return this.#townshipByName.get(name.trim())
  }

  townships(): RegionInfo[] {
    return [...this.#byCode.values()].filter((r) => r.level === 'township')
  }

  children(code: string): RegionInfo[] {
    return this.#children.get(code) ?? []
  }

  get size(): number {
    return this.#byCode.size
  }
}
