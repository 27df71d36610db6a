import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import polygonClipping from 'polygon-clipping'
import type { MultiPolygon, Polygon } from 'polygon-clipping'
import { describe, expect, it } from 'vitest'
import { validateCountyGeoJson } from '../../../server/domain/geo.ts'
import {
  buildDemoCounty,
  buildOutline,
  multiPolygonArea,
  signedArea,
  type RegionTree,
  type TownshipCollection,
} from '../../../scripts/generate-demo-county.ts'

const seedFile = (name: string): string => fileURLToPath(new URL(`../../../db/seed/${name}`, import.meta.url))
const geojson = JSON.parse(readFileSync(seedFile('demo-county.geojson'), 'utf8')) as TownshipCollection
const tree = JSON.parse(readFileSync(seedFile('demo-county.json'), 'utf8')) as RegionTree
const townships = tree.townships
const codes = townships.map((t) => t.code)
const polygons: Polygon[] = geojson.features.map((f) => f.geometry.coordinates as Polygon)
const outline = buildOutline()
const outlineArea = Math.abs(signedArea(outline))

describe('demo county region tree', () => {
  it('is the fictional county 990100 with 12 townships, the county seat first', () => {
    expect(tree.county).toEqual({ code: '990100', name: '示范县' })
    expect(codes).toEqual(Array.from({ length: 12 }, (_, i) => `990100${String(i + 1).padStart(3, '0')}`))
    expect(townships[0]?.tags).toContain('county_seat')
    expect(townships[0]?.kind).toBe('subdistrict')
  })

  it('has unique codes and names and well-formed codes at every level', () => {
    expect(new Set(codes).size).toBe(12)
    expect(new Set(townships.map((t) => t.name)).size).toBe(12)
    const allCodes: string[] = [tree.county.code]
    for (const t of townships) {
      expect(t.code).toMatch(/^\d{9}$/)
      expect(t.code.startsWith(tree.county.code)).toBe(true)
      expect(['town', 'township', 'subdistrict']).toContain(t.kind)
      expect(new Set(t.villages.map((v) => v.name)).size).toBe(t.villages.length)
      allCodes.push(t.code)
      for (const v of t.villages) {
        expect(v.code).toMatch(/^\d{12}$/)
        expect(v.code.startsWith(t.code)).toBe(true)
        expect(['village', 'community']).toContain(v.kind)
        expect(v.name.endsWith(v.kind === 'community' ? '社区' : '村')).toBe(true)
        allCodes.push(v.code)
        for (const g of v.grids) {
          expect(g.code).toMatch(/^\d{12}-\d{2}$/)
          expect(g.code.startsWith(`${v.code}-`)).toBe(true)
          expect(g.name).toBeTruthy()
          allCodes.push(g.code)
        }
      }
    }
    expect(tree.county.code).toMatch(/^\d{6}$/)
    expect(new Set(allCodes).size).toBe(allCodes.length)
  })

  it('has 10–20 villages per township and 3–5 grids per village', () => {
    for (const t of townships) {
      expect(t.villages.length).toBeGreaterThanOrEqual(10)
      expect(t.villages.length).toBeLessThanOrEqual(20)
      for (const v of t.villages) {
        expect(v.grids.length).toBeGreaterThanOrEqual(3)
        expect(v.grids.length).toBeLessThanOrEqual(5)
      }
    }
  })

  it('tags exactly one county seat, 3–5 border townships, parks, resettlement and hot spots', () => {
    const withTag = (tag: string) => townships.filter((t) => t.tags.includes(tag))
    expect(withTag('county_seat').map((t) => t.code)).toEqual(['990100001'])
    expect(withTag('border').length).toBeGreaterThanOrEqual(3)
    expect(withTag('border').length).toBeLessThanOrEqual(5)
    expect(withTag('industrial_park').length).toBeGreaterThanOrEqual(1)
    expect(withTag('resettlement').length).toBeGreaterThanOrEqual(1)
    const villagesWith = (tag: string) => townships.flatMap((t) => t.villages.filter((v) => v.tags.includes(tag)))
    expect(villagesWith('resettlement').length).toBeGreaterThan(0)
    expect(villagesWith('difficult').length).toBeGreaterThan(0)
    const hotspotTownships = townships.filter((t) => t.villages.some((v) => v.tags.includes('hotspot')))
    expect(hotspotTownships.length).toBe(2)
    // communities in the county seat, villages elsewhere
    const seat = townships[0]
    expect(seat?.villages.filter((v) => v.kind === 'community').length).toBeGreaterThan((seat?.villages.length ?? 0) / 2)
    for (const t of townships.filter((x) => x.kind === 'township')) {
      expect(t.villages.filter((v) => v.kind === 'village').length).toBeGreaterThan(t.villages.length / 2)
    }
  })

  it('concentrates event weight: 35 % in the county seat, ~70 % in four townships', () => {
    const weights = townships.map((t) => t.weight)
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9)
    expect(townships[0]?.weight).toBeCloseTo(0.35, 9)
    const top4 = [...weights].sort((a, b) => b - a).slice(0, 4)
    expect(top4.reduce((a, b) => a + b, 0)).toBeCloseTo(0.7, 9)
    for (const t of townships) {
      expect(t.population).toBeGreaterThan(5_000)
      expect(Number.isInteger(t.population)).toBe(true)
    }
  })

  it('places each seat inside its own township polygon', () => {
    townships.forEach((t, i) => {
      const hit = polygonClipping.intersection(polygons[i] as Polygon, square(t.seat, 1e-4))
      expect(multiPolygonArea(hit)).toBeGreaterThan(0)
    })
  })
})

