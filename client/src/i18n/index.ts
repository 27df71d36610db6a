import { createI18n } from 'vue-i18n'
import en from './en.ts'
import zhCN from './zh-CN.ts'

export type Locale = 'zh-CN' | 'en'
const STORAGE_KEY = 'shaowang.locale'

/** A screen's own messages, in client/src/screens/<screen>/messages.ts, land under its folder name. */
export interface ScreenMessages {
  zh: Record<string, unknown>
  en: Record<string, unknown>
}

const screenModules = import.meta.glob<{ default: ScreenMessages }>('../screens/*/messages.ts', { eager: true })

function withScreens(base: Record<string, unknown>, lang: keyof ScreenMessages): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base }
  for (const [path, mod] of Object.entries(screenModules)) {
    const screen = /screens\/([^/]+)\/messages\.ts$/.exec(path)?.[1]
    if (screen) merged[screen] = { ...(merged[screen] as object | undefined), ...mod.default[lang] }
  }
  return merged
}

function initialLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
  return saved === 'en' ? 'en' : 'zh-CN'
}

type Messages = typeof zhCN

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  // Screen namespaces are merged in at run time; the base files type the shared keys.
  messages: { 'zh-CN': withScreens(zhCN, 'zh') as Messages, en: withScreens(en, 'en') as Messages },
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  globalThis.localStorage?.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}
