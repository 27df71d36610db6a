import { describe, expect, it } from 'vitest'
import { auditQuery, silenceBody, validateAuditFilters, validateName, validateNewUser, validateSilence, validateUserEdit } from '../../../client/src/screens/admin/logic.ts'

const user = { username: 'zhang.wei', displayName: '张伟', password: 'long-enough-1', roles: ['duty' as const], township: '' }

describe('admin form validation', () => {
  it('accepts a good new user', () => {
    expect(validateNewUser(user)).toEqual({})
  })

  it('names every bad field of a new user', () => {
    expect(validateNewUser({ username: '', displayName: '', password: '', roles: [], township: '' })).toEqual({ username: 'required', password: 'required', roles: 'roleRequired' })
    expect(validateNewUser({ ...user, username: '9lives', password: 'short' })).toEqual({ username: 'usernameFormat', password: 'passwordShort' })
    expect(validateNewUser(user, ['zhang.wei'])).toEqual({ username: 'usernameTaken' })
  })

  it('requires a nine-digit township for a township user', () => {
    expect(validateNewUser({ ...user, roles: ['township'] })).toEqual({ township: 'townshipRequired' })
    expect(validateNewUser({ ...user, roles: ['township'], township: '99010' })).toEqual({ township: 'townshipCode' })
    expect(validateNewUser({ ...user, roles: ['township'], township: '990100001' })).toEqual({})
    expect(validateUserEdit({ displayName: '', roles: [], township: '', disabled: true })).toEqual({ roles: 'roleRequired' })
  })

  it('checks names of feeds and pairings', () => {
    expect(validateName('  ')).toEqual({ name: 'required' })
    expect(validateName('x'.repeat(65))).toEqual({ name: 'tooLong' })
    expect(validateName('12345 热线')).toEqual({})
  })

  it('wants a matcher, a reason and a future expiry for a silence', () => {
    const now = new Date('2026-03-01T00:00:00Z') // 08:00 in the centre
    expect(validateSilence({ township: '', ruleId: '', level: '', reason: ' ', expiresAt: '' }, now)).toEqual({ matchers: 'matcherRequired', reason: 'required', expiresAt: 'required' })
    expect(validateSilence({ township: '990100001', ruleId: '', level: '', reason: '演练', expiresAt: '2026-03-01T07:59' }, now)).toEqual({ expiresAt: 'expiryPast' })
    const ok = { township: '990100001', ruleId: '', level: 'yellow', reason: ' 演练 ', expiresAt: '2026-03-01T09:00' }
    expect(validateSilence(ok, now)).toEqual({})
    expect(silenceBody(ok)).toEqual({ matchers: { township: '990100001', level: 'yellow' }, reason: '演练', expiresAt: '2026-03-01T09:00:00+08:00' })
  })

  it('builds the audit query from the filters and the cursor', () => {
    expect(auditQuery({ actor: '', action: '', from: '', to: '' }, null)).toBe('/api/v1/audit')
    expect(auditQuery({ actor: ' admin ', action: 'user.create', from: '2026-03-01T00:00', to: '', }, 'c2')).toBe('/api/v1/audit?actor=admin&action=user.create&from=2026-03-01T00%3A00%3A00%2B08%3A00&cursor=c2')
    expect(validateAuditFilters({ actor: '', action: '', from: '2026-03-02T00:00', to: '2026-03-01T00:00' })).toEqual({ to: 'rangeOrder' })
  })
})
