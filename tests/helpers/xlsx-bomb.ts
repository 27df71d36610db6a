// XLSX decompression bombs, built the way an attacker would: a valid workbook whose sheets are one
// huge inline-string cell, compressed by streaming DEFLATE so that neither building nor holding them
// costs more than the compressed bytes (a 300 MB sheet is about 300 KB). The ZIP is written by hand,
// so its headers may lie about the sizes.
import { once } from 'node:events'
import zlib from 'node:zlib'

export interface ZipPart {
  name: string
  /** DEFLATE-compressed bytes (raw, no zlib header). */
  compressed: Buffer
  crc: number
  size: number
  /** The uncompressed size written into the headers (the truth unless a lie is wanted). */
  declaredSize?: number
}

/** A part from bytes in memory. */
export function part(name: string, text: string): ZipPart {
  const data = Buffer.from(text)
  return { name, compressed: zlib.deflateRawSync(data), crc: zlib.crc32(data), size: data.length }
}

const SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
const SHEET_TAIL = '</t></is></c></row></sheetData></worksheet>'

/** A part compressed by streaming DEFLATE from `chunks`: only the compressed bytes are held. */
export async function deflatedPart(name: string, chunks: Iterable<Buffer>): Promise<ZipPart> {
  const deflate = zlib.createDeflateRaw({ level: 9 })
  const out: Buffer[] = []
  deflate.on('data', (c: Buffer) => out.push(c))
  const done = once(deflate, 'end')
  let crc = 0
  let size = 0
  for (const chunk of chunks) {
    crc = zlib.crc32(chunk, crc)
    size += chunk.length
    if (!deflate.write(chunk)) await once(deflate, 'drain')
  }
  deflate.end()
  await done
  return { name, compressed: Buffer.concat(out), crc, size }
}

/** A sheet of one cell holding `bytes` of the letter A, compressed 1 MiB at a time. */
export function hugeCellSheet(name: string, bytes: number): Promise<ZipPart> {
  const head = Buffer.from(SHEET_HEAD)
  const tail = Buffer.from(SHEET_TAIL)
  const chunk = Buffer.alloc(1024 * 1024, 'A')
  return deflatedPart(
    name,
    (function* () {
      yield head
      for (let left = bytes - head.length - tail.length; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left)
      yield tail
    })(),
  )
}

/** A sheet of `rows` rows of one short cell each: few bytes a row, so many rows under the size caps. */
export function manyRowsSheet(name: string, rows: number): Promise<ZipPart> {
  return deflatedPart(
    name,
    (function* () {
      yield Buffer.from('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
      for (let r = 1; r <= rows; r += 1000) {
        let block = ''
        for (let i = r; i < Math.min(r + 1000, rows + 1); i++) block += `<row r="${i}"><c r="A${i}"><v>${i}</v></c></row>`
        yield Buffer.from(block)
      }
      yield Buffer.from('</sheetData></worksheet>')
    })(),
  )
}

/** The workbook parts around `sheets` worksheets (xl/worksheets/sheet1.xml …). */
export function workbookParts(sheets: number): ZipPart[] {
  const ids = Array.from({ length: sheets }, (_, i) => i + 1)
  return [
    part(
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        ids.map((i) => `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
        '</Types>',
    ),
    part(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    ),
    part(
      'xl/workbook.xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>' +
        ids.map((i) => `<sheet name="Sheet${i}" sheetId="${i}" r:id="rId${i}"/>`).join('') +
        '</sheets></workbook>',
    ),
    part(
      'xl/_rels/workbook.xml.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        ids.map((i) => `<Relationship Id="rId${i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i}.xml"/>`).join('') +
        '</Relationships>',
    ),
  ]
}

/** A ZIP of the parts, DEFLATE, sizes as declared (local headers and central directory agree). */
export function zip(parts: ZipPart[]): Buffer {
  const chunks: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const p of parts) {
    const name = Buffer.from(p.name)
    const declared = p.declaredSize ?? p.size
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt16LE(8, 8) // DEFLATE
    local.writeUInt16LE(0, 10) // time
    local.writeUInt16LE(0x5b81, 12) // date 2025-12-01
    local.writeUInt32LE(p.crc >>> 0, 14)
    local.writeUInt32LE(p.compressed.length, 18)
    local.writeUInt32LE(declared, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    chunks.push(local, name, p.compressed)
    const entry = Buffer.alloc(46)
    entry.writeUInt32LE(0x02014b50, 0)
    entry.writeUInt16LE(20, 4) // made by
    entry.writeUInt16LE(20, 6)
    entry.writeUInt16LE(0x0800, 8)
    entry.writeUInt16LE(8, 10)
    entry.writeUInt16LE(0, 12)
    entry.writeUInt16LE(0x5b81, 14)
    entry.writeUInt32LE(p.crc >>> 0, 16)
    entry.writeUInt32LE(p.compressed.length, 20)
    entry.writeUInt32LE(declared, 24)
    entry.writeUInt16LE(name.length, 28)
    entry.writeUInt32LE(offset, 42)
    central.push(entry, name)
    offset += local.length + name.length + p.compressed.length
  }
  const directory = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(parts.length, 8)
  end.writeUInt16LE(parts.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...chunks, directory, end])
}
