// The engine's start-up rebuild in this process, on a kept country (generate-country.ts
// --keep), without a server: CPU and wall time of the replay alone, and a CPU profile of it
// with PROFILE=<file>. For finding where the rebuild spends its time; the bench's own figure
// is the real server's (scale.ts).
//   node scripts/bench/rebuild.ts [postgres://…/shaowang_bench_40000t_10000000e] [--read-only]
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { connectDatabase } from '../../db/connect.ts'
import { horizonOf, LiveEngine } from '../../server/engine/live-engine.ts'
import { engineStore } from '../../server/engine/store.ts'
import { countryName } from './generate-country.ts'

const url = process.argv.slice(2).find((a) => a.startsWith('postgres')) ?? `postgres://postgres@127.0.0.1:5432/${countryName(40_000, 10_000_000)}`
const handle = await connectDatabase({ kind: 'postgres', url })
const store = engineStore(handle.db)
const profileFile = process.env['PROFILE']
const session = profileFile ? new Session() : null
if (session) {
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
}
const c0 = process.cpuUsage()
const t0 = performance.now()
if (process.argv.includes('--read-only')) {
  const inputs = await store.loadInputs()
  if (!inputs) throw new Error('no published rule set')
  let n = 0
  for await (const page of store.eventsSince(new Date(Date.now() - horizonOf(inputs.ruleSet)))) n += page.length
  console.log(`read ${n.toLocaleString('en')} events`)
} else {
  let decisions = 0
  // Nothing is written: alerts are counted, scores dropped.
  const engine = new LiveEngine({ store: { ...store, saveRisk: async () => {} }, sink: { applyAlerts: async (d) => void (decisions += d.length), riskChanged: () => {} }, timeZone: 'Asia/Shanghai', tickMs: 0 })
  await engine.start()
  console.log(`rebuilt: ${engine.lastRebuild?.events.toLocaleString('en')} events replayed, ${decisions} alert decisions after reconciliation`)
  await engine.stop()
}
const c = process.cpuUsage(c0)
const mem = process.memoryUsage()
console.log(`wall ${((performance.now() - t0) / 1000).toFixed(1)} s, CPU ${((c.user + c.system) / 1e6).toFixed(1)} s, heap used ${(mem.heapUsed / 1e6).toFixed(0)} MB, RSS ${(mem.rss / 1e6).toFixed(0)} MB`)
if (session && profileFile) writeFileSync(profileFile, JSON.stringify((await session.post('Profiler.stop')).profile))
await handle.close()
