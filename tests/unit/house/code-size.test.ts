// The house's size rules (docs/architecture.md, "Where each kind of change goes"): no file over 500
// lines and no function over 150 in server/ and client/src. A file that grows past them is split
// along a seam (see rule-budget.ts beside rule-language.ts, xlsx-parts.ts beside xlsx.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = new URL('../../..', import.meta.url).pathname
const MAX_FILE_LINES = 500
const MAX_FUNCTION_LINES = 150

function sources(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sources(path))
    else if (/\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

const files = [...sources(join(ROOT, 'server')), ...sources(join(ROOT, 'client/src'))]
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0)

/** The script of a .vue file (its functions are the ones to measure), or the whole .ts file. */
function script(path: string, text: string): string {
  if (!path.endsWith('.vue')) return text
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n')
}

function longFunctions(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, script(path, text), ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
      const lines = end - start + 1
      const name = 'name' in node && node.name ? node.name.getText(source) : '(anonymous)'
      if (lines > MAX_FUNCTION_LINES) found.push(`${relative(ROOT, path)}:${start + 1} ${name} (${lines} lines)`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('the size of the code', () => {
  it('reads the tree it checks', () => {
    expect(files.length).toBeGreaterThan(100)
  })

  it(`has no file over ${MAX_FILE_LINES} lines in server/ and client/src`, () => {
    const long = files.map((f) => [relative(ROOT, f), lineCount(readFileSync(f, 'utf8'))] as const).filter(([, n]) => n > MAX_FILE_LINES)
    expect(long.map(([f, n]) => `${f} (${n})`)).toEqual([])
  })

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8')))).toEqual([])
  })
})
