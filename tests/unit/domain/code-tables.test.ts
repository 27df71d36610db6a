import { describe, expect, it } from 'vitest'
import { CodeBook, type CodeEntry, normaliseWord, repeatedWords, seedEntries } from '../../../server/domain/code-tables.ts'
import { CATEGORIES, SOURCES } from '../../../server/domain/taxonomy.ts'

// The code-table resolver (docs/architecture.md §4, "Code tables"): labels and synonyms, written as
// ledgers write them, resolve to one code; retired codes stay valid for what is stored.

const seed = new CodeBook(seedEntries())

describe('the seed: today’s taxonomy', () => {
  it('has every taxonomy category, and every word of a scope stands for exactly one code', () => {
    for (const source of SOURCES) expect(seed.codes('category', source)).toEqual(Object.keys(CATEGORIES[source]))
    for (const e of seed.entries) {
      for (const w of [e.code, e.labelZh, e.labelEn, ...e.synonyms]) expect(seed.resolve(e.kind, e.source, w), `${e.kind}/${e.source}: ${w}`).toEqual({ code: e.code, retired: false })
    }
  })

  it('resolves the everyday words of a real ledger to their codes', () => {
    expect(seed.resolve('category', 'dispute', '邻里纠纷')?.code).toBe('neighbour')
    expect(seed.resolve('category', 'dispute', '婚姻家庭纠纷')?.code).toBe('family')
    expect(seed.resolve('category', 'dispute', '土地承包经营纠纷')?.code).toBe('land')
    expect(seed.resolve('status', '', '调解中')?.code).toBe('in_progress')
    expect(seed.resolve('status', '', '未化解')?.code).toBe('open')
    expect(seed.resolve('severity', '', '特急')?.code).toBe('4')
    expect(seed.resolve('severity', '', '紧急')?.code).toBe('3')
    expect(seed.resolve('petition_form', '', '12345')?.code).toBe('hotline')
    expect(seed.resolve('dispute_flag', '', '民转刑')?.code).toBe('civil_to_criminal')
  })

  it('keeps categories per source: a dispute word is no petition word', () => {
    expect(seed.resolve('category', 'petition', '邻里纠纷')).toBeUndefined()
    expect(seed.resolve('category', 'incident', '交通事故')?.code).toBe('traffic')
  })
})

describe('normalised comparison', () => {
  it('ignores surrounding space, full-width forms and case', () => {
    expect(normaliseWord('  Ｎｅｉｇｈｂｏｕｒｓ ')).toBe('neighbours')
    expect(seed.resolve('category', 'dispute', ' 邻里纠纷　')?.code).toBe('neighbour')
    expect(seed.resolve('category', 'dispute', 'NEIGHBOUR')?.code).toBe('neighbour')
    expect(seed.resolve('category', 'dispute', 'Ｆａｍｉｌｙ')?.code).toBe('family')
    expect(seed.resolve('petition_form', '', '１２３４５')?.code).toBe('hotline')
    expect(seed.resolve('category', 'incident', '肇事肇祸（精神障碍）')?.code).toBe('mental_health')
  })

  it('finds repeats within one list by the same comparison', () => {
    expect(repeatedWords(['a', 'B', ' b ', 'c', 'A'])).toEqual([2, 4])
  })
})

describe('added and retired codes', () => {
  const forest: CodeEntry = { kind: 'category', source: 'dispute', code: 'forest_rights', labelZh: '山林权属', labelEn: 'Forest rights', synonyms: ['山林确权纠纷'], retiredAt: null, sort: 20 }
  const retiredWages = { ...seedEntries().find((e) => e.kind === 'category' && e.source === 'dispute' && e.code === 'wages')!, retiredAt: new Date('2026-01-01T00:00:00Z') }
  const book = new CodeBook([...seedEntries().filter((e) => !(e.kind === 'category' && e.code === 'wages' && e.source === 'dispute')), retiredWages, forest])

  it('a new code is valid and its words resolve to it', () => {
    expect(book.isValid('category', 'dispute', 'forest_rights', { active: true })).toBe(true)
    expect(book.resolve('category', 'dispute', '山林确权纠纷')).toEqual({ code: 'forest_rights', retired: false })
    expect(seed.isValid('category', 'dispute', 'forest_rights', { active: false })).toBe(false)
  })

  it('a retired code is refused for new events but stays valid for stored ones and rules', () => {
    expect(book.isValid('category', 'dispute', 'wages', { active: true })).toBe(false)
    expect(book.isValid('category', 'dispute', 'wages', { active: false })).toBe(true)
    expect(book.resolve('category', 'dispute', '劳资纠纷')).toEqual({ code: 'wages', retired: true })
    expect(book.codes('category', 'dispute')).not.toContain('wages')
    expect(book.codes('category', 'dispute', { active: false })).toContain('wages')
  })

  it('names each word that already stands for another code, but not the entry’s own', () => {
    expect(book.clashes('category', 'dispute', 'new_code', ['邻里纠纷', '全新说法', ' ｆａｍｉｌｙ'])).toEqual([
      { word: '邻里纠纷', index: 0, code: 'neighbour' },
      { word: ' ｆａｍｉｌｙ', index: 2, code: 'family' },
    ])
    expect(book.clashes('category', 'dispute', 'neighbour', ['邻里纠纷', '邻居纠纷'])).toEqual([])
    expect(book.clashes('category', 'petition', 'x', ['邻里纠纷'])).toEqual([])
  })
})
