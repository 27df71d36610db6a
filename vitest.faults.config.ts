// `npm run test:faults`: the slow fault-injection tests (a database outage on a cluster of their
// own, a short soak), kept out of `npm test`. One file at a time: each runs real server processes.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  test: {
    root,
    name: 'faults',
    include: ['tests/faults/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
})
