import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

let server: RunningServer
let browser: Browser

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})
afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('a fresh start, in a real browser', () => {
  it('serves the client, which signs in and lists the 12 demo townships', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } })
    await signInContext(context, server, 'leader', 'demo-leader-2026')
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${server.url}/wall`)
    await page.getByText('城关街道').first().waitFor({ timeout: 15_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'smoke-wall.png') })
    const names = ['城关街道', '青石镇', '柳溪镇', '白塘乡', '云岭乡', '松塘镇', '枫林乡', '望岭镇', '栗木乡', '双溪镇', '鹿鸣乡', '杉坪乡']
    for (const name of names) expect(await page.getByText(name).count()).toBeGreaterThan(0)
    expect(errors).toEqual([])
    await context.close()
  })
})
