import type { FastifyInstance } from 'fastify'
import type { RegionLevel } from '../../domain/region-codes.ts'

/** After a commit that changed regions: the ingest's cache, the engine (a township's list or tags changed), the screens. */
export async function regionsChanged(app: FastifyInstance, codes: string[], levels: Iterable<RegionLevel>): Promise<void> {
  await app.regions.reload()
  const townships = [...levels].some((l) => l === 'township' || l === 'county')
  // The engine scores townships: a new, moved or retagged one is scored from now on (a rebuild
  // reads the township list again; its events since are replayed, so nothing is lost).
  if (townships) await app.rulesChanged()
  app.realtime.regionsUpdated(codes, townships)
}
