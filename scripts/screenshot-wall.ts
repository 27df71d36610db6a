// Screenshots of the wall against a running server: signs in as the demo leader through the API,
// sets the session cookie and captures /wall at the given viewport sizes.
//   node scripts/screenshot-wall.ts http://127.0.0.1:3210 out-dir [1920x1080 1366x768 …]
import { chromium } from 'playwright-core'

const [base = 'http://127.0.0.1:3000', outDir = '.', ...sizes] = process.argv.slice(2)
const viewports = (sizes.length ? sizes : ['1920x1080', '1366x768']).map((s) => {
  const [w, h] = s.split('x').map(Number)
  return { width: w ?? 1920, height: h ?? 1080 }
})

const login = await fetch(`${base}/api/v1/session`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: process.env['WALL_USER'] ?? 'leader', password: process.env['WALL_PASSWORD'] ?? 'demo-leader-2026' }),
})
if (!login.ok) throw new Error(`sign-in failed: ${login.status}`)
const sid = /sid=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1]
if (!sid) throw new Error('no session cookie')

const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
})
try {
  for (const viewport of viewports) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN' })
    await context.addCookies([{ name: 'sid', value: sid, url: base }])
    const page = await context.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.log(`[${viewport.width}x${viewport.height}] ${m.type()}: ${m.text()}`)
    })
    await page.goto(`${base}/wall?still=1`)
    await page.waitForSelector('[data-test="ranking-row"]', { timeout: 15_000 })
    await page.waitForSelector('[data-test="county-map"][data-map-ready="true"]', { timeout: 15_000 })
    await page.waitForTimeout(1500)
    const file = `${outDir}/wall-${viewport.width}x${viewport.height}.png`
    await page.screenshot({ path: file })
    console.log(file)
    await context.close()
  }
} finally {
  await browser.close()
}
