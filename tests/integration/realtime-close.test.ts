// Closing an app that has only just started must not wait for the Socket.IO PostgreSQL adapter:
// its LISTEN connection may still be connecting, or its LISTEN in flight, when close begins
// (server/realtime/adapter-pool.ts). On PGlite the adapter is in memory and this passes trivially.
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { build } from '../helpers/app.ts'

describe('closing the realtime hub', () => {
  // At once, and a few milliseconds in: the adapter's client is then connecting or LISTENing.
  it.each([0, 5, 20])('an app closed %i ms after it starts closes within 2 s', async (afterMs) => {
    const testApp = await build({ demoCounty: false, closedBy: 'caller' })
    try {
      if (afterMs) await delay(afterMs)
      const started = performance.now()
      await testApp.app.close()
      expect(performance.now() - started).toBeLessThan(2_000)
    } finally {
      await testApp.close()
    }
  })
})
