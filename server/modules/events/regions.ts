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
}

/**
 * Every region, loaded once and held in memory: ingest checks township, village and grid codes
 * without a query per event. There is no region editing yet; whatever changes regions (a
 * geography upload) must call reload().
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
    for (const r of rows) byCode.set(r.code, { ...r, township: null })
    const townshipOf = (r: RegionInfo): string | null => {
      let cur: RegionInfo | undefined = r
      for (let depth = 0; cur && depth < 8; depth++) {
        if (cur.level === 'township') return cur.code
        cur = cur.parentCode ? byCode.get(cur.parentCode) : undefined
      }
      return null
    }
    const children = new Map<string, RegionInfo[]>()
    const byName = new Map<string, string>()
    for (const r of byCode.values()) {
      r.township = townshipOf(r)
      if (r.parentCode) {
        const list = children.get(r.parentCode) ?? []
        list.push(r)
        children.set(r.parentCode, list)
      }
      if (r.level === 'township') byName.set(r.name, r.code)
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
