// Pure logic of the duty console: queue order and filters, which actions a state allows,
// age and deadline texts, action-form validation. No Vue, no I/O: unit-tested on its own.
import { ALERT_ACTIONS, allowedActions as contractActions, isOpen } from '#contract/alerts.ts'
import { localInputToIso as zonedInputToIso, localInputValue } from '#contract/zoned-time.ts'
import { alertsQuery, lastChange } from '../../lib/alerts-query.ts'
import { timeZone } from '../../lib/time-zone.ts'
import type { AlertAction, AlertJson, AlertState, Level, Satisfaction } from './types.ts'
import { SATISFACTIONS } from './types.ts'

export { isOpen }

export type UiLocale = 'zh-CN' | 'en'

export const LEVEL_RANK: Record<Level, number> = { red: 3, orange: 2, yellow: 1, blue: 0 }

// ---------------------------------------------------------------------------------------------
// Queue

export type StateFilter = 'open' | 'all' | AlertState
export type AgeFilter = 'all' | '1h' | '24h' | '7d'

export interface QueueFilter {
  state: StateFilter
  level: Level | ''
  township: string
  age: AgeFilter
}

export const DEFAULT_FILTER: QueueFilter = { state: 'open', level: '', township: '', age: 'all' }

const AGE_LIMIT_MS: Record<Exclude<AgeFilter, 'all'>, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
}

const time = (iso: string | null | undefined): number => {
  const t = iso ? Date.parse(iso) : Number.NaN
  return Number.isNaN(t) ? 0 : t
}

/** Open before closed; then the highest level first; within a level the newest raised first; then by id. */
export function compareAlerts(a: AlertJson, b: AlertJson): number {
  return (
    Number(isOpen(b)) - Number(isOpen(a)) ||
    LEVEL_RANK[b.level] - LEVEL_RANK[a.level] ||
    time(b.raisedAt) - time(a.raisedAt) ||
    String(b.id).localeCompare(String(a.id), 'en', { numeric: true })
  )
}

export function matchesFilter(alert: AlertJson, filter: QueueFilter, now: number): boolean {
  if (filter.state === 'open' && !isOpen(alert)) return false
  if (filter.state !== 'open' && filter.state !== 'all' && alert.state !== filter.state) return false
  if (filter.level && alert.level !== filter.level) return false
  if (filter.township && alert.township.code !== filter.township) return false
  if (filter.age !== 'all' && now - time(alert.raisedAt) > AGE_LIMIT_MS[filter.age]) return false
  return true
}

export function buildQueue(alerts: Iterable<AlertJson>, filter: QueueFilter, now: number): AlertJson[] {
  return [...alerts].filter((a) => matchesFilter(a, filter, now)).sort(compareAlerts)
}

/** The query string for `GET /api/v1/alerts` (the server narrows; the client filters again). */
export const filterQuery = (filter: QueueFilter, cursor: string | null = null, limit = 100): string => alertsQuery(filter, cursor, limit)

/** j/k movement in a list, clamped to its ends; -1 (nothing selected) moves to the first row. */
export function moveSelection(current: number, delta: number, length: number): number {
  if (length === 0) return -1
  if (current < 0) return 0
  return Math.min(length - 1, Math.max(0, current + delta))
}

// ---------------------------------------------------------------------------------------------
// Actions

export const ACTIONS: readonly AlertAction[] = ALERT_ACTIONS

/** The actions legal in an alert's current state: the contract's (the server refuses the others). */
export function allowedActions(alert: Pick<AlertJson, 'state'>): Set<AlertAction> {
  return new Set(contractActions(alert))
}

// ---------------------------------------------------------------------------------------------
// Times

const UNITS = {
  'zh-CN': { d: '天', h: '小时', m: '分钟', ago: '前', justNow: '刚刚', left: '剩余', overdue: '已超期', sep: ' ' },
  en: { d: 'd', h: 'h', m: 'min', ago: 'ago', justNow: 'just now', left: 'left', overdue: 'overdue by', sep: ' ' },
} as const

function span(ms: number, locale: UiLocale): string {
  const u = UNITS[locale]
  const minutes = Math.floor(ms / 60_000)
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const mins = minutes % 60
  const parts: string[] = []
  if (days) parts.push(`${days} ${u.d}`)
  if (hours) parts.push(`${hours} ${u.h}`)
  if (!days && (mins || parts.length === 0)) parts.push(`${mins} ${u.m}`)
  return parts.join(u.sep)
}

/** "12 分钟前" / "12 min ago": the largest unit only, as a queue row needs. */
export function formatAge(fromIso: string, now: number, locale: UiLocale): string {
  const u = UNITS[locale]
  const ms = Math.max(0, now - time(fromIso))
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 1) return u.justNow
  let n: number
  let unit: string
  if (minutes < 60) [n, unit] = [minutes, u.m]
  else if (minutes < 1440) [n, unit] = [Math.floor(minutes / 60), u.h]
  else [n, unit] = [Math.floor(minutes / 1440), u.d]
  return locale === 'zh-CN' ? `${n} ${unit}${u.ago}` : `${n} ${unit} ${u.ago}`
}

export interface Countdown {
  overdue: boolean
  /** Less than two hours left: shown as a warning. */
  soon: boolean
  text: string
}

