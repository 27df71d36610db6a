import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../server/config.ts'

describe('a rejected secret is never echoed back', () => {
  it.each([
    ['ADMIN_PASSWORD', 'MyRealPass1'],
    ['FEED_TOKEN', 'short-real-feed-token'],
    ['SECRET_KEY', 'my-real-but-short-secret'],
    ['METRICS_TOKEN', 'too-short'],
    ['DATABASE_URL', 'mysql://root:hunter2-real@db/x'],
  ])('%s', (name, value) => {
    let message = ''
    try {
      loadConfig({ [name]: value })
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      message = (err as Error).message
    }
    expect(message).toContain(name)
    expect(message).not.toContain(value)
    expect(message).not.toContain('hunter2')
  })

  it('still shows a wrong value that is not a secret', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/\(got "abc"\)/)
  })
})

describe('TRUST_PROXY and METRICS_TOKEN', () => {
  it('are off and unset by default', () => {
    const config = loadConfig({})
    expect(config.trustProxy).toBe(false)
    expect(config.metricsToken).toBeUndefined()
  })

  it('TRUST_PROXY takes a flag or a list of addresses', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(true)
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1,10.0.0.0/8' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8'])
    expect(() => loadConfig({ TRUST_PROXY: 'everyone please' })).toThrow(/TRUST_PROXY/)
  })

  it('METRICS_TOKEN must be long enough', () => {
    expect(loadConfig({ METRICS_TOKEN: 'a-metrics-token-of-24-chars-or-more' }).metricsToken).toBe('a-metrics-token-of-24-chars-or-more')
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 24 characters/)
  })
})
