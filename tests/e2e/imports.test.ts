// The ledger import screen in a real browser (README, "Ledger imports"): a duty officer picks a
// township's ledger, sets the values the sheet leaves out, sees each row's outcome and every reason
// of a refused row before anything is stored, downloads the refused rows to send back, confirms,
// and finds the import in the record.
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiSession, signIn } from '../../scripts/lib/api-client.ts'
import { ARTIFACTS, launchBrowser, type RunningServer, signInContext, startServer } from './harness.ts'

let server: RunningServer
let browser: Browser
let duty: ApiSession

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  duty = await signIn(server, 'duty', 'demo-duty-2026')
})
afterAll(async () => {
  await duty?.dispose()
  await browser?.close()
  await server?.stop()
})

/** A township's own ledger: a title row, no 来源 or 乡镇 column (given as defaults on screen). */
async function townshipLedger(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const ws = workbook.addWorksheet('台账')
  ws.addRow(['青石镇矛盾纠纷排查化解台账'])
  ws.addRow(['编号', '纠纷类型', '发生时间', '涉及人数', '简要情况'])
  ws.addRow(['QS-E2E-1', '邻里纠纷', new Date(Date.UTC(2026, 9, 5, 1, 30)), 2, '宅基地边界'])
  ws.addRow(['QS-E2E-2', '婚姻家庭纠纷', new Date(Date.UTC(2026, 9, 6, 2, 0)), 0, '人数写错'])
  ws.addRow(['QS-E2E-3', '外星访客纠纷', new Date(Date.UTC(2026, 9, 7, 3, 0)), 1, '类别不认识'])
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

describe('the ledger import screen, in a real browser', () => {
  it('previews with the defaults given, lists every reason, hands back the refused rows, and imports on confirm', async () => {
    const townships = await duty.get<Array<{ code: string; name: string }>>('/api/v1/townships')
    const township = townships.find((t) => t.name === '青石镇') ?? townships[1]!
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN', acceptDownloads: true })
    await signInContext(context, server, 'duty', 'demo-duty-2026')
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${server.url}/duty`)
    await page.locator('header.chrome nav a[href="/imports"]').click()
    await page.locator('[data-test="imports-screen"]').waitFor()

    await page.locator('[data-test="import-file"]').setInputFiles({ name: '青石镇台账.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await townshipLedger() })
    // Without 来源 and 乡镇 the sheet cannot be read: the screen says why, in Chinese.
    await page.locator('[data-test="import-preview"]').click()
    const error = page.locator('[data-test="import-error"]')
    await error.waitFor()
    expect(await error.innerText()).toContain('来源')

    await page.locator('[data-test="import-default-source"]').selectOption('dispute')
    await page.locator('[data-test="import-default-township"]').selectOption(township.code)
    await page.locator('[data-test="import-preview"]').click()
    const report = page.locator('[data-test="import-report"]')
    await report.waitFor()
    expect(await report.locator('h2').innerText()).toBe('共 3 行：新增 1，更新 0，重复 0，不通过 2')
    const refused = await page.locator('[data-test="import-refused-row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-row'), (r as HTMLElement).innerText]))
    expect(refused.map(([row]) => row)).toEqual(['4', '5'])
    expect(refused[0]![1]).toContain('涉及人数')
    expect(refused[1]![1]).toContain('外星访客纠纷')
    await page.screenshot({ path: join(ARTIFACTS, 'imports-preview.png'), fullPage: true })
    // Nothing is stored by the preview.
    expect((await duty.get<{ items: unknown[] }>('/api/v1/imports')).items).toEqual([])

    const downloading = page.waitForEvent('download')
    await page.locator('[data-test="import-download-refused"]').click()
    const download = await downloading
    expect(download.suggestedFilename()).toBe('青石镇台账-未通过.xlsx')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer)
    const ws = workbook.worksheets[0]!
    expect(ws.rowCount).toBe(3)
    expect(ws.getRow(1).getCell(6).value).toBe('未通过原因')
    expect(ws.getRow(2).getCell(1).value).toBe('QS-E2E-2')

    await page.locator('[data-test="import-confirm"]').click()
    await page.locator('[data-test="import-done"]').waitFor()
    expect(await page.locator('[data-test="import-done"]').innerText()).toBe('已导入：新增 1，更新 0，重复 0，不通过 2')
    const history = page.locator('[data-test="import-history-row"]')
    await history.first().waitFor()
    expect(await history.first().innerText()).toContain('青石镇台账.xlsx')
    const stored = await duty.get<{ items: Array<{ externalId?: string; township: string }> }>(`/api/v1/events?township=${township.code}&limit=200`)
    expect(stored.items.some((e) => e.externalId === 'QS-E2E-1')).toBe(true)
    expect(errors).toEqual([])
    await context.close()
  })
})
