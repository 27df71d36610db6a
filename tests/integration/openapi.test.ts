import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { type Caller, ruleFor } from '../helpers/access-oracle.ts'
import { build } from '../helpers/app.ts'

/**
 * The OpenAPI document the app serves (/api/docs/json), checked by an independent linter — Redocly's
 * recommended rules (redocly.yaml) — and against what the API does: who may call each operation
 * (the hand-written oracle, tests/helpers/access-oracle.ts, not the server's own table), the CSRF
 * header on cookie writes, the error responses. That real responses match the declared schemas is
 * tests/integration/openapi-responses.test.ts.
 */

interface Operation {
  operationId?: string
  security?: Array<Record<string, string[]>>
  responses: Record<string, unknown>
  requestBody?: unknown
}
interface Document {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> }
}

const { app } = await build()
const res = await app.inject('/api/docs/json')
expect(res.statusCode).toBe(200)
const doc = res.json() as Document
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, op })),
)
const PEOPLE: Caller[] = ['admin', 'analyst', 'duty', 'leader', 'township', 'kiosk']

const dir = await mkdtemp(join(tmpdir(), 'shaowang-openapi-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

interface LintProblem {
  ruleId: string
  severity: 'error' | 'warn'
  message: string
  location: Array<{ pointer?: string }>
}

async function lint(document: unknown): Promise<{ totals: { errors: number; warnings: number }; problems: LintProblem[] }> {
  const file = join(dir, 'openapi.json')
  await writeFile(file, JSON.stringify(document))
  const cli = join(import.meta.dirname, '../../node_modules/@redocly/cli/bin/cli.js')
  const args = [cli, 'lint', file, '--config', join(import.meta.dirname, '../../redocly.yaml'), '--format=json', '--max-problems=100000']
  // No telemetry or update check from a test run (the CLI phones home by default).
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }
  // The CLI exits 1 when it finds errors; its JSON report is on stdout either way.
  const { stdout } = await promisify(execFile)(process.execPath, args, { env, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }))
  return JSON.parse(stdout.slice(stdout.indexOf('{')))
}

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended rules at zero errors, and no warning but the one accepted", async () => {
    const report = await lint(doc)
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)
    expect(problems.filter((p) => p.startsWith('error')), 'errors').toEqual([])
    expect(report.totals.errors).toBe(0)
    // The health check answers 200 or 503 and nothing else: it has no 4xx to document.
    expect(problems.filter((p) => p.startsWith('warn')), 'warnings').toEqual([
      'warn operation-4xx-response #/paths/~1api~1v1~1health/get/responses: Operation must have at least one `4XX` response.',
    ])
  }, 60_000)

  it('the linter is not a formality: it finds a document without security or operation ids wrong', async () => {
    const broken = structuredClone(doc)
    for (const op of Object.values(broken.paths['/api/v1/alerts']!)) {
      delete op.security
      delete op.operationId
    }
    const report = await lint(broken)
    expect(report.problems.map((p) => p.ruleId)).toEqual(expect.arrayContaining(['security-defined', 'operation-operationId']))
    expect(report.totals.errors).toBeGreaterThan(0)
  }, 60_000)

  it('describes every API route the app has, each with its own operationId', () => {
    const routes = app.accessRoutes.filter((r) => r.method !== 'HEAD' && r.url.startsWith('/api/')).map((r) => `${r.method} ${r.url}`)
    expect(operations.map((o) => o.key).sort()).toEqual([...new Set(routes)].sort())
    const ids = operations.map((o) => o.op.operationId)
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('each operation declares the credentials its callers need: none, the feed token, or the session cookie — with x-csrf-token on a write', () => {
    const { session, csrfToken, feedToken } = doc.components.securitySchemes
    expect(session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'sid' })
    expect(csrfToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-csrf-token' })
    expect(feedToken).toMatchObject({ type: 'http' })
    for (const { method, key, op } of operations) {
      const rule = ruleFor(key)
      expect(rule, key).toBeDefined()
      const expected: Array<Record<string, string[]>> = []
      if (rule!.who !== 'anyone') {
        if (rule!.who.includes('feed')) expected.push({ feedToken: [] })
        if (PEOPLE.some((c) => rule!.who.includes(c))) expected.push(method === 'GET' ? { session: [] } : { session: [], csrfToken: [] })
      }
      expect(op.security, key).toEqual(expected)
    }
  })

  it('documents the error responses the app gives, in its one error shape', () => {
    for (const { method, key, op } of operations) {
      const rule = ruleFor(key)!
      const statuses = Object.keys(op.responses)
      if (rule.who !== 'anyone') expect(statuses, key).toEqual(expect.arrayContaining(['401', '403']))
      if (method !== 'GET' && method !== 'DELETE') expect(statuses, key).toEqual(expect.arrayContaining(['400', '413']))
      if (key.includes('/:')) expect(statuses, key).toEqual(expect.arrayContaining(['404']))
      expect(statuses, key).toContain('503')
    }
    // Feeds must know every answer ingest can give, to tell a retry from a bad batch.
    const ingest = doc.paths['/api/v1/events']!['post']!
    expect(Object.keys(ingest.responses).sort()).toEqual(['202', '400', '401', '403', '413', '415', '429', '503'])
    expect(doc.paths['/api/v1/session']!['post']!.responses).toHaveProperty('401')
    expect(doc.paths['/api/v1/session']!['post']!.responses).toHaveProperty('429')
    expect(doc.paths['/api/v1/rulesets/{id}/publish']!['post']!.responses).toHaveProperty('409')
    expect(doc.paths['/api/v1/users']!['post']!.responses).toHaveProperty('409')
  })

  it('a nullable enum lists null among its values (OpenAPI 3.0: nullable does not extend enum)', () => {
    const offenders: string[] = []
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`))
      if (!node || typeof node !== 'object') return
      const o = node as Record<string, unknown>
      if (o['nullable'] === true && Array.isArray(o['enum']) && !o['enum'].includes(null)) offenders.push(at)
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`)
    }
    walk(doc, '#')
    expect(offenders).toEqual([])
    const alert = (doc.paths['/api/v1/alerts/{id}']!['get']!.responses['200'] as { content: Record<string, { schema: { properties: { alert: { properties: Record<string, unknown> } } } }> }).content['application/json']!
    expect(alert.schema.properties.alert.properties['satisfaction']).toMatchObject({ nullable: true, enum: expect.arrayContaining([null, 'satisfied']) })
  })
})
