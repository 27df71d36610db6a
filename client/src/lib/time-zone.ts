// The centre's time zone (the server's TZ_DISPLAY, sent with the session): every screen shows
// and counts times in it, never in the browser's zone (docs/architecture.md, "The contract").
import { readonly, ref } from 'vue'
import { DEFAULT_TIME_ZONE, isTimeZone } from '#contract/zoned-time.ts'

const zone = ref(DEFAULT_TIME_ZONE)

/** Reactive: a screen that reads it re-renders when the session brings the server's zone. */
export const displayTimeZone = readonly(zone)

/** The zone now, for code outside a component. */
export const timeZone = (): string => zone.value

/** Set from the session answer; an unknown zone is ignored (the last good one stays). */
export function setDisplayTimeZone(next: string | null | undefined): void {
  if (next && isTimeZone(next)) zone.value = next
}
