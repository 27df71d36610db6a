import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Browser tests run against the production client build, as users get it. */
export default function setup() {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  execFileSync(process.execPath, ['scripts/build-client-if-stale.ts'], { cwd: root, stdio: 'inherit' })
}
