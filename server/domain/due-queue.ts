// An indexed binary min-heap of "when does this township next need attention", so a tick costs
// O(townships due · log n) instead of a scan of every township every second.

export interface DueItem {
  due: number
  /** position in the heap, −1 when absent */
  heapIndex: number
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
      item.heapIndex = this.heap.length
      this.heap.push(item)
      this.up(item.heapIndex)
    } else {
      this.up(item.heapIndex)
      this.down(item.heapIndex)
    }
  }

  private remove(item: T): void {
    const i = item.heapIndex
    const last = this.heap.pop() as T
    item.heapIndex = -1
    if (last !== item) {
      this.heap[i] = last
      last.heapIndex = i
      this.up(i)
      this.down(i)
    }
  }

  private up(i: number): void {
    const h = this.heap
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

  private down(i: number): void {
    const h = this.heap
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
}
