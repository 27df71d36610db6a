import { describe, expect, it } from 'vitest'
import { readsFreeTextAs } from '../../../server/contract/access.ts'
import { alertWithoutFreeText, entryWithoutFreeText, eventWithoutFreeText } from '../../../server/access/free-text.ts'

describe('who reads officers’ free text (docs/architecture.md §8)', () => {
  it('those who handle events and cases do; a leader alone and any paired wall do not', () => {
    for (const role of ['duty', 'admin', 'township', 'analyst'] as const) expect(readsFreeTextAs([role], false), role).toBe(true)
    expect(readsFreeTextAs(['leader'], false)).toBe(false)
    expect(readsFreeTextAs(['leader', 'duty'], false)).toBe(true)
    expect(readsFreeTextAs(['leader'], true)).toBe(false)
    expect(readsFreeTextAs(['duty'], true)).toBe(false)
    expect(readsFreeTextAs([], false)).toBe(false)
  })

  it('takes out the text and keeps the rest', () => {
    expect(eventWithoutFreeText({ id: 1, category: 'mass', title: 't', summary: 's' })).toEqual({ id: 1, category: 'mass', title: null, summary: null })
    expect(alertWithoutFreeText({ id: 2, state: 'closed', resolution: 'r', followUp: 'f', satisfaction: 'satisfied' })).toEqual({ id: 2, state: 'closed', resolution: null, followUp: null, satisfaction: 'satisfied' })
    expect(entryWithoutFreeText({ actor: 'duty-1', action: 'resolve', note: 'n', payload: { resolution: 'r', caseId: 3, text: 'x', level: 'red' } })).toEqual({ actor: 'duty-1', action: 'resolve', note: null, payload: { caseId: 3, level: 'red' } })
    // The engine's own notes are not an officer's text.
    expect(entryWithoutFreeText({ actor: 'engine', action: 'raised', note: 'level rose', payload: null })).toMatchObject({ note: 'level rose' })
  })
})
