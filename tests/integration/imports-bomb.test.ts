// An XLSX decompression bomb against a real server process (README, "Ledger imports"): 4.7 MB of
// ZIP whose 16 sheets are each one cell of 300 MB, a sheet of 1 GB, and a ZIP whose headers lie about
// how large its sheet inflates. Each is refused with a 4xx naming the file and why, in Chinese; the
// process's resident memory (VmRSS, sampled every 50 ms from the upload's start to its answer) grows
// by less than 100 MB, and on PostgreSQL stays under 400 MB in all (PGlite's embedded database
// keeps the process near 430 MB before any upload); the server then still answers and imports
// an ordinary ledger. On PostgreSQL and on PGlite (where the embedded database would die with the process).
import { existsSync, readFileSync } from 'node:fs'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn } from '../../scripts/lib/api-client.ts'
import { XLSX_FORGED_MESSAGE, XLSX_LIMITS, XLSX_TOO_LARGE_MESSAGE, XLSX_TOO_MANY_PARTS_MESSAGE } from '../../server/modules/imports/zip-guard.ts'
import { type RunningServer, startServer } from '../e2e/harness.ts'
import { hugeCellSheet, manyRowsSheet, part, workbookParts, zip, type ZipPart } from '../helpers/xlsx-bomb.ts'

const MB = 1024 * 1024
/** What an upload may add to the process's RSS (a bomb added gigabytes). */
const GROWTH_LIMIT = 100 * MB
/** The process's whole RSS, where it holds no database (PostgreSQL). */
const RSS_LIMIT = 400 * MB
const onPostgres = Boolean(process.env['DATABASE_URL'])

let server: RunningServer
let headers: Record<string, string>
beforeAll(async () => {
  server = await startServer()
  headers = (await signIn(server, 'duty')).headers
}, 180_000)
afterAll(async () => {
  await server?.stop()
})

const rssOf = (pid: number): number => {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}

/**
 * Uploads a ledger while sampling the server's RSS every 50 ms. Far past the limits the process is
 * killed on the spot (the test has failed; the machine need not go on to 5 GB with it).
 */
async function uploadWatched(file: Buffer, filename = 'ledger.xlsx') {
  // A bomb an earlier test let through killed the process: each case is judged on its own.
  if (!existsSync(`/proc/${server.pid()}`)) await server.restart()
  const pid = server.pid()!
  const before = rssOf(pid)
  let peak = before
  const sample = () => {
    peak = Math.max(peak, rssOf(pid))
    if (peak > before + 4 * GROWTH_LIMIT) void server.kill()
  }
  const timer = setInterval(() => {
    try {
      sample()
    } catch {
      // the process is gone: the upload's own failure says so
    }
  }, 50)
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(file)]), filename)
  const started = performance.now()
  try {
    const res = await fetch(`${server.url}/api/v1/imports`, { method: 'POST', headers, body: form }).catch((err: unknown) => {
      throw new Error(`no answer (the server's RSS reached ${Math.round(peak / MB)} MB): ${String(err)}`)
    })
    const ms = performance.now() - started
    const body = (await res.json()) as { error?: { code: string; fields?: Array<{ field: string; message: string }> } } & Record<string, unknown>
    sample()
    return { status: res.status, body, ms, before, peak }
  } finally {
    clearInterval(timer)
  }
}

const sheetName = (i: number) => `xl/worksheets/sheet${i}.xml`
const db = onPostgres ? 'PostgreSQL' : 'PGlite'

function expectBounded(res: { before: number; peak: number }) {
  expect(res.peak - res.before).toBeLessThan(GROWTH_LIMIT)
  if (onPostgres) expect(res.peak).toBeLessThan(RSS_LIMIT)
}
const mbOf = (res: { before: number; peak: number; ms: number; status: number }) =>
  `answered ${res.status} in ${Math.round(res.ms)} ms, RSS ${Math.round(res.before / MB)} MB before, ${Math.round(res.peak / MB)} MB at most`

