import { afterAll, describe, expect, it } from 'vitest'
import { VERTEX_BUDGET } from '../../server/modules/geo/simplify.ts'
import { build } from '../helpers/app.ts'
import { signIn } from '../helpers/auth.ts'
import { baseUrl, closeAllClients, connectLive } from '../helpers/live.ts'

// Boundary uploads (docs/architecture.md §3) with files shaped like the public ones: statistical
// codes in `adcode`, a name-only file, MultiPolygons with holes and an outlying island, a file in
// [lat, lon] order, and a detailed outline far above what a wall can show.

const { app } = await build({ listen: true })
afterAll(closeAllClients)
const admin = await signIn(app, ['admin'])
const townships = (await app.inject({ url: '/api/v1/townships', headers: { cookie: admin.cookie } })).json() as Array<{ code: string; name: string; seat: [number, number] }>

type Ring = number[][]
/** A closed square ring around a point, counter-clockwise. */
const square = ([x, y]: readonly number[], r: number): Ring => [[x! - r, y! - r], [x! + r, y! - r], [x! + r, y! + r], [x! - r, y! + r], [x! - r, y! - r]]
const polygonAt = (seat: readonly number[]) => ({ type: 'Polygon', coordinates: [square(seat, 0.04)] })
const put = (body: unknown, query = '') =>
  app.inject({ method: 'PUT', url: `/api/v1/geo/county${query}`, headers: { ...admin.headers, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
const current = async () => (await app.inject({ url: '/api/v1/geo/county', headers: { cookie: admin.cookie } })).json()

describe('PUT /api/v1/geo/county', () => {
  it('matches a FeatureCollection by its adcode (12-digit statistical codes), keeps holes, leaves the island out of the fit, and pushes geo:updated', async () => {
    const wall = await connectLive(baseUrl(app), { cookie: admin.cookie })
    const [first, ...rest] = townships
    const island = [first!.seat[0] + 3, first!.seat[1] - 2]
    const multi = {
      type: 'MultiPolygon',
      coordinates: [
        [square(first!.seat, 0.05), square(first!.seat, 0.01).reverse()], // a ring with a hole (a lake)
        [square(island, 0.01)], // an outlying island, far from the county
      ],
    }
    const file = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { adcode: `${first!.code}000`, name: first!.name, level: 'town' }, geometry: multi },
        ...rest.map((t) => ({ type: 'Feature', properties: { adcode: Number(`${t.code}000`), name: t.name, level: 'town' }, geometry: polygonAt(t.seat) })),
      ],
    }
    const res = await put(file, '?fileName=county.geojson')
    expect(res.statusCode, res.body).toBe(200)
    const { version, report } = res.json()
    expect(report.codeProperty).toBe('adcode')
    expect(report.nameProperty).toBe('name')
    expect(report.properties).toEqual(['adcode', 'name', 'level'])
    expect(report.matched).toHaveLength(townships.length)
    expect(report.matched.every((m: { by: string }) => m.by === 'code')).toBe(true)
    expect(report.unmatched).toEqual([])
    expect(report.missing).toEqual([])
    expect(report.outliers).toEqual([{ feature: 0, part: 1, township: first!.code, bbox: [island[0]! - 0.01, island[1]! - 0.01, island[0]! + 0.01, island[1]! + 0.01] }])
    expect(report.fitBbox[2]).toBeLessThan(island[0]! - 1)

    const stored = await current()
    expect(stored.fitBbox).toEqual(report.fitBbox)
    const mine = stored.features.find((f: { properties: { code: string } }) => f.properties.code === first!.code)
    expect(mine.properties).toEqual({ code: first!.code, name: first!.name, sourceCode: `${first!.code}000`, sourceName: first!.name })
    expect(mine.geometry.type).toBe('MultiPolygon')
    expect(mine.geometry.coordinates[0]).toHaveLength(2) // the hole survived
    await wall.waitFor(() => wall.of('geo:updated').find((m) => m.version === version), 'geo:updated')

    const audit = (await app.inject({ url: '/api/v1/audit?action=geo.upload', headers: { cookie: admin.cookie } })).json()
    const entries = Array.isArray(audit) ? audit : audit.items ?? audit.entries
    expect(entries.some((e: { target: string }) => e.target === `geo:county:${version}`)).toBe(true)
  })

  it('matches by name alone (suffixes such as 镇 / 街道 may differ) and lists what did not match, both ways', async () => {
    const [, second, ...others] = townships
    const file = {
      type: 'FeatureCollection',
      features: [
        ...others.map((t) => ({ type: 'Feature', properties: { TOWNNAME: t.name.replace(/(街道|镇|乡)$/u, '') }, geometry: polygonAt(t.seat) })),
        { type: 'Feature', properties: { TOWNNAME: '不存在乡' }, geometry: polygonAt(second!.seat) },
        { type: 'Feature', properties: {}, geometry: polygonAt(second!.seat) },
      ],
    }
    const res = await put(file)
    expect(res.statusCode, res.body).toBe(200)
    const { report } = res.json()
    expect(report.codeProperty).toBeNull()
    expect(report.nameProperty).toBe('TOWNNAME')
    expect(report.matched.map((m: { township: string }) => m.township).sort()).toEqual(others.map((t) => t.code).sort())
    expect(report.matched.every((m: { by: string }) => m.by === 'name')).toBe(true)
    expect(report.unmatched).toEqual([
      { feature: others.length, code: null, name: '不存在乡', reason: 'unknown_name' },
      { feature: others.length + 1, code: null, name: null, reason: 'no_code_or_name' },
    ])
    expect(report.missing.map((m: { code: string }) => m.code).sort()).toEqual([townships[0]!.code, second!.code].sort())
    expect(report.outliers).toEqual([])
    expect((await current()).fitBbox).toBeUndefined()
  })

  it('takes the chosen properties and refuses one no feature has', async () => {
    const file = { type: 'Feature', properties: { XZQHDM: townships[0]!.code, MC: townships[0]!.name }, geometry: polygonAt(townships[0]!.seat) }
    const ok = await put(file, '?codeProperty=XZQHDM&nameProperty=MC')
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().report.matched).toEqual([{ feature: 0, township: townships[0]!.code, name: townships[0]!.name, by: 'code' }])
    const bad = await put(file, '?codeProperty=adcode')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('geo_unknown_property')
    expect(bad.json().error.fields[0].field).toBe('codeProperty')
  })

  it('refuses a file in [latitude, longitude] order, saying so, and keeps the current layer', async () => {
    const before = await current()
    const swap = (ring: Ring) => ring.map(([x, y]) => [y!, x!])
    const file = { type: 'FeatureCollection', features: townships.map((t) => ({ type: 'Feature', properties: { code: t.code }, geometry: { type: 'Polygon', coordinates: [swap(square(t.seat, 0.04))] } })) }
    const res = await put(file)
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('geo_swapped_axes')
    expect(res.json().error.message).toMatch(/\[longitude, latitude\]/)
    expect(res.json().error.fields[0].field).toBe('features.0.geometry.coordinates.0.0')
    expect(await current()).toEqual(before)
  })

  it('refuses what is not a boundary file, with the place and the reason', async () => {
    const point = await put({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: townships[0]!.code }, geometry: { type: 'Point', coordinates: [113, 28] } }] })
    expect(point.statusCode).toBe(400)
    expect(point.json().error).toMatchObject({ code: 'geo_bad_geometry', fields: [{ field: 'features.0.geometry' }] })
    const open = await put({ type: 'Feature', properties: { code: townships[0]!.code }, geometry: { type: 'Polygon', coordinates: [square(townships[0]!.seat, 0.1).slice(0, 4)] } })
    expect(open.json().error.code).toBe('geo_bad_geometry')
    expect((await put([1, 2, 3])).json().error.code).toBe('geo_not_geojson')
    const unmatched = await put({ type: 'Feature', properties: { code: '110101001' }, geometry: polygonAt(townships[0]!.seat) })
    expect(unmatched.json().error.code).toBe('geo_no_match')
  })

  it('simplifies a detailed outline (megabytes) below the vertex budget and reports the counts', async () => {
    const n = 120_000
    const [cx, cy] = townships[0]!.seat
    const ring: Ring = []
    // A wobbly coastline: detail far finer than a wall pixel.
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * i) / n
      const r = 0.05 * (1 + 0.02 * Math.sin(a * 400) + 0.001 * Math.sin(a * 9000))
      ring.push([+(cx + r * Math.cos(a)).toFixed(7), +(cy + r * Math.sin(a)).toFixed(7)])
    }
    ring.push(ring[0]!)
    const file = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: townships[0]!.code }, geometry: { type: 'Polygon', coordinates: [ring] } }] }
    expect(JSON.stringify(file).length).toBeGreaterThan(2 * 1024 * 1024) // above Fastify's default body limit
    const res = await put(file)
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
    const { simplification } = res.json().report
    expect(simplification.before).toBe(n + 1)
    expect(simplification.after).toBeLessThanOrEqual(VERTEX_BUDGET)
    expect(simplification.after).toBeGreaterThan(100) // still the outline, not a triangle
    const stored = await current()
    expect(stored.features[0].geometry.coordinates[0]).toHaveLength(simplification.after)
  })
})

