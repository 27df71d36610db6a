import { describe, expect, it } from 'vitest'
import { GroupCommit } from '../../server/group-commit.ts'

/** A fake store: a keyed map written one transaction at a time, each held until released. */
function fakeStore(options: { concurrency?: number; maxItems?: number; isolate?: (err: unknown) => boolean; fail?: (items: Item[]) => Error | null } = {}) {
  const table = new Map<string, string>()
  const transactions: Item[][] = []
  const gates: Array<() => void> = []
  let open = 0
  let maxOpen = 0
  const groups = new GroupCommit<Item, string>({
    concurrency: options.concurrency ?? 1,
    maxItems: options.maxItems ?? 100,
    isolate: options.isolate ?? (() => false),
    async store(items) {
      open++
      maxOpen = Math.max(maxOpen, open)
      transactions.push(items)
      await new Promise<void>((resolve) => gates.push(resolve))
      open--
      const error = options.fail?.(items)
      if (error) throw error
      // Sequential semantics within the transaction, as storeEvents gives them.
      return items.map(([key, content]) => {
        const before = table.get(key)
        table.set(key, content)
        return before === undefined ? 'accepted' : before === content ? 'duplicate' : 'updated'
      })
    },
  })
  const tick = () => new Promise((r) => setImmediate(r))
  return {
    groups,
    table,
    transactions,
    maxOpen: () => maxOpen,
    /** Lets every transaction begun so far commit. */
    async release() {
      await tick()
      while (gates.length) gates.shift()!()
      await tick()
    },
  }
}
type Item = [key: string, content: string]

/** Settles every transaction until the promises are done. */
async function drain(store: ReturnType<typeof fakeStore>, ...promises: Array<Promise<unknown>>) {
  let done = false
  const all = Promise.allSettled(promises).then((r) => ((done = true), r))
  while (!done) await store.release()
  return all
}

describe('GroupCommit', () => {
  it('stores the requests that arrive during a transaction together in the next one, each with its own results after the commit', async () => {
    const s = fakeStore()
    let firstDone = false
    const first = s.groups.submit([['a', '1']]).then((r) => ((firstDone = true), r))
    const second = s.groups.submit([['b', '1'], ['c', '1']])
    const third = s.groups.submit([['d', '1']])
    await new Promise((r) => setImmediate(r))
    expect(s.transactions).toEqual([[['a', '1']]])
    expect(firstDone).toBe(false) // nothing answered before its commit
    const [r1, r2, r3] = await drain(s, first, second, third)
    expect(s.transactions).toEqual([[['a', '1']], [['b', '1'], ['c', '1'], ['d', '1']]])
    expect(r1).toEqual({ status: 'fulfilled', value: ['accepted'] })
    expect(r2).toEqual({ status: 'fulfilled', value: ['accepted', 'accepted'] })
    expect(r3).toEqual({ status: 'fulfilled', value: ['accepted'] })
  })

  it('gives requests carrying the same key in one group the outcomes they would have had one after another', async () => {
    const s = fakeStore()
    const hold = s.groups.submit([['x', 'held']])
    const a = s.groups.submit([['k', 'v1']])
    const b = s.groups.submit([['k', 'v1'], ['m', '1']])
    const c = s.groups.submit([['k', 'v2']])
    const results = await drain(s, hold, a, b, c)
    expect(s.transactions).toHaveLength(2)
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason))).toEqual([['accepted'], ['accepted'], ['duplicate', 'accepted'], ['updated']])
    expect(s.table.get('k')).toBe('v2')
  })

  it('fails every request of a failed group and answers none of them', async () => {
    const outage = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' })
    const s = fakeStore({ fail: (items) => (items.length > 1 ? outage : null) })
    const hold = s.groups.submit([['x', '1']])
    const a = s.groups.submit([['a', '1']])
    const b = s.groups.submit([['b', '1']])
    const [h, ra, rb] = await drain(s, hold, a, b)
    expect(h?.status).toBe('fulfilled')
    expect(ra).toEqual({ status: 'rejected', reason: outage })
    expect(rb).toEqual({ status: 'rejected', reason: outage })
    expect(s.transactions).toHaveLength(2) // not retried
  })

  it('retries the requests of a group one by one when told the failure may be one request’s doing', async () => {
    const refused = new Error('invalid byte sequence')
    const s = fakeStore({ isolate: (err) => err === refused, fail: (items) => (items.some(([k]) => k === 'bad') ? refused : null) })
    const hold = s.groups.submit([['x', '1']])
    const a = s.groups.submit([['a', '1']])
    const bad = s.groups.submit([['bad', '1']])
    const c = s.groups.submit([['c', '1']])
    const [, ra, rbad, rc] = await drain(s, hold, a, bad, c)
    expect(ra).toEqual({ status: 'fulfilled', value: ['accepted'] })
    expect(rbad).toEqual({ status: 'rejected', reason: refused })
    expect(rc).toEqual({ status: 'fulfilled', value: ['accepted'] })
    expect(s.transactions.map((t) => t.map(([k]) => k))).toEqual([['x'], ['a', 'bad', 'c'], ['a'], ['bad'], ['c']])
  })

  it('keeps at most `concurrency` transactions in flight and at most `maxItems` items per group (a larger request alone)', async () => {
    const s = fakeStore({ concurrency: 2, maxItems: 3 })
    const big = Array.from({ length: 5 }, (_, i): Item => [`big${i}`, '1'])
    const requests = [s.groups.submit([['a', '1']]), s.groups.submit(big), s.groups.submit([['b', '1']]), s.groups.submit([['c', '1']]), s.groups.submit([['d', '1'], ['e', '1']])]
    await drain(s, ...requests)
    expect(s.maxOpen()).toBe(2)
    expect(s.transactions.map((t) => t.map(([k]) => k))).toEqual([['a'], ['big0', 'big1', 'big2', 'big3', 'big4'], ['b', 'c'], ['d', 'e']])
  })
})
