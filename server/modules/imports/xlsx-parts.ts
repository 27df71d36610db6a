// The parts of an XLSX (a ZIP of XML parts) as the bounded reader (xlsx.ts) needs them: the ZIP's
// entries by name, one part's XML through a SAX parser as it inflates (a handler may stop it), and
// a part's relationships. Anything unreadable is one refusal: the workbook is broken.
import { StringDecoder } from 'node:string_decoder'
import { SaxesParser } from 'saxes'
import yauzl from 'yauzl'
import { XLSX_BROKEN_MESSAGE } from './zip-guard.ts'

/** Why a workbook cannot be read: `tooMany` (more rows than an import may hold) is a 413. */
export class XlsxRefusal extends Error {
  readonly tooMany: boolean
  constructor(message: string, tooMany = false) {
    super(message)
    this.tooMany = tooMany
  }
}

export const broken = () => new XlsxRefusal(XLSX_BROKEN_MESSAGE)
/** Thrown from a SAX handler to stop reading a part (caught by parsePart). */
export class Stop extends Error {}

export interface Zip {
  zip: yauzl.ZipFile
  /** By lower-cased name: Excel's part names are case-insensitive. */
  entries: Map<string, yauzl.Entry>
}

export function openZip(buffer: Buffer): Promise<Zip> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, zip) => {
      if (err) return reject(broken())
      const entries = new Map<string, yauzl.Entry>()
      zip.on('entry', (e: yauzl.Entry) => {
        entries.set(e.fileName.toLowerCase(), e)
        zip.readEntry()
      })
      zip.on('end', () => resolve({ zip, entries }))
      zip.on('error', () => reject(broken()))
      zip.readEntry()
    })
  })
}

export async function* partText(zip: Zip, entry: yauzl.Entry): AsyncGenerator<string> {
  const stream = await new Promise<NodeJS.ReadableStream & { destroy(): void }>((resolve, reject) =>
    zip.zip.openReadStream(entry, (err, s) => (err ? reject(broken()) : resolve(s))),
  )
  const decoder = new StringDecoder('utf8')
  let first = true
  try {
    for await (const chunk of stream) {
      let text = decoder.write(chunk as Buffer)
      if (first && text) {
        text = text.replace(/^\uFEFF/, '')
        first = false
      }
      if (text) yield text
    }
    const rest = decoder.end()
    if (rest) yield rest
  } catch (err) {
    if (err instanceof Stop) throw err
    throw broken()
  } finally {
    stream.destroy()
  }
}

export interface Handlers {
  open?(name: string, attributes: Record<string, string>): void
  text?(text: string): void
  close?(name: string): void
}

/** The local name: some producers write prefixed SpreadsheetML (x:row, x:c). */
const local = (name: string) => name.slice(name.indexOf(':') + 1)

/** SAX over one part as it inflates; a handler throws Stop to end early. No DTDs (OOXML has none). */
export async function parsePart(zip: Zip, path: string, handlers: Handlers, required = true): Promise<void> {
  const entry = zip.entries.get(path.toLowerCase())
  if (!entry) {
    if (required) throw broken()
    return
  }
  const parser = new SaxesParser()
  parser.on('doctype', () => {
    throw broken()
  })
  if (handlers.open) parser.on('opentag', (tag) => handlers.open!(local(tag.name), tag.attributes as Record<string, string>))
  if (handlers.text) {
    parser.on('text', (t) => handlers.text!(t))
    parser.on('cdata', (t) => handlers.text!(t))
  }
  if (handlers.close) parser.on('closetag', (tag) => handlers.close!(local(tag.name)))
  try {
    for await (const text of partText(zip, entry)) parser.write(text)
    parser.close()
  } catch (err) {
    if (err instanceof Stop) return
    if (err instanceof XlsxRefusal) throw err
    throw broken() // not well-formed XML
  }
}

interface Relationship {
  type: string
  target: string
}

/** A part's relationships, by id, with targets resolved to part names. */
export async function relationships(zip: Zip, part: string): Promise<Map<string, Relationship>> {
  const slash = part.lastIndexOf('/')
  const dir = slash < 0 ? '' : part.slice(0, slash)
  const relsPath = `${dir ? `${dir}/` : ''}_rels/${part.slice(slash + 1)}.rels`
  const rels = new Map<string, Relationship>()
  await parsePart(
    zip,
    relsPath,
    {
      open(name, a) {
        if (name === 'Relationship' && a['Id'] && a['Target'] && a['TargetMode'] !== 'External') rels.set(a['Id'], { type: a['Type'] ?? '', target: resolvePath(dir, a['Target']) })
      },
    },
    false,
  )
  return rels
}

function resolvePath(dir: string, target: string): string {
  const out: string[] = []
  for (const seg of (target.startsWith('/') ? target.slice(1) : `${dir}/${target}`).split('/')) {
    if (seg === '..') out.pop()
    else if (seg && seg !== '.') out.push(seg)
  }
  return out.join('/')
}

export const ofType = (rels: Map<string, Relationship>, type: string) => [...rels.values()].find((r) => r.type.endsWith(`/${type}`))?.target
