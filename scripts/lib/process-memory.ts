import { readFileSync } from 'node:fs'

/** A memory figure of a process from Linux /proc (VmRSS: resident now, VmHWM: peak resident), in bytes. */
export function processMemory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : Number.NaN
}