/** "剩余 2 小时 5 分钟" / "已超期 1 天 3 小时"; null without a deadline. */
export function countdown(deadlineIso: string | null, now: number, locale: UiLocale): Countdown | null {
  if (!deadlineIso) return null
  const deadline = time(deadlineIso)
  if (!deadline) return null
  const u = UNITS[locale]
  const left = deadline - now
  if (left <= 0) {
    const text = locale === 'zh-CN' ? `${u.overdue} ${span(-left, locale)}` : `${u.overdue} ${span(-left, locale)}`
    return { overdue: true, soon: false, text }
  }
  const text = locale === 'zh-CN' ? `${u.left} ${span(left, locale)}` : `${span(left, locale)} ${u.left}`
  return { overdue: false, soon: left < 2 * 3_600_000, text }
}

/** Whether a deadline still matters: only while the alert is being handled. */
export function deadlineRunning(alert: Pick<AlertJson, 'state' | 'deadline'>): boolean {
  return Boolean(alert.deadline) && (alert.state === 'dispatched' || alert.state === 'acknowledged')
}

/** `<input type="datetime-local">` value (wall time of the centre) → ISO-8601 UTC; '' for empty or invalid. */
export function localInputToIso(value: string, zone = timeZone()): string {
  return zonedInputToIso(value, zone)
}

/** An epoch → `datetime-local` value in the centre's zone (for the default deadline). */
export function isoToLocalInput(epoch: number, zone = timeZone()): string {
  return localInputValue(epoch, zone)
}

// ---------------------------------------------------------------------------------------------
// Forms

/** Field → message key under `duty.validation`. Empty: valid. */
export type FieldErrors = Record<string, string>

export interface DispatchForm {
  department: string
  leadOfficial: string
  /** A `datetime-local` value. */
  deadline: string
}
export interface ResolveForm {
  resolution: string
}
export interface CloseForm {
  followUp: string
  satisfaction: Satisfaction | ''
}
export interface CommentForm {
  text: string
}
export interface EscalateForm {
  note: string
}

const MAX_TEXT = 4000
const blank = (s: string) => s.trim() === ''

function text(errors: FieldErrors, field: string, value: string, required: boolean): void {
  if (required && blank(value)) errors[field] = 'required'
  else if (value.length > MAX_TEXT) errors[field] = 'tooLong'
}

export function validateDispatch(form: DispatchForm, now: number): FieldErrors {
  const errors: FieldErrors = {}
  text(errors, 'department', form.department, true)
  text(errors, 'leadOfficial', form.leadOfficial, true)
  if (blank(form.deadline)) errors['deadline'] = 'required'
  else {
    const iso = localInputToIso(form.deadline)
    if (!iso) errors['deadline'] = 'invalid'
    else if (Date.parse(iso) <= now) errors['deadline'] = 'future'
  }
  return errors
}

export function validateResolve(form: ResolveForm): FieldErrors {
  const errors: FieldErrors = {}
  text(errors, 'resolution', form.resolution, true)
  return errors
}

export function validateClose(form: CloseForm): FieldErrors {
  const errors: FieldErrors = {}
  text(errors, 'followUp', form.followUp, true)
  if (!SATISFACTIONS.includes(form.satisfaction as Satisfaction)) errors['satisfaction'] = 'required'
  return errors
}

export function validateComment(form: CommentForm): FieldErrors {
  const errors: FieldErrors = {}
  text(errors, 'text', form.text, true)
  return errors
}

export function validateEscalate(form: EscalateForm): FieldErrors {
  const errors: FieldErrors = {}
  text(errors, 'note', form.note, false)
  return errors
}

/** The request body of an action, from its form (the version is added by the caller). */
export function actionBody(action: AlertAction, form: Partial<DispatchForm & ResolveForm & CloseForm & CommentForm & EscalateForm>): Record<string, unknown> {
  switch (action) {
    case 'dispatch':
      return { department: form.department?.trim(), leadOfficial: form.leadOfficial?.trim(), deadline: localInputToIso(form.deadline ?? '') }
    case 'resolve':
      return { resolution: form.resolution?.trim() }
    case 'close':
      return { followUp: form.followUp?.trim(), satisfaction: form.satisfaction }
    case 'comment':
      return { text: form.text?.trim() }
    case 'escalate':
      return form.note?.trim() ? { note: form.note.trim() } : {}
    case 'ack':
      return {}
  }
}

/**
 * The server's `error.fields` keyed by our form field: the last segment of a path such as
 * `body.deadline` or `/deadline`; messages are shown as the server wrote them.
 */
export function serverFieldErrors(fields: ReadonlyArray<{ field: string; message: string }>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const { field, message } of fields) {
    const key = field.split(/[./]/).filter(Boolean).pop() ?? field
    out[key] = out[key] ? `${out[key]}; ${message}` : message
  }
  return out
}

export { lastChange }

/** "HH:mm" of an instant in the centre's zone. */
export function formatClock(iso: string, locale: UiLocale, zone = timeZone()): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: zone }).format(d)
}

/** Date and time of an instant in the centre's zone, in the UI's locale. */
export function formatDateTime(iso: string | null | undefined, locale: UiLocale, zone = timeZone()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: zone }).format(d)
}

/** What to call an alert's rule: its name in the rule set, else its id; a level alert has no rule. */
export function ruleLabel(alert: { ruleId: string | null }, names: Record<string, string>, levelAlert: string): string {
  if (alert.ruleId === null) return levelAlert
  return names[alert.ruleId] ?? alert.ruleId
}
