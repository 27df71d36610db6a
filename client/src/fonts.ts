// The screens' Chinese typeface ships with the client, so a kiosk without a CJK font of its own
// still draws Chinese (not boxes). @fontsource splits Noto Sans SC by unicode-range: the
// browser fetches only the slices of characters a page actually shows.
import '@fontsource/noto-sans-sc/400.css'
import '@fontsource/noto-sans-sc/700.css'
import { ref } from 'vue'

/** The font stack of every screen and every chart. */
export const UI_FONT = "'Noto Sans SC', system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif"

/**
 * Counts font slices that finished loading. Charts draw on a canvas with whatever was loaded at
 * the time; they redraw when this changes, so a slice that arrives later replaces the fallback.
 */
export const fontEpoch = ref(0)

const faces = (globalThis.document as Document | undefined)?.fonts
faces?.addEventListener?.('loadingdone', () => {
  fontEpoch.value++
})

/**
 * Loads the slices of the shipped font that `text` needs (regular and bold), or null where the
 * platform has no font loading (tests). Charts wait for it before measuring their labels: the
 * chart library caches text widths, so a label measured in a fallback font stays misplaced.
 */
export function fontsFor(text: string): Promise<unknown> | null {
  if (!faces?.load) return null
  return Promise.all([faces.load("16px 'Noto Sans SC'", text), faces.load("bold 16px 'Noto Sans SC'", text)]).catch(() => null)
}
