import { ref } from 'vue'
import { api, del, errorMessage, fieldErrors, postJson } from '../../lib/api.ts'

export interface SensitivePeriod {
  id: number
  name: string
  startsAt: string
  endsAt: string
  createdBy: string
}

/** The sensitive-period calendar beside the rule editor: list, add, remove, each with its errors. */
export function useSensitiveCalendar() {
  const calendar = ref<SensitivePeriod[]>([])
  const calendarError = ref<string | null>(null)
  const calendarFieldErrors = ref<Record<string, string>>({})

  async function loadCalendar(): Promise<void> {
    calendarError.value = null
    try {
      calendar.value = await api<SensitivePeriod[]>('/api/v1/calendar')
    } catch (err) {
      calendarError.value = errorMessage(err)
    }
  }

  async function addPeriod(input: { name: string; startsAt: string; endsAt: string }): Promise<boolean> {
    calendarError.value = null
    calendarFieldErrors.value = {}
    try {
      await postJson('/api/v1/calendar', input)
      await loadCalendar()
      return true
    } catch (err) {
      calendarError.value = errorMessage(err)
      calendarFieldErrors.value = fieldErrors(err)
      return false
    }
  }

  async function removePeriod(id: number): Promise<void> {
    calendarError.value = null
    try {
      await del(`/api/v1/calendar/${id}`)
      await loadCalendar()
    } catch (err) {
      calendarError.value = errorMessage(err)
    }
  }

  return { calendar, calendarError, calendarFieldErrors, loadCalendar, addPeriod, removePeriod }
}
