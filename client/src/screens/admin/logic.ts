// Pure helpers of the admin screens: form validation (before anything is sent), the audit
// query (the boundary file's reading is in geo-logic.ts). Error values are message keys under
// `admin.errors.*`, so the component translates them.
import { ROLES, type Role } from '#contract/access.ts'
import { isoInZone, parseIsoDateTime } from '#contract/zoned-time.ts'
import { timeZone } from '../../lib/time-zone.ts'

export { ROLES, type Role }

export type FormErrors = Record<string, string>

export const USERNAME = /^[A-Za-z][A-Za-z0-9_.-]{1,63}$/
export const MIN_PASSWORD = 12
const TOWNSHIP_CODE = /^\d{9}$/

export interface NewUserForm {
  username: string
  displayName: string
  password: string
  roles: Role[]
  township: string
}

export interface UserEditForm {
  displayName: string
  roles: Role[]
  township: string
  disabled: boolean
}

function checkRoles(roles: readonly string[], township: string, errors: FormErrors): void {
  if (roles.length === 0) errors['roles'] = 'roleRequired'
  else if (roles.some((r) => !(ROLES as readonly string[]).includes(r))) errors['roles'] = 'roleUnknown'
  if (roles.includes('township')) {
    if (!township) errors['township'] = 'townshipRequired'
    else if (!TOWNSHIP_CODE.test(township)) errors['township'] = 'townshipCode'
  }
}

export function validatePassword(password: string): string | null {
  if (!password) return 'required'
  if (password.length < MIN_PASSWORD) return 'passwordShort'
  if (password.length > 256) return 'tooLong'
  return null
}

export function validateNewUser(form: NewUserForm, existing: readonly string[] = []): FormErrors {
  const errors: FormErrors = {}
  const username = form.username.trim()
  if (!username) errors['username'] = 'required'
  else if (!USERNAME.test(username)) errors['username'] = 'usernameFormat'
  else if (existing.includes(username)) errors['username'] = 'usernameTaken'
  if (form.displayName.length > 100) errors['displayName'] = 'tooLong'
  const pw = validatePassword(form.password)
  if (pw) errors['password'] = pw
  checkRoles(form.roles, form.township.trim(), errors)
  return errors
}

export function validateUserEdit(form: UserEditForm): FormErrors {
  const errors: FormErrors = {}
  if (form.displayName.length > 100) errors['displayName'] = 'tooLong'
  checkRoles(form.roles, form.township.trim(), errors)
  return errors
}

export function validateName(name: string, max = 64): FormErrors {
  const n = name.trim()
  if (!n) return { name: 'required' }
  if (n.length > max) return { name: 'tooLong' }
  return {}
}

export interface SilenceForm {
  township: string
  ruleId: string
  level: string
  reason: string
  /** a datetime-local value (centre time) */
  expiresAt: string
}

export function validateSilence(form: SilenceForm, now: Date): FormErrors {
  const errors: FormErrors = {}
  if (!form.township && !form.ruleId && !form.level) errors['matchers'] = 'matcherRequired'
  if (!form.reason.trim()) errors['reason'] = 'required'
  else if (form.reason.length > 500) errors['reason'] = 'tooLong'
  if (!form.expiresAt) errors['expiresAt'] = 'required'
  else if (Date.parse(toCentreIso(form.expiresAt)) <= now.getTime()) errors['expiresAt'] = 'expiryPast'
  return errors
}

/** A `datetime-local` value in centre time → ISO-8601 with the centre's offset. */
export function toCentreIso(local: string, zone = timeZone()): string {
  const parsed = parseIsoDateTime(local, zone)
  return parsed ? isoInZone(parsed.ms, zone) : local
}

/** The silence request body: only the matchers that are set. */
export function silenceBody(form: SilenceForm): { matchers: { township?: string; ruleId?: string; level?: string }; reason: string; expiresAt: string } {
  return {
    matchers: { ...(form.township ? { township: form.township } : {}), ...(form.ruleId ? { ruleId: form.ruleId } : {}), ...(form.level ? { level: form.level } : {}) },
    reason: form.reason.trim(),
    expiresAt: toCentreIso(form.expiresAt),
  }
}

export interface AuditFilters {
  actor: string
  action: string
  /** datetime-local values (centre time) */
  from: string
  to: string
}

export function auditQuery(filters: AuditFilters, cursor: string | null): string {
  const q = new URLSearchParams()
  if (filters.actor.trim()) q.set('actor', filters.actor.trim())
  if (filters.action.trim()) q.set('action', filters.action.trim())
  if (filters.from) q.set('from', toCentreIso(filters.from))
  if (filters.to) q.set('to', toCentreIso(filters.to))
  if (cursor) q.set('cursor', cursor)
  const s = q.toString()
  return `/api/v1/audit${s ? `?${s}` : ''}`
}

export function validateAuditFilters(filters: AuditFilters): FormErrors {
  return filters.from && filters.to && filters.to <= filters.from ? { to: 'rangeOrder' } : {}
}
