// The JS heap of a page through the Chrome DevTools Protocol: used after forced collection (what
// is really kept), and heap snapshots summarised by constructor to find what grows.
import type { CDPSession } from 'playwright-core'

/**
 * Bytes in use after two forced full collections: the JS heap (V8, compiled code included) and,
 * apart, Blink's garbage-collected heap (DOM, style, text shaping), NaN where not reported.
 */
export async function heapAfterGc(cdp: CDPSession): Promise<{ used: number; embedder: number }> {
  // Twice: a first collection can leave garbage that finalisers free for the second.
  await cdp.send('HeapProfiler.collectGarbage')
  await cdp.send('HeapProfiler.collectGarbage')
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; embedderHeapUsedSize?: number }
  return { used: usage.usedSize, embedder: usage.embedderHeapUsedSize ?? Number.NaN }
}

/** Per constructor (or V8 node type in parentheses): how many objects and their own bytes. */
export type HeapSummary = Map<string, { count: number; bytes: number }>

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

/**
 * Takes a heap snapshot (the protocol streams it in chunks) and sums the self size of its nodes
 * by constructor. Self sizes, not retained sizes: comparing two of these shows which kind of
 * object multiplies, which is what a slow leak looks like.
 */
export async function heapSummary(cdp: CDPSession): Promise<HeapSummary> {
  const chunks: string[] = []
  const onChunk = (e: { chunk: string }) => chunks.push(e.chunk)
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk)
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk)
  }
  const raw = JSON.parse(chunks.join('')) as RawSnapshot
  const fields = raw.snapshot.meta.node_fields
  const types = raw.snapshot.meta.node_types[0]
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')]
  const out: HeapSummary = new Map()
  for (let i = 0; i < raw.nodes.length; i += fields.length) {
    const type = types[raw.nodes[i + typeAt]!] ?? '?'
    const key = type === 'object' || type === 'native' ? (raw.strings[raw.nodes[i + nameAt]!] ?? '?') : `(${type})`
    const entry = out.get(key) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += raw.nodes[i + sizeAt]!
    out.set(key, entry)
  }
  return out
}

/** The constructors that grew most between two summaries, largest growth first. */
export function summaryDiff(before: HeapSummary, after: HeapSummary, top = 15): Array<{ name: string; count: number; bytes: number }> {
  const names = new Set([...before.keys(), ...after.keys()])
  return [...names]
    .map((name) => ({
      name,
      count: (after.get(name)?.count ?? 0) - (before.get(name)?.count ?? 0),
      bytes: (after.get(name)?.bytes ?? 0) - (before.get(name)?.bytes ?? 0),
    }))
    .sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes))
    .slice(0, top)
}
