import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resetApi } from '../../../client/src/lib/api.ts'
import { celCompletion, type Vocabulary } from '../../../client/src/screens/rules/completion.ts'
import { useCodeTablesStore } from '../../../client/src/stores/code-tables.ts'
import { mockFetch, session } from '../helpers/fetch.ts'

// The rule editor's completion (README "Code tables"): fields, and the codes of the code tables.

const vocab: Vocabulary = { categories: ['demolition', 'family', 'forest_rights', 'wages'], statuses: ['open', 'in_progress', 'resolved', 'closed'], petitionForms: ['letter', 'visit'], disputeFlags: ['group', 'difficult'] }
const at = (text: string) => celCompletion(text, text.length, vocab)

beforeEach(() => {
  setActivePinia(createPinia())
  resetApi()
})
afterEach(() => vi.unstubAllGlobals())

describe('celCompletion', () => {
  it('offers category codes inside a string compared with category, from what is typed', () => {
    expect(at("source == 'dispute' && category == '")).toEqual({ from: 36, options: vocab.categories })
    expect(at("category == 'f")).toEqual({ from: 13, options: ['family', 'forest_rights'] })
    expect(at("category in ['family', 'w")).toEqual({ from: 24, options: ['wages'] })
    expect(at('category != "de')).toEqual({ from: 13, options: ['demolition'] })
  })

  it('offers statuses, sources, petition forms and dispute flags where they are compared', () => {
    expect(at("status == 'in")).toEqual({ from: 11, options: ['in_progress'] })
    expect(at("source == '")?.options).toEqual(['dispute', 'petition', 'incident'])
    expect(at("attributes.form == '")?.options).toEqual(['letter', 'visit'])
    expect(at("attributes.flags.exists(f, f == 'g")?.options).toEqual(['group'])
  })

  it('offers the event’s fields for a word, and nothing inside other strings or after a closed one', () => {
    expect(at('peo')).toEqual({ from: 0, options: ['peopleCount'] })
    expect(at("source == 'petition' && cat")).toEqual({ from: 24, options: ['category'] })
    expect(at("title == 'cat")).toBeNull()
    expect(at("category == 'family' ")).toBeNull()
    expect(at('township.ta')).toBeNull()
  })

  it('offers a category an administrator added, from the code tables the client loaded', async () => {
    mockFetch({
      ...session,
      'GET /api/v1/code-tables': { body: { items: [
        { kind: 'category', source: 'dispute', code: 'clan', labelZh: '宗族', labelEn: 'Clan', synonyms: [], sort: 20, retired: false, retiredAt: null },
        { kind: 'category', source: 'petition', code: 'clan', labelZh: '宗族', labelEn: 'Clan', synonyms: [], sort: 20, retired: false, retiredAt: null },
        { kind: 'category', source: 'dispute', code: 'wages', labelZh: '劳资欠薪', labelEn: 'Wages', synonyms: [], sort: 4, retired: true, retiredAt: '2026-12-01T00:00:00Z' },
      ] } },
    })
    const store = useCodeTablesStore()
    await store.load()
    expect(store.categoryCodes).toEqual(['clan', 'wages'])
    expect(celCompletion("category == 'c", 14, { ...vocab, categories: store.categoryCodes })).toEqual({ from: 13, options: ['clan'] })
  })
})
