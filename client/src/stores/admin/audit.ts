import { reactive } from 'vue'
import { errorMessage, getOptional } from '../../lib/api.ts'

export interface AuditEntry {
  id: number | string
  at: string
  actor: string
  actorKind: string
  action: string
  target: string | null
  /** the value before and after, as the server's audit rows call them */
  from: unknown
  to: unknown
  note: string | null
  ip: string | null
}

/** The audit log, page by page with a cursor; `previous` keeps the way back. */
export function useAuditLog() {
  const audit = reactive({
    items: [] as AuditEntry[],
    loading: false,
    error: null as string | null,
    unavailable: false,
    /** cursors of the pages before the current one (the first page has none) */
    previous: [] as Array<string | null>,
    current: null as string | null,
    nextCursor: null as string | null,
  })

  async function loadAuditPage(url: string): Promise<boolean> {
    audit.loading = true
    audit.error = null
    try {
      const page = await getOptional<{ items: AuditEntry[]; nextCursor: string | null }>(url)
      audit.unavailable = page === null
      audit.items = page?.items ?? []
      audit.nextCursor = page?.nextCursor ?? null
      return true
    } catch (err) {
      audit.error = errorMessage(err)
      return false
    } finally {
      audit.loading = false
    }
  }

  /** First page for these filters. `query(cursor)` builds the URL (see auditQuery). */
  async function searchAudit(query: (cursor: string | null) => string): Promise<void> {
    audit.previous = []
    audit.current = null
    await loadAuditPage(query(null))
  }

  async function nextAuditPage(query: (cursor: string | null) => string): Promise<void> {
    if (!audit.nextCursor) return
    const cursor = audit.nextCursor
    if (await loadAuditPage(query(cursor))) {
      audit.previous.push(audit.current)
      audit.current = cursor
    }
  }

  async function previousAuditPage(query: (cursor: string | null) => string): Promise<void> {
    if (audit.previous.length === 0) return
    const cursor = audit.previous[audit.previous.length - 1] ?? null
    if (await loadAuditPage(query(cursor))) {
      audit.previous.pop()
      audit.current = cursor
    }
  }

  return { audit, searchAudit, nextAuditPage, previousAuditPage }
}
