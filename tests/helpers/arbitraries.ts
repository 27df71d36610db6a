import fc from 'fast-check'
import iconv from 'iconv-lite'
import { CATEGORIES, EVENT_STATUSES, SOURCES } from '../../server/domain/taxonomy.ts'

/**
 * Shared fast-check generators for the bad-input properties (ingest, every route, the socket).
 * Hostile values live here once, so each property draws from the same catalogue.
 */

/** Anything at all: objects, arrays, binary strings, numbers of every kind, null. */
export const junk = fc.oneof(fc.anything(), fc.string({ unit: 'binary', maxLength: 30 }), fc.constant(null), fc.integer(), fc.double())

/** Strings an attacker or a broken client sends: injection, traversal, NUL, lone surrogates, huge. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR 1=1 --",
  "'; DROP TABLE app_user; --",
  '1; select pg_sleep(10)',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "source == 'petition' || true",
  'size(x) > 0 && [1,2,3].all(i, i > 0)',
  '(a+)+$',
  '.*',
  '[',
  '\\',
  '${7*7}',
  '{{7*7}}',
  '%s%n%x',
  '../../../../etc/passwd',
  '..\\..\\windows',
  'a\u0000b',
  '\u0000',
  '\uD800',
  'x\uDFFFy',
  '\u202Eevil',
  '张三 13800001111',
  '🙂'.repeat(50),
  '',
  ' ',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '-1',
  '0',
  '1.5',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '9'.repeat(400),
  '2026-02-30T25:61:00+08:00',
  '2999-01-01T00:00:00Z',
  'x'.repeat(5_000),
]

export const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }))

/** Numbers just outside every range a schema checks. */
export const hostileNumber = fc.oneof(
  fc.constantFrom(-1, 0, 1, 1.5, -0, 2 ** 31, 2 ** 31 - 1, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-300),
  fc.integer(),
  fc.double({ noNaN: true }),
)

/** A value for any field: usually hostile, sometimes a small nested structure. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': '' }, { __proto__: { admin: true } }) },
  { weight: 2, arbitrary: junk },
)

/** `depth` levels of nesting without recursion (JSON.stringify would overflow the stack). */
export const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
export const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)

/** Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a truncated sequence, a surrogate). */
export const INVALID_UTF8: readonly Buffer[] = [
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d]), // {"a":"\x80"}
  Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]), // overlong '/' as a key
  Buffer.from([0x5b, 0x22, 0xe4, 0xb8, 0x22, 0x5d]), // truncated 3-byte sequence
  Buffer.from([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // encoded surrogate
  Buffer.from([0xff, 0xfe, 0xfd]),
]

/** GBK text: what a county ledger or an old feed sends without saying so. */
export const gbk = (text: string) => iconv.encode(text, 'gbk')

/** A valid event (its category belongs to its source). */
export function eventArbitraries(regions: { townships: string[]; villages: string[]; grids: string[] }) {
  const { townships, villages, grids } = regions
  const allCategories = [...new Set(Object.values(CATEGORIES).flatMap((c) => Object.keys(c)))]

  const validEvent = (externalIds: string[]) =>
    fc.constantFrom(...SOURCES).chain((source) =>
      fc.record(
        {
          source: fc.constant(source),
          externalId: fc.constantFrom(...externalIds),
          township: fc.constantFrom(...townships),
          category: fc.constantFrom(...Object.keys(CATEGORIES[source])),
          severity: fc.integer({ min: 1, max: 4 }),
          peopleCount: fc.integer({ min: 1, max: 50 }),
          occurredAt: fc.integer({ min: Date.now() - 365 * 86_400_000, max: Date.now() }).map((ms) => new Date(ms).toISOString()),
          status: fc.constantFrom(...EVENT_STATUSES),
          title: fc.string({ unit: 'grapheme', maxLength: 200 }),
          parties: fc.array(fc.record({ name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), phone: fc.constantFrom('13800001111', '10012345678') }, { requiredKeys: ['phone'] }), { maxLength: 2 }),
        },
        { requiredKeys: ['source', 'externalId', 'township', 'category', 'occurredAt'] },
      ),
    )

  const FIELDS = ['source', 'externalId', 'township', 'village', 'grid', 'category', 'severity', 'peopleCount', 'occurredAt', 'reportedAt', 'status', 'title', 'summary', 'attributes', 'parties', 'colour'] as const
  /** Values that are plausible for some field and wrong (or right) for another. */
  const nearValue = fc.oneof(
    junk,
    fc.constantFrom<unknown>(
      ...townships.slice(0, 3), '990100099', ...villages.slice(0, 20), ...grids.slice(0, 20), ...allCategories, 'dispute', 'incident',
      '2026-01-01T00:00:00', '2999-01-01T00:00:00Z', '2026-02-30T10:00:00+08:00', new Date().toISOString().replace('Z', '+08:00'),
      { form: 'visit' }, { flags: ['group'] }, { form: 'fax' }, { mediation: 'people', ref: 'x' }, [{ name: '张三' }], [{}], 0, 1, 4, 5, '', 'open', 'x'.repeat(201), 'a\u0000b',
    ),
  )

  /** A valid event with a few fields replaced (or removed): the near-misses that find edge cases. */
  const nearValid = (externalIds: string[]) =>
    fc.tuple(validEvent(externalIds), fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(nearValue, { nil: undefined, freq: 5 })), { maxLength: 2 })).map(([event, mutations]) => {
      const out: Record<string, unknown> = { ...event }
      for (const [key, value] of mutations) {
        if (value === undefined) delete out[key]
        else out[key] = value
      }
      return out
    })

  return { validEvent, nearValid, nearValue, FIELDS }
}
