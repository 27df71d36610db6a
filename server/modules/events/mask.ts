import type { Party } from '../../access/personal-data.ts'

// Masking of parties' personal data for roles that may not see it (docs/architecture.md §8). Pure functions:
// the same input always gives the same mask, and a mask never reveals more than it keeps.

/** 张三丰 → 张**, 欧阳娜娜 → 欧***, Li Wei → L* W**; a single character is fully hidden. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim())
  if (chars.length <= 1) return chars.length ? '*' : ''
  const separator = /[\s·•.-]/
  if (/[A-Za-z]/.test(name)) {
    // Latin script: each word keeps its initial.
    return chars.map((c, i) => (separator.test(c) || i === 0 || separator.test(chars[i - 1]!) ? c : '*')).join('')
  }
  // Chinese (and other) names keep the first character only; separators such as · stay.
  return chars.map((c, i) => (i === 0 || separator.test(c) ? c : '*')).join('')
}

/**
 * 18-digit 身份证号 (last may be X) → 3201**********123X (the usual 4 + 4 of a 15- or 18-character
 * number). Anything shorter is not a real ID number and keeps far less: 3 of 10–14, 1 of 5–9, none
 * below, so no mask shows most of what it hides.
 */
export function maskIdNumber(id: string): string {
  const s = id.replace(/\s+/g, '')
  const n = s.length
  if (n >= 15) return s.slice(0, 4) + '*'.repeat(n - 8) + s.slice(-4)
  const tail = n >= 10 ? 3 : n >= 5 ? 1 : 0
  return '*'.repeat(n - tail) + s.slice(n - tail)
}

/**
 * 13812345678 → 138****5678 (the usual 3 + 4 of a full number); separators are kept, digits are
 * hidden by position. Shorter numbers keep 2 (7–10 digits), 1 (4–6) or no digits.
 */
export function maskPhone(phone: string): string {
  const s = phone.trim()
  const digits = s.replace(/\D/g, '').length
  let keepHead: number
  let keepTail: number
  if (digits >= 11) [keepHead, keepTail] = [3, 4]
  else if (digits >= 7) [keepHead, keepTail] = [0, 2]
  else if (digits >= 4) [keepHead, keepTail] = [0, 1]
  else [keepHead, keepTail] = [0, 0]
  let i = 0
  return Array.from(s)
    .map((c) => {
      if (!/\d/.test(c)) return /[\s+\-()]/.test(c) ? c : '*'
      const at = i++
      return at < keepHead || at >= digits - keepTail ? c : '*'
    })
    .join('')
}

export function maskParty(p: Party): Party {
  return {
    ...(p.name !== undefined ? { name: maskName(p.name) } : {}),
    ...(p.idNumber !== undefined ? { idNumber: maskIdNumber(p.idNumber) } : {}),
    ...(p.phone !== undefined ? { phone: maskPhone(p.phone) } : {}),
  }
}
