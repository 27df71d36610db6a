// The one due-time queue of the engine core: an indexed binary min-heap of "when does this
// next need attention". Townships wait in it for their next time-driven change (so a tick costs
// O(townships due · log n), not a scan of every township), and for their next shown-score
// change; a township's decaying signals wait in the same kind of heap, kept in a plain array
// (one per township, no wrapper object) through heapPush/heapPop.

export interface DueItem {
  due: number
  /** position in the heap, −1 when absent */
  heapIndex: number
}

function up<T extends DueItem>(h: T[], i: number): void {
  const item = h[i] as T
  while (i > 0) {
    const p = (i - 1) >> 1
    const parent = h[p] as T
    if (parent.due <= item.due) break
    h[i] = parent
    parent.heapIndex = i
    i = p
  }
  h[i] = item
  item.heapIndex = i
}

function down<T extends DueItem>(h: T[], i: number): void {
  const n = h.length
  const item = h[i] as T
  for (;;) {
    const l = 2 * i + 1
    if (l >= n) break
    const r = l + 1
    let c = l
    if (r < n && (h[r] as T).due < (h[l] as T).due) c = r
    const child = h[c] as T
    if (child.due >= item.due) break
    h[i] = child
    child.heapIndex = i
    i = c
  }
  h[i] = item
  item.heapIndex = i
}

/** Add an item to a heap kept in a plain array. */
export function heapPush<T extends DueItem>(h: T[], item: T): void {
  item.heapIndex = h.length
  h.push(item)
  up(h, item.heapIndex)
}

/** Take the earliest item of a non-empty heap kept in a plain array. */
export function heapPop<T extends DueItem>(h: T[]): T {
  const top = h[0] as T
  const last = h.pop() as T
  top.heapIndex = -1
  if (h.length > 0) {
    h[0] = last
    down(h, 0)
  }
  return top
}

export class DueQueue<T extends DueItem> {
  private heap: T[] = []

  get size(): number {
    return this.heap.length
  }

  peek(): T | undefined {
    return this.heap[0]
  }

  /** Insert, move or remove (due = +Infinity removes) an item. */
  set(item: T, due: number): void {
    item.due = due
    if (due === Number.POSITIVE_INFINITY) {
      if (item.heapIndex >= 0) this.remove(item)
      return
    }
    if (item.heapIndex < 0) {
      heapPush(this.heap, item)
    } else {
      up(this.heap, item.heapIndex)
      down(this.heap, item.heapIndex)
    }
  }

  private remove(item: T): void {
    const i = item.heapIndex
    const last = this.heap.pop() as T
    item.heapIndex = -1
    if (last !== item) {
      this.heap[i] = last
      last.heapIndex = i
      up(this.heap, i)
      down(this.heap, i)
    }
  }
}
