// The client ships its Chinese font: in a Chromium that sees none of the machine's CJK fonts (a
// fontconfig that lists one Latin font folder only: Chromium will not start with no font at all),
// the wall still draws Chinese glyphs, in its text and on its charts.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS, CHROMIUM_ARGS, type RunningServer, signInContext, startServer } from './harness.ts'

let server: RunningServer
let browser: Browser
let fontconfigDir: string

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  fontconfigDir = mkdtempSync(join(tmpdir(), 'shaowang-nofonts-'))
  const conf = join(fontconfigDir, 'fonts.conf')
  // A bare kiosk: Latin fonts only (Chromium's own dependencies bring these), no CJK font.
  const latin = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/truetype/liberation'].find((d) => existsSync(d))
  if (!latin) throw new Error('no Latin font folder to give Chromium')
  writeFileSync(conf, `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${latin}</dir><cachedir>${fontconfigDir}/cache</cachedir></fontconfig>\n`)
  ;[server, browser] = await Promise.all([
    startServer(),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, env: { ...process.env, FONTCONFIG_FILE: conf } }),
  ])
})
afterAll(async () => {
  await browser?.close()
  await server?.stop()
  rmSync(fontconfigDir, { recursive: true, force: true })
})

describe('Chinese without a system font', () => {
  it('draws distinct Han glyphs on the wall, in the page and on canvas, where the system font draws none', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })
    await signInContext(context, server, 'leader', 'demo-leader-2026')
    const page = await context.newPage()
    await page.goto(`${server.url}/wall?still=1`)
    await page.locator('[data-test="ranking-row"]').nth(11).waitFor({ timeout: 20_000 })
    await page.evaluate(() => document.fonts.ready)

    // Two township names of three characters each: boxes would make them the same picture.
    const names = page.locator('[data-test="ranking-row"] .name')
    const shots: Buffer[] = []
    for (let i = 0; i < 12 && shots.length < 2; i++) {
      if (((await names.nth(i).textContent()) ?? '').length === 3) shots.push(await names.nth(i).screenshot())
    }
    expect(shots).toHaveLength(2)
    expect(shots[0]!.equals(shots[1]!)).toBe(false)

    // The canvas text of the charts: '城' and '关' in the charts' font, and in the system's.
    const drawn = await page.evaluate(async () => {
      await document.fonts.load("40px 'Noto Sans SC'", '城关')
      const glyph = (font: string, ch: string) => {
        const c = document.createElement('canvas')
        c.width = c.height = 48
        const ctx = c.getContext('2d')!
        ctx.font = font
        ctx.fillStyle = '#000'
        ctx.fillText(ch, 2, 40)
        const data = ctx.getImageData(0, 0, 48, 48).data
        let inked = 0
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++
        return { key: Array.from(data).join(','), inked }
      }
      const shipped = "40px 'Noto Sans SC', sans-serif"
      const a = glyph(shipped, '城')
      const b = glyph(shipped, '关')
      const sa = glyph('40px sans-serif', '城')
      const sb = glyph('40px sans-serif', '关')
      return { shippedDiffer: a.key !== b.key, inked: Math.min(a.inked, b.inked), systemDiffer: sa.key !== sb.key }
    })
    // The control: this browser really has no Han glyph of its own (boxes or nothing).
    expect(drawn.systemDiffer).toBe(false)
    expect(drawn.shippedDiffer).toBe(true)
    expect(drawn.inked).toBeGreaterThan(50)
    await page.screenshot({ path: join(ARTIFACTS, 'fonts-wall-no-system-font.png') })
    await context.close()
  })
})