describe('demo county boundaries', () => {
  it('is a FeatureCollection of 12 townships matching the tree (and passes the upload validator)', () => {
    expect(geojson.type).toBe('FeatureCollection')
    expect(geojson.features.map((f) => f.properties.code)).toEqual(codes)
    expect(geojson.features.map((f) => f.properties.name)).toEqual(townships.map((t) => t.name))
    expect(validateCountyGeoJson(geojson, codes)).toEqual({ ok: true })
    expect(statSync(seedFile('demo-county.geojson')).size).toBeLessThan(200_000)
  })

  it('has closed, counter-clockwise outer rings with 5-decimal coordinates', () => {
    for (const f of geojson.features) {
      expect(f.geometry.type).toBe('Polygon')
      const [outer, ...holes] = f.geometry.coordinates
      expect(holes).toEqual([])
      expect(outer).toBeDefined()
      const ring = outer ?? []
      expect(ring.length).toBeGreaterThanOrEqual(4)
      expect(ring[0]).toEqual(ring[ring.length - 1])
      expect(signedArea(ring)).toBeGreaterThan(0)
      for (const [lon, lat] of ring) {
        expect(Math.round(lon * 1e5) / 1e5).toBe(lon)
        expect(Math.round(lat * 1e5) / 1e5).toBe(lat)
        expect(lon).toBeGreaterThan(112.9)
        expect(lon).toBeLessThan(114.1)
        expect(lat).toBeGreaterThan(28)
        expect(lat).toBeLessThan(29)
      }
    }
  })

  it('has no two townships overlapping', () => {
    for (let i = 0; i < polygons.length; i++) {
      for (let j = i + 1; j < polygons.length; j++) {
        const overlap = multiPolygonArea(polygonClipping.intersection(polygons[i] as Polygon, polygons[j] as Polygon))
        expect(overlap / outlineArea, `townships ${i + 1} and ${j + 1}`).toBeLessThan(1e-6)
      }
    }
  })

  it('covers the county outline exactly (the union is the outline)', () => {
    const union: MultiPolygon = polygonClipping.union(polygons[0] as Polygon, ...polygons.slice(1))
    expect(union).toHaveLength(1) // one piece…
    expect(union[0]).toHaveLength(1) // …without holes
    const outlinePolygon: Polygon = [outline]
    expect(multiPolygonArea(polygonClipping.difference(outlinePolygon, union)) / outlineArea).toBeLessThan(1e-4)
    expect(multiPolygonArea(polygonClipping.difference(union, outlinePolygon)) / outlineArea).toBeLessThan(1e-4)
    const sum = polygons.reduce((a, p) => a + Math.abs(signedArea(p[0] ?? [])), 0)
    expect(Math.abs(sum - outlineArea) / outlineArea).toBeLessThan(0.005)
  })

  it('is exactly what the generator produces (the shipped files are up to date)', () => {
    const built = buildDemoCounty()
    expect(built.geojson).toEqual(geojson)
    expect(built.tree).toEqual(tree)
  })
})

function square([x, y]: [number, number], r: number): Polygon {
  return [[[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r], [x - r, y - r]]]
}
