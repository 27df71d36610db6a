// The engine's notes on an alert's timeline (server/domain/risk-core/*.ts writes them in English
// for logs and the audit) in the UI's language. A note of a shape not known here is shown as written.
import type { Level } from './types.ts'

type Translate = (key: string, named?: Record<string, unknown>) => string

const LEVEL = '(blue|yellow|orange|red)'
const PATTERNS: Array<{ re: RegExp; say: (m: RegExpExecArray, t: Translate) => string }> = [
  { re: new RegExp(`^level rose ${LEVEL} → ${LEVEL} \\(score ([\\d.]+)\\)$`), say: (m, t) => t('duty.timeline.levelRose', { from: t(`level.${m[1] as Level}`), to: t(`level.${m[2] as Level}`), score: m[3] }) },
  { re: /^level fell back to blue \(score ([\d.]+)\)$/, say: (m, t) => t('duty.timeline.levelFell', { score: m[1] }) },
  { re: /^(.+): event (\S+)$/, say: (m, t) => t('duty.timeline.ruleEvent', { rule: m[1], event: m[2] }) },
  { re: /^(.+): reports resumed$/, say: (m, t) => t('duty.timeline.reportsResumed', { rule: m[1] }) },
  { re: /^(.+): its signals have expired$/, say: (m, t) => t('duty.timeline.signalsExpired', { rule: m[1] }) },
]

export function noteText(note: string, t: Translate): string {
  for (const { re, say } of PATTERNS) {
    const m = re.exec(note)
    if (m) return say(m, t)
  }
  return note
}
