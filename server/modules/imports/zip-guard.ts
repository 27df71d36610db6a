import yauzl from 'yauzl'

// An XLSX is a ZIP archive: 10 MiB of it can inflate to gigabytes (a decompression bomb), and a
// spreadsheet parser inflates every part whole. So before any parser sees the file its ZIP is
// walked here (README, "Ledger imports"): the central directory's entry count and declared sizes
// against caps, then every part inflated once into a counter, aborted the moment it passes its
// declared size or a cap, since the declared sizes are the attacker's to write.

const MiB = 1024 * 1024

/**
 * What a ledger needs, with room: a 10,000-row ledger of 12 columns is 4.8 MB of sheet XML and
 * 5.1 MB of shared strings (9.9 MB in all); of 40 columns 15 MB and 15 MB (30 MB).
 */
export const XLSX_LIMITS = {
  /** A workbook has 10 to 20 parts; images, comments and charts add a few each. */
  maxEntries: 1000,
  /** One part inflated. */
  maxEntryBytes: 32 * MiB,
  /** All parts inflated. */
  maxTotalBytes: 64 * MiB,
  /** Ledger XML inflates 10 to 30 times; DEFLATE's ceiling, which bombs use, is about 1,000. */
  maxRatio: 200,
  /** Below this a part's ratio is not judged (a tiny part's ratio says nothing). */
  ratioFloorBytes: 1 * MiB,
}

export const XLSX_BROKEN_MESSAGE = '文件不是可读的 XLSX 工作簿（可能已损坏，或是改了扩展名的其他文件）：请用 Excel 或 WPS 打开后另存为 .xlsx 再导入'
const mb = (n: number) => `${Math.round(n / MiB)} MB`
export const XLSX_TOO_LARGE_MESSAGE =
  `工作簿解压后太大（每个部分最多 ${mb(XLSX_LIMITS.maxEntryBytes)}，合计最多 ${mb(XLSX_LIMITS.maxTotalBytes)}；一万行的台账解压后约 10–30 MB）：` +
  '请删去无关的工作表、图片和大段文字，或拆成几个文件后再导入'
export const XLSX_TOO_MANY_PARTS_MESSAGE = `工作簿的组成部分太多（最多 ${XLSX_LIMITS.maxEntries} 个）：请删去无关的工作表和图片，或另存为新的 .xlsx 后再导入`
export const XLSX_RATIO_MESSAGE = `工作簿的压缩比异常（某个部分解压后超过压缩前的 ${XLSX_LIMITS.maxRatio} 倍），不像是真实的表格：请用 Excel 或 WPS 打开后另存为 .xlsx 再导入`
export const XLSX_FORGED_MESSAGE = '工作簿已损坏：某个部分解压后比文件里记录的大小更大（可能是被改动过的压缩包）：请用 Excel 或 WPS 打开后另存为 .xlsx 再导入'

/** Why a ZIP is refused: `tooLarge` refusals are 413, the others 400. */
export class ZipRefusal extends Error {
  readonly tooLarge: boolean
  constructor(message: string, tooLarge: boolean) {
    super(message)
    this.tooLarge = tooLarge
  }
}

const open = (buffer: Buffer) =>
  new Promise<yauzl.ZipFile>((resolve, reject) => {
    // validateEntrySizes: yauzl errors as soon as a part inflates past its declared size.
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, zip) => (err ? reject(err) : resolve(zip)))
  })

/** Inflates one part into a counter; rejects once it passes `budget` bytes or its declared size. */
function inflatedSize(zip: yauzl.ZipFile, entry: yauzl.Entry, budget: number): Promise<number> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(new ZipRefusal(XLSX_BROKEN_MESSAGE, false))
      let bytes = 0
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes > budget) {
          stream.destroy()
          reject(new ZipRefusal(XLSX_TOO_LARGE_MESSAGE, true))
        }
      })
      stream.on('error', (e: Error) => reject(new ZipRefusal(/too many bytes/.test(e.message) ? XLSX_FORGED_MESSAGE : XLSX_BROKEN_MESSAGE, false)))
      stream.on('end', () => resolve(bytes))
    })
  })
}

/**
 * Checks a ZIP before any parser inflates it: throws a ZipRefusal (with a Chinese reason) for too
 * many parts, a part or a total over the caps (declared or actual), an absurd compression ratio,
 * or a part that inflates past its declared size. Costs at most one inflation of the caps' bytes.
 */
export async function checkZip(buffer: Buffer, limits = XLSX_LIMITS): Promise<void> {
  let zip: yauzl.ZipFile
  try {
    zip = await open(buffer)
  } catch {
    throw new ZipRefusal(XLSX_BROKEN_MESSAGE, false)
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw new ZipRefusal(XLSX_TOO_MANY_PARTS_MESSAGE, true)
    let declared = 0
    let actual = 0
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        const onEntry = (e: yauzl.Entry) => {
          zip.off('end', onEnd).off('error', onError)
          resolve(e)
        }
        const onEnd = () => {
          zip.off('entry', onEntry).off('error', onError)
          resolve(null)
        }
        const onError = () => {
          zip.off('entry', onEntry).off('end', onEnd)
          reject(new ZipRefusal(XLSX_BROKEN_MESSAGE, false))
        }
        zip.once('entry', onEntry).once('end', onEnd).once('error', onError)
        zip.readEntry()
      })
      if (!entry) return
      declared += entry.uncompressedSize
      if (entry.uncompressedSize > limits.maxEntryBytes || declared > limits.maxTotalBytes) throw new ZipRefusal(XLSX_TOO_LARGE_MESSAGE, true)
      if (entry.uncompressedSize > limits.ratioFloorBytes && entry.uncompressedSize > entry.compressedSize * limits.maxRatio) throw new ZipRefusal(XLSX_RATIO_MESSAGE, true)
      actual += await inflatedSize(zip, entry, Math.min(limits.maxEntryBytes, limits.maxTotalBytes - actual))
    }
  } finally {
    zip.close()
  }
}
