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

/** 18-digit 身份证号 (last may be X) → 3201**********123X; short or odd values hide more. */
export function maskIdNumber(id: string): string {
  const s = id.replace(/\s+/g, '')
  const n = s.length
  if (n >= 10) return s.slice(0, 4) + '*'.repeat(n - 8) + s.slice(-4)
  if (n >= 5) return '*'.repeat(n - 2) + s.slice(-2)
  return '*'.repeat(n)
}

/** 13812345678 → 138****5678; separators are kept, digits are hidden by position. */
export function maskPhone(phone: string): string {
  const s = phone.trim()
  const digits = s.replace(/\D/g, '').length
  let keepHead: number
  let keepTail: number
  if (digits >= 11) [keepHead, keepTail] = [3, 4]
  else if (digits >= 7) [keepHead, keepTail] = [2, 3]
  else if (digits >= 4) [keepHead, keepTail] = [0, 2]
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
