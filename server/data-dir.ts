import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Makes DATA_DIR private to the server's user: the directory 0700, everything in it without group
 * or other permissions (it holds the embedded database, its WAL and the personal-data key), and a
 * process umask of 077 so the files PGlite creates later are 0600 too. Existing files from an older
 * start are tightened once here. Returns how many entries had to be tightened.
 */
export function makeDataDirPrivate(dir: string): number {
  process.umask(0o077)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  let tightened = 0
  const tighten = (path: string, isDir: boolean) => {
    const mode = lstatSync(path).mode & 0o777
    const wanted = isDir ? 0o700 : mode & 0o700
    if (mode !== wanted) {
      chmodSync(path, wanted)
      tightened++
    }
  }
  tighten(dir, true)
  const walk = (parent: string) => {
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (entry.isSymbolicLink()) continue
      const path = join(parent, entry.name)
      tighten(path, entry.isDirectory())
      if (entry.isDirectory()) walk(path)
    }
  }
  walk(dir)
  return tightened
}
