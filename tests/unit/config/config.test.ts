import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../server/config.ts'

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, dataDir: './data', demo: true, tzDisplay: 'Asia/Shanghai', production: false })
  })

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000)
  })

  it.each([
    ['PORT', 'abc', /PORT must be a port number \(got "abc"\)/],
    ['PORT', '70000', /PORT must be between 0 and 65535/],
    ['PORT', '3000.5', /PORT must be a whole number/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['DEMO', 'yes', /DEMO must be 1 or 0/],
    ['SIMULATOR_RATE', '-1', /SIMULATOR_RATE must be 0 or more/],
    ['TZ_DISPLAY', 'Mars/Olympus', /TZ_DISPLAY must be an IANA time zone/],
    ['ADMIN_PASSWORD', 'short', /ADMIN_PASSWORD must be at least 12 characters/],
  ])('rejects %s=%s naming the variable and what it expects', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(message)
  })

  it('reports every bad variable in one line', () => {
    try {
      loadConfig({ PORT: 'x', DEMO: 'maybe' })
      expect.unreachable()
    } catch (err) {
      expect((err as Error).message).not.toContain('\n')
      expect((err as Error).message).toMatch(/PORT.*; DEMO/)
    }
  })
})