async function stillServes() {
  expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200)
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('台账')
  sheet.addRow(['来源', '编号', '乡镇代码', '类别', '涉及人数', '发生时间', '标题'])
  const id = `BOMB-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
  sheet.addRow(['矛盾纠纷', id, '990100001', '邻里纠纷', 2, new Date(Date.now() - 86_400_000), '宅前通道占用'])
  const res = await uploadWatched(Buffer.from(await workbook.xlsx.writeBuffer()))
  expect(res.status).toBe(200)
  expect(res.body).toMatchObject({ format: 'xlsx', rows: 1, accepted: 1, rejected: [] })
}

describe(`${db}: XLSX decompression bombs`, () => {
  it('16 sheets of one 300 MB cell each (4.7 MB of ZIP): 413 on the file, RSS bounded, and the server goes on', async () => {
    const sheet = await hugeCellSheet('', 300 * MB)
    const sheets: ZipPart[] = Array.from({ length: 16 }, (_, i) => ({ ...sheet, name: sheetName(i + 1) }))
    const file = zip([...workbookParts(16), ...sheets])
    expect(file.length).toBeGreaterThan(4 * MB)
    expect(file.length).toBeLessThan(10 * MB) // under the upload limit: only the inflated size can refuse it
    const res = await uploadWatched(file)
    console.info(`${db}: 16 × 300 MB bomb ${mbOf(res)}`)
    expect(res.status).toBe(413)
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', fields: [{ field: 'file', message: XLSX_TOO_LARGE_MESSAGE }] })
    expectBounded(res)
    await stillServes()
  }, 120_000)

  it('one sheet of 1 GB: 413 on the file, RSS bounded', async () => {
    const file = zip([...workbookParts(1), await hugeCellSheet(sheetName(1), 1024 * MB)])
    const res = await uploadWatched(file)
    console.info(`${db}: 1 GB bomb ${mbOf(res)}`)
    expect(res.status).toBe(413)
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', fields: [{ field: 'file', message: XLSX_TOO_LARGE_MESSAGE }] })
    expectBounded(res)
    await stillServes()
  }, 120_000)

  it('a ZIP whose headers say 1 KB for a sheet that inflates to 300 MB, 16 times: 400 on the file, RSS bounded', async () => {
    const sheet = { ...(await hugeCellSheet('', 300 * MB)), declaredSize: 1024 }
    const file = zip([...workbookParts(16), ...Array.from({ length: 16 }, (_, i) => ({ ...sheet, name: sheetName(i + 1) }))])
    const res = await uploadWatched(file)
    console.info(`${db}: lying 16 × 300 MB bomb ${mbOf(res)}`)
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'bad_ledger', fields: [{ field: 'file', message: XLSX_FORGED_MESSAGE }] })
    expectBounded(res)
    await stillServes()
  }, 120_000)

  it('a sheet of 500,000 one-cell rows, under the size caps: 413 on the file once reading passes the row cap', async () => {
    const sheet = await manyRowsSheet(sheetName(1), 500_000)
    expect(sheet.size).toBeLessThan(XLSX_LIMITS.maxEntryBytes)
    const res = await uploadWatched(zip([...workbookParts(1), sheet]))
    console.info(`${db}: 500,000-row sheet (${Math.round(sheet.size / MB)} MB of XML) ${mbOf(res)}`)
    expect(res.status).toBe(413)
    const message = '一次最多导入 10000 行（这个文件超过 10000 行）：请拆成几个文件'
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', fields: [{ field: 'file', message }] })
    expectBounded(res)
    await stillServes()
  }, 120_000)

  it('a ZIP of 50,000 empty parts: 413 on the file before any is read', async () => {
    const empty = part('x', '')
    const file = zip([...workbookParts(1), part(sheetName(1), '<worksheet/>'), ...Array.from({ length: 50_000 }, (_, i) => ({ ...empty, name: `xl/media/p${i}.bin` }))])
    const res = await uploadWatched(file)
    expect(res.status).toBe(413)
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', fields: [{ field: 'file', message: XLSX_TOO_MANY_PARTS_MESSAGE }] })
    expectBounded(res)
    await stillServes()
  }, 120_000)
})
