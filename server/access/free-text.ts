// Free text — event titles and summaries, resolutions, follow-up notes, comments — is written by
// officers and carries names, ID numbers and addresses. It goes only to the roles that handle
// cases and events (docs/architecture.md §8); the wall (leaders, paired kiosks) gets none of it,
// over REST or /live. Pure: the edges decide who is asking and call these.
import { readsFreeTextAs } from '#contract/access.ts'
import type { Principal } from './principal.ts'

/** duty, admin, township officers and analysts (who write rules over titles); never a kiosk or a leader alone. */
export function readsFreeText(principal: Principal | null): boolean {
  return principal?.kind === 'user' && readsFreeTextAs(principal.roles, principal.kioskId !== null)
}

export function eventWithoutFreeText<T extends { title?: string | null; summary?: string | null }>(event: T): T {
  return { ...event, title: null, summary: null }
}

export function alertWithoutFreeText<T extends { resolution: string | null; followUp: string | null }>(alert: T): T {
  return { ...alert, resolution: null, followUp: null }
}

const TEXT_KEYS = new Set(['note', 'text', 'resolution', 'followUp', 'title', 'summary'])

/** What the engine and the deadline scan write is not an officer's text: their notes stay. */
const MACHINE_ACTORS = new Set(['engine', 'system'])

/** A timeline entry without an officer's note and without the free text in its payload. */
export function entryWithoutFreeText<T extends { actor: string; note: string | null; payload: unknown }>(entry: T): T {
  const payload = entry.payload && typeof entry.payload === 'object' && !Array.isArray(entry.payload) ? Object.fromEntries(Object.entries(entry.payload).filter(([k]) => !TEXT_KEYS.has(k))) : entry.payload
  return { ...entry, note: MACHINE_ACTORS.has(entry.actor) ? entry.note : null, payload }
}
