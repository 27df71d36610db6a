import { onBeforeUnmount, onMounted, ref } from 'vue'
import { api } from './api.ts'

// The shift on now (值班员 and 带班领导) for the duty console and the wall (docs/architecture.md §6).
// Polled: a shift changes a few times a day, and a minute's lag at the hand-over is harmless.

export interface CurrentShift {
  id: number
  startsAt: string
  endsAt: string
  dutyOfficer: string
  shiftLeader: string
}

const POLL_MS = 60_000

export function useCurrentShift(pollMs = POLL_MS) {
  const current = ref<CurrentShift | null>(null)
  /** false until the first answer, and when the roster cannot be read (the line is then hidden) */
  const known = ref(false)
  let timer: ReturnType<typeof setInterval> | null = null

  async function refresh(): Promise<void> {
    try {
      current.value = (await api<{ current: CurrentShift | null }>('/api/v1/roster')).current
      known.value = true
    } catch {
      known.value = false
    }
  }

  onMounted(() => {
    void refresh()
    timer = setInterval(() => void refresh(), pollMs)
  })
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer)
  })
  return { current, known, refresh }
}
