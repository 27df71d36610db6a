// Every fastify-plugin declares the plugins whose decorators it uses (docs/architecture.md §2), so a
// wrong registration order fails at boot instead of at the first request that reaches the gap.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import enginePlugin from '../../server/plugins/engine.ts'
import { build } from '../helpers/app.ts'


interface PluginMeta {
  name?: string
  dependencies?: string[]
}

const root = resolve(import.meta.dirname, '../..')

/** Every plugin file, found rather than listed: the cross-cutting ones and each feature's plugin.ts. */
const PLUGIN_FILES = [
  ...readdirSync(resolve(root, 'server/plugins')).filter((f) => f.endsWith('.ts')).map((f) => `server/plugins/${f}`),
  ...readdirSync(resolve(root, 'server/modules'))
    .filter((d) => existsSync(resolve(root, 'server/modules', d, 'plugin.ts')))
    .map((d) => `server/modules/${d}/plugin.ts`),
]

const plugins = await Promise.all(
  PLUGIN_FILES.map(async (file) => {
    const mod = (await import(resolve(root, file))) as { default: Record<symbol, PluginMeta | undefined> }
    const meta = mod.default[Symbol.for('plugin-meta')] ?? {}
    return { file, meta, source: readFileSync(resolve(root, file), 'utf8') }
  }),
)

/** Which plugin decorates the app with each name (`app.decorate('x', …)`). */
const providers = new Map<string, string>()
for (const p of plugins) {
  for (const m of p.source.matchAll(/app\.decorate\(\s*'(\w+)'/g)) providers.set(m[1]!, p.meta.name!)
}

const { app } = await build()

describe('plugin dependencies', () => {
  it('every plugin has a name, and the app registers every one of them', () => {
    expect(plugins.length).toBeGreaterThanOrEqual(14)
    for (const p of plugins) {
      expect(p.meta.name, p.file).toMatch(/^[a-z-]+$/)
      expect(app.hasPlugin(p.meta.name!), p.meta.name).toBe(true)
    }
    expect(new Set(plugins.map((p) => p.meta.name)).size).toBe(plugins.length)
  })

  it("declares the plugin behind every other plugin's decorator it uses", () => {
    // Sanity: the scan finds the decorators the engine relies on.
    expect(providers.get('alerts')).toBe('alerts')
    expect(providers.get('realtime')).toBe('realtime')
    for (const p of plugins) {
      const used = new Set([...p.source.matchAll(/\bapp\.(\w+)/g)].map((m) => m[1]!))
      const needed = [...used].map((name) => providers.get(name)).filter((owner): owner is string => owner !== undefined && owner !== p.meta.name)
      // The ingest service asks for the engine's handoff when a batch is stored (`app.engineHandoff?.()`),
      // long after boot; the engine is registered later and itself depends on events through alerts.
      const late = p.meta.name === 'events' ? ['engine'] : []
      for (const owner of new Set(needed)) {
        if (late.includes(owner)) continue
        expect(p.meta.dependencies ?? [], `${p.meta.name} uses a decorator of ${owner}`).toContain(owner)
      }
    }
  })

  it('names only plugins that exist', () => {
    const names = new Set(plugins.map((p) => p.meta.name))
    for (const p of plugins) for (const d of p.meta.dependencies ?? []) expect(names, `${p.meta.name} → ${d}`).toContain(d)
  })

  it('refuses to boot a plugin registered before one it depends on', async () => {
    const bare = Fastify()
    void bare.register(enginePlugin)
    // The refusal is the boot's error: nothing of the engine ran, so there is nothing to close.
    await expect(bare.ready()).rejects.toThrow(/The dependency '\w+' of plugin 'engine' is not registered/)
  })
})