describe('boundary versions', () => {
  it('lists every upload and restores an earlier one, audited and pushed', async () => {
    const versions = (await app.inject({ url: '/api/v1/geo/county/versions', headers: { cookie: admin.cookie } })).json()
    // The demo layer (loaded before any upload) is kept as the first version.
    expect(versions.length).toBeGreaterThanOrEqual(5)
    expect(versions[0].current).toBe(true)
    expect(versions.filter((v: { current: boolean }) => v.current)).toHaveLength(1)
    const first = versions.find((v: { fileName: string | null }) => v.fileName === 'county.geojson')
    expect(first.createdBy).toBe(admin.username)
    expect(first.report.matched).toHaveLength(townships.length)

    const wall = await connectLive(baseUrl(app), { cookie: admin.cookie })
    const res = await app.inject({ method: 'POST', url: `/api/v1/geo/county/versions/${first.id}/restore`, headers: admin.headers })
    expect(res.statusCode, res.body).toBe(200)
    expect((await current()).features).toHaveLength(townships.length)
    const after = (await app.inject({ url: '/api/v1/geo/county/versions', headers: { cookie: admin.cookie } })).json()
    expect(after.find((v: { current: boolean }) => v.current).id).toBe(first.id)
    await wall.waitFor(() => wall.of('geo:updated').find((m) => m.version === first.id), 'geo:updated after restore')
    const audit = (await app.inject({ url: '/api/v1/audit?action=geo.restore', headers: { cookie: admin.cookie } })).json()
    const entries = Array.isArray(audit) ? audit : audit.items ?? audit.entries
    expect(entries[0]).toMatchObject({ action: 'geo.restore', target: `geo:county:${first.id}` })

    const demo = after[after.length - 1]
    expect(demo.fileName).toBeNull()
    expect((await app.inject({ method: 'POST', url: `/api/v1/geo/county/versions/${demo.id}/restore`, headers: admin.headers })).statusCode).toBe(200)
    expect((await app.inject({ method: 'POST', url: '/api/v1/geo/county/versions/999999/restore', headers: admin.headers })).statusCode).toBe(404)
  })

  it('is for administrators only', async () => {
    const duty = await signIn(app, ['duty'])
    expect((await app.inject({ method: 'PUT', url: '/api/v1/geo/county', headers: duty.headers, payload: {} })).statusCode).toBe(403)
    expect((await app.inject({ url: '/api/v1/geo/county/versions', headers: { cookie: duty.cookie } })).statusCode).toBe(403)
  })
})
