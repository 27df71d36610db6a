// Completion in the rule editor (docs/architecture.md §5; README "Code tables"): the event's
// fields, and inside a string compared with `category`, `status`, `source`, `attributes.form`
// or tested against `attributes.flags`, the codes the code tables hold now — so a category an
// administrator added is offered at once. Pure: the editor passes the text and the cursor.

export interface Vocabulary {
  /** Every category code of every source (retired ones too: a rule may still name them). */
  categories: readonly string[]
  statuses: readonly string[]
  petitionForms: readonly string[]
  disputeFlags: readonly string[]
}

export interface Completion {
  /** Where the replaced text starts. */
  from: number
  options: string[]
}

export const EVENT_FIELDS = ['source', 'sourceSystem', 'township', 'village', 'grid', 'category', 'severity', 'peopleCount', 'status', 'title', 'occurredAt', 'reportedAt', 'attributes', 'calendar'] as const
const SOURCES = ['dispute', 'petition', 'incident']

/** What to offer at `pos` in `text`, or null for nothing. */
export function celCompletion(text: string, pos: number, vocab: Vocabulary): Completion | null {
  const before = text.slice(0, pos)
  // Inside an open string literal: the part typed so far, and what stands before its quote.
  const literal = /(['"])([^'"\\]*)$/.exec(before)
  if (literal && isOpenString(before.slice(0, literal.index))) {
    const typed = literal[2]!
    const lead = before.slice(0, literal.index).trimEnd()
    const codes = codesFor(lead, vocab)
    if (!codes) return null
    return { from: pos - typed.length, options: codes.filter((c) => c.startsWith(typed)) }
  }
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(before)
  if (!word || /\.\s*$/.test(before.slice(0, word.index))) return null
  const options = EVENT_FIELDS.filter((f) => f.startsWith(word[0]) && f !== word[0])
  return options.length ? { from: word.index, options } : null
}

/** Whether the text before a quote leaves it opening a string (an even number of quotes so far). */
function isOpenString(text: string): boolean {
  return ((text.match(/(?<!\\)['"]/g) ?? []).length & 1) === 0
}

function codesFor(lead: string, vocab: Vocabulary): readonly string[] | null {
  // `category == '…'`, `category != '…'`, `category in ['a', '…'`
  // `attributes.flags.exists(f, f == '…'` first: its `f ==` would otherwise name the variable.
  const m = /([A-Za-z_][A-Za-z0-9_.]*)\.exists\(\s*(\w+)\s*,\s*\2\s*==\s*$/.exec(lead) ?? /([A-Za-z_][A-Za-z0-9_.]*)\s*(?:==|!=|in\s*\[(?:[^\]]*,)?)\s*$/.exec(lead)
  switch (m?.[1]) {
    case 'category':
      return vocab.categories
    case 'status':
      return vocab.statuses
    case 'source':
      return SOURCES
    case 'attributes.form':
      return vocab.petitionForms
    case 'attributes.flags':
      return vocab.disputeFlags
    default:
      return null
  }
}
