import { describe, expect, it } from 'vitest'
import { readDemoCounty } from '../../db/seed/demo-county.ts'
import { seedDemoCounty } from '../../db/seed/demo-county.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'

const { app, database } = await build()
const { cookie } = await signIn(app, ['leader'])
const get = (url: string) => app.inject({ url, headers: { cookie } })

describe('health', () => {
  it('is 200 when the database answers', async () => {
    const res = await app.inject('/api/v1/health')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', database: 'ok' })
  })
})

describe('townships and geography', () => {
  it('lists the 12 demo townships, blue and unscored before the engine runs', async () => {
    const res = await get('/api/v1/townships')
    expect(res.statusCode).toBe(200)
    const townships = res.json() as Array<{ code: string; name: string; score: number; level: string }>
    expect(townships).toHaveLength(12)
    expect(new Set(townships.map((t) => t.code)).size).toBe(12)
    for (const t of townships) {
      expect(t.code).toMatch(/^990100\d{3}$/)
      expect(t.score).toBe(0)
      expect(t.level).toBe('blue')
    }
  })

  it('serves county boundaries whose feature codes are exactly the townships', async () => {
    const [geo, townships] = await Promise.all([get('/api/v1/geo/county'), get('/api/v1/townships')])
    expect(geo.statusCode).toBe(200)
    const fc = geo.json() as { type: string; features: Array<{ properties: { code: string; name: string } }> }
    expect(fc.type).toBe('FeatureCollection')
    expect(fc.features).toHaveLength(12)
    const codes = (townships.json() as Array<{ code: string }>).map((t) => t.code).sort()
    expect(fc.features.map((f) => f.properties.code).sort()).toEqual(codes)
  })

  it('returns one township and a clear error for a bad or unknown code', async () => {
    const { regions } = await readDemoCounty()
    const first = regions.townships[0]!
    const ok = await get(`/api/v1/townships/${first.code}`)
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ code: first.code, name: first.name })

    const bad = await get('/api/v1/townships/12ab')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatchObject({ code: 'validation', fields: [{ field: 'code', message: 'must be a 9-digit township code' }] })

    const unknown = await get('/api/v1/townships/990100999')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error.code).toBe('not_found')
  })

  it('seeding the demo county twice changes nothing', async () => {
    const before = await database.db.selectFrom('region').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(await seedDemoCounty(database.db)).toBe(false)
    const after = await database.db.selectFrom('region').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(after.n).toBe(before.n)
    expect(typeof after.n).toBe('number')
  })
})

describe('errors and metrics', () => {
  it('answers an unknown API route with the one error shape', async () => {
    const res = await get('/api/v1/nope')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /api/v1/nope' } })
  })

  it('exposes process and HTTP figures in Prometheus text format', async () => {
    await app.inject('/api/v1/health')
    const res = await app.inject('/metrics')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    expect(res.body).toContain('shaowang_process_resident_memory_bytes')
    expect(res.body).toMatch(/shaowang_http_requests_total\{method="GET",route="\/api\/v1\/health",status="2xx"\} \d+/)
  })

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const res = await app.inject('/api/docs/json')
    expect(res.statusCode).toBe(200)
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> }
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/health', '/api/v1/townships', '/api/v1/townships/{code}']))
  })
})

describe('health when the database is gone', () => {
  it('is 503 with Retry-After', async () => {
    const { app: lonely, database: db2 } = await build({ demoCounty: false })
    await db2.close()
    const res = await lonely.inject('/api/v1/health')
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    expect(res.json()).toMatchObject({ status: 'degraded', database: 'down' })
  })
})
