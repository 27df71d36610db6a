import { describe, expect, it } from 'vitest'
import { ACTION_ROLES, canAct, headerScreens, homeFor, refusalFor, SCREEN_ROLES } from '../../client/src/access/screens.ts'
import { ROUTE_ACCESS } from '../../server/access/policy.ts'

const rolesOf = (key: string): string[] => {
  const a = ROUTE_ACCESS[key]
  if (!a || a.kind !== 'user') throw new Error(`no user access for ${key}`)
  return [...a.roles].sort()
}

describe('what each role is shown', () => {
  it('offers exactly the alert actions the server lets a role take', () => {
    for (const [action, roles] of Object.entries(ACTION_ROLES)) {
      expect([...roles].sort(), action).toEqual(rolesOf(`POST /api/v1/alerts/:id/${action}`))
    }
  })

  it('opens the rules workbench and the administration only to roles the server serves them to', () => {
    const rulesets = rolesOf('POST /api/v1/rulesets')
    for (const r of SCREEN_ROLES.rules) expect(rulesets).toContain(r)
    const users = rolesOf('GET /api/v1/users')
    for (const r of SCREEN_ROLES.admin) expect(users).toContain(r)
    const imports = rolesOf('POST /api/v1/imports')
    for (const r of SCREEN_ROLES.imports) expect(imports).toContain(r)
  })

  it('lists each role its own screens in the header', () => {
    const names = (roles: Parameters<typeof headerScreens>[0]) => headerScreens(roles).map((s) => s.path)
    expect(names({ roles: ['admin'] })).toEqual(['/wall', '/imports', '/admin'])
    expect(names({ roles: ['analyst'] })).toEqual(['/wall', '/duty', '/rules'])
    expect(names({ roles: ['duty'] })).toEqual(['/wall', '/duty', '/imports'])
    expect(names({ roles: ['leader'] })).toEqual(['/wall', '/duty'])
    expect(names({ roles: ['township'], township: '990100001' })).toEqual(['/wall', '/duty', '/township/990100001'])
    expect(names({ roles: ['leader'], kiosk: true })).toEqual(['/wall'])
  })

  it('gives a leader no action and a township officer no escalation', () => {
    expect(Object.keys(ACTION_ROLES).filter((a) => canAct({ roles: ['leader'] }, a as keyof typeof ACTION_ROLES))).toEqual([])
    expect(canAct({ roles: ['township'], township: '990100001' }, 'escalate')).toBe(false)
    expect(canAct({ roles: ['township'], township: '990100001' }, 'ack')).toBe(true)
  })

  it('refuses another township to a township officer, with both townships named', () => {
    const officer = { roles: ['township' as const], township: '990100001' }
    expect(refusalFor(officer, 'township', { code: '990100010' })).toEqual({ kind: 'township', own: '990100001', asked: '990100010' })
    expect(refusalFor(officer, 'township', { code: '990100001' })).toBeNull()
    expect(refusalFor(officer, 'rules')).toEqual({ kind: 'role', screen: 'rules' })
    expect(refusalFor({ roles: ['duty'] }, 'township', { code: '990100010' })).toBeNull()
    expect(homeFor(officer)).toBe('/duty')
    expect(homeFor({ roles: ['admin'] })).toBe('/admin')
  })
})
