// Labels the contract defines once (sources, levels, alert states): turned into message tables
// here, so the i18n files never copy them.
import { STATE_LABELS } from '#contract/alerts.ts'
import { LEVEL_LABELS, SOURCE_LABELS, type Label } from '#contract/taxonomy.ts'

function pick<K extends string>(labels: Record<K, Label>, lang: keyof Label): Record<K, string> {
  return Object.fromEntries(Object.entries<Label>(labels).map(([k, v]) => [k, v[lang]])) as Record<K, string>
}

export const contractLabels = (lang: keyof Label) => ({
  level: pick(LEVEL_LABELS, lang),
  source: pick(SOURCE_LABELS, lang),
  state: pick(STATE_LABELS, lang),
})
