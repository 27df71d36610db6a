// The admin 通知 tab end to end (docs/architecture.md §6): an administrator adds a webhook channel
// pointing at a receiver this test runs, presses 测试发送 and sees it arrive; adds a shift for now and
// finds its 值班员 and 带班领导 on the duty console and the wall.
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

let server: RunningServer
let browser: Browser
let receiver: Server
const received: Array<{ version?: string; status?: string }> = []
const contexts: BrowserContext[] = []

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      received.push(JSON.parse(body) as { version?: string })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  await browser?.close()
  await server?.stop()
  await new Promise((r) => receiver?.close(r))
})

/** A `datetime-local` value in centre time. */
function centreInput(epoch: number): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
      .formatToParts(new Date(epoch))
      .map((x) => [x.type, x.value]),
  )
  return `${p['year']}-${p['month']}-${p['day']}T${p['hour'] === '24' ? '00' : p['hour']}:${p['minute']}`
}

async function signedIn(username: string, password: string, viewport = { width: 1440, height: 1000 }) {
  const context = await browser.newContext({ viewport, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' })
  contexts.push(context)
  await signInContext(context, server, username, password)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return { page, errors }
}

describe('the 通知 admin tab, in a real browser', () => {
  it('test-sends on a new webhook channel, and a shift added for now shows on the duty console and the wall', async () => {
    const { page, errors } = await signedIn('admin', 'demo-admin-2026')
    await page.goto(`${server.url}/admin`)
    await page.locator('[data-test="admin-tab-notify"]').click()
    await page.locator('[data-test="notify-channels"]').waitFor()

    // A refusal first: a URL that is not http(s) is refused in Chinese beside the field.
    await page.locator('[data-test="channel-name"]').fill('值班 Webhook')
    await page.locator('[data-test="channel-url"]').fill('ftp://127.0.0.1/hook')
    await page.locator('[data-test="channel-save"]').click()
    expect(await page.locator('[data-test="field-error-url"]').innerText()).toBe('须为 http:// 或 https:// 地址')

    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
    await page.locator('[data-test="channel-url"]').fill(url)
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/channels') && r.request().method() === 'POST')
    await page.locator('[data-test="channel-save"]').click()
    expect((await created).status()).toBe(201)
    const row = page.locator('[data-test="channel-row"][data-name="值班 Webhook"]')
    await row.waitFor()
    await row.locator('[data-test="channel-test"]').click()
    await row.locator('[data-test="channel-test-ok"]').waitFor({ timeout: 15_000 })
    expect(await row.locator('[data-test="channel-test-ok"]').innerText()).toBe('测试发送成功')
    expect(received.length).toBe(1)
    expect(received[0]!.version).toBe('4')

    // The same name again: the server's 409 in Chinese on the name field.
    await page.locator('[data-test="channel-name"]').fill('值班 Webhook')
    await page.locator('[data-test="channel-url"]').fill(url)
    await page.locator('[data-test="channel-save"]').click()
    await page.locator('[data-test="field-error-name"]').waitFor()
    expect(await page.locator('[data-test="field-error-name"]').innerText()).toBe('名称已被使用')
    await page.screenshot({ path: join(ARTIFACTS, 'notify-channels.png'), fullPage: true })

    // A route: red alerts at night to that channel, for the 带班领导 step.
    await page.locator('[data-test="notify-part-routes"]').click()
    await page.locator('[data-test="route-save"]').click()
    expect(await page.locator('[data-test="field-error-channels"]').innerText()).toBe('至少选择一个渠道')
    await page.locator('[data-test="route-name"]').fill('夜间红色')
    await page.locator('[data-test="route-audience"]').selectOption('shift_leader')
    await page.locator('[data-test="route-levels"]').selectOption(['red'])
    await page.locator('[data-test="route-from"]').fill('22:00')
    await page.locator('[data-test="route-to"]').fill('08:00')
    await page.locator('[data-test="route-channel"]').first().check()
    const routed = page.waitForResponse((r) => r.url().endsWith('/api/v1/notification-routes') && r.request().method() === 'POST')
    await page.locator('[data-test="route-save"]').click()
    expect((await routed).status()).toBe(201)
    const routeRow = page.locator('[data-test="route-row"]').filter({ hasText: '夜间红色' })
    await routeRow.waitFor()
    expect(await routeRow.innerText()).toMatch(/带班领导[\s\S]*红色[\s\S]*22:00–08:00[\s\S]*值班 Webhook/)

    // A shift on now.
    await page.locator('[data-test="notify-part-roster"]').click()
    await page.locator('[data-test="shift-start"]').fill(centreInput(Date.now() - 3600_000))
    await page.locator('[data-test="shift-end"]').fill(centreInput(Date.now() + 8 * 3600_000))
    await page.locator('[data-test="shift-officer"]').fill('王值班')
    await page.locator('[data-test="shift-leader"]').fill('赵带班')
    const added = page.waitForResponse((r) => r.url().endsWith('/api/v1/roster') && r.request().method() === 'POST')
    await page.locator('[data-test="shift-add"]').click()
    expect((await added).status()).toBe(201)
    await page.locator('[data-test="shift-row"]').filter({ hasText: '王值班' }).waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'notify-roster.png'), fullPage: true })
    expect(errors).toEqual([])

    const duty = await signedIn('duty', 'demo-duty-2026')
    await duty.page.goto(`${server.url}/duty`)
    await duty.page.locator('[data-test="on-duty-officer"]').waitFor({ timeout: 15_000 })
    expect(await duty.page.locator('[data-test="on-duty"]').innerText()).toMatch(/值班员\s*王值班\s*带班领导\s*赵带班/)
    await duty.page.screenshot({ path: join(ARTIFACTS, 'notify-duty-header.png') })
    expect(duty.errors).toEqual([])

    const wall = await signedIn('leader', 'demo-leader-2026', { width: 1920, height: 1080 })
    await wall.page.goto(`${server.url}/wall?still=1`)
    await wall.page.locator('[data-test="on-duty-officer"]').waitFor({ timeout: 15_000 })
    expect(await wall.page.locator('[data-test="on-duty"]').innerText()).toMatch(/值班员\s*王值班\s*带班领导\s*赵带班/)
    await wall.page.screenshot({ path: join(ARTIFACTS, 'notify-wall.png') })
    // In the header: it overlaps neither the brand nor the clock, nor any panel below.
    const box = (sel: string) => wall.page.locator(sel).first().boundingBox()
    const [duty_, header, clock, kpi, brand] = await Promise.all([box('[data-test="on-duty"]'), box('[data-test="wall-stage"] > header.top'), box('[data-test="wall-clock"]'), box('.kpi-row'), box('.brand')])
    expect(duty_!.y + duty_!.height).toBeLessThanOrEqual(header!.y + header!.height)
    expect(duty_!.x + duty_!.width).toBeLessThanOrEqual(clock!.x)
    expect(duty_!.x).toBeGreaterThanOrEqual(brand!.x + brand!.width)
    expect(duty_!.y + duty_!.height).toBeLessThanOrEqual(kpi!.y)
    expect(duty_!.height).toBeGreaterThanOrEqual(20)
    await wall.page.screenshot({ path: join(ARTIFACTS, 'notify-wall.png') })
    expect(wall.errors).toEqual([])
  }, 120_000)
})
