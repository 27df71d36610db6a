import { onBeforeUnmount, onMounted, ref } from 'vue'

/** A clock ref ticking every `intervalMs`, stopped on unmount (ages and countdowns read it). */
export function useNow(intervalMs = 15_000) {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    timer = setInterval(() => {
      now.value = Date.now()
    }, intervalMs)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
