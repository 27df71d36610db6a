import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import { ApiError, api, del, errorMessage, fieldErrors, getOptional, postJson } from '../lib/api.ts'
import type { Role } from '../screens/admin/logic.ts'

export interface AdminUser {
  id: number
  username: string
  displayName: string | null
  roles: Role[]
  township: string | null
  disabled: boolean
  createdAt?: string
  lastLoginAt?: string | null
}
export interface Feed {
  id: number
  name: string
  createdAt?: string
  lastUsedAt?: string | null
  revokedAt?: string | null
}
export interface Kiosk {
  id: number
  name: string
  createdAt?: string
  lastUsedAt?: string | null
  revokedAt?: string | null
}
export interface Silence {
  id: number
  matchers: { township?: string; ruleId?: string; level?: string }
  reason: string
  expiresAt: string
  createdBy?: string
  createdAt?: string
}
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

/** A secret the server returns exactly once (a feed token, a kiosk pairing). Never persisted. */
export interface OnceSecret {
  kind: 'feed' | 'kiosk'
  name: string
  token: string
  pairingUrl?: string
}

interface Section<T> {
  items: T[]
  loading: boolean
  error: string | null
  /** the endpoint answered 404: not deployed yet */
  unavailable: boolean
  fieldErrors: Record<string, string>
}

function section<T>(): Section<T> {
  return reactive({ items: [], loading: false, error: null, unavailable: false, fieldErrors: {} }) as Section<T>
}

async function loadInto<T>(s: Section<T>, path: string): Promise<void> {
  s.loading = true
  s.error = null
  try {
    // Most lists come as an array; silences as a page `{items}` (GET /api/v1/silences).
    const body = await getOptional<T[] | { items: T[] }>(path)
    s.unavailable = body === null
    s.items = body === null ? [] : Array.isArray(body) ? body : (body.items ?? [])
  } catch (err) {
    s.error = errorMessage(err)
  } finally {
    s.loading = false
  }
}

/** Run a write; on failure keep the message and the server's field errors in the section. */
async function write<T, R>(s: Section<T>, run: () => Promise<R>): Promise<R | null> {
  s.error = null
  s.fieldErrors = {}
  try {
    return await run()
  } catch (err) {
    s.error = errorMessage(err)
    s.fieldErrors = fieldErrors(err)
    if (err instanceof ApiError && err.status === 404) s.unavailable = true
    return null
  }
}

export const useAdminStore = defineStore('admin', () => {
  const users = section<AdminUser>()
  const feeds = section<Feed>()
  const kiosks = section<Kiosk>()
  const silences = section<Silence>()
  const townships = ref<Array<{ code: string; name: string }>>([])
  const ruleIds = ref<string[]>([])
  const secret = ref<OnceSecret | null>(null)

  const geo = reactive({ uploading: false, error: null as string | null, done: false, fieldErrors: {} as Record<string, string> })

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

  async function loadReference(): Promise<void> {
    townships.value = (await getOptional<Array<{ code: string; name: string }>>('/api/v1/townships').catch(() => null)) ?? []
    const live = await getOptional<{ document: { rules: Array<{ id: string }> } }>('/api/v1/rulesets/live').catch(() => null)
    ruleIds.value = live?.document.rules.map((r) => r.id) ?? []
  }

  const loadUsers = () => loadInto(users, '/api/v1/users')
  const loadFeeds = () => loadInto(feeds, '/api/v1/feeds')
  const loadKiosks = () => loadInto(kiosks, '/api/v1/kiosks')
  const loadSilences = () => loadInto(silences, '/api/v1/silences')

  async function createUser(input: { username: string; displayName?: string; password: string; roles: Role[]; township?: string }): Promise<boolean> {
    const r = await write(users, () => postJson<AdminUser>('/api/v1/users', input))
    if (r) await loadUsers()
    return r !== null
  }

  async function updateUser(id: number, patch: Partial<{ roles: Role[]; township: string | null; displayName: string | null; disabled: boolean; password: string }>): Promise<boolean> {
    const r = await write(users, () => postJson<AdminUser>(`/api/v1/users/${id}`, patch, 'PATCH'))
    if (r !== null) await loadUsers()
    return r !== null
  }

  async function createFeed(name: string): Promise<boolean> {
    const r = await write(feeds, () => postJson<{ id: number; name: string; token: string }>('/api/v1/feeds', { name }))
    if (!r) return false
    secret.value = { kind: 'feed', name: r.name ?? name, token: r.token }
    await loadFeeds()
    return true
  }

  async function revokeFeed(id: number): Promise<void> {
    await write(feeds, () => del(`/api/v1/feeds/${id}`))
    if (feeds.error === null) await loadFeeds()
  }

  async function createKiosk(name: string): Promise<boolean> {
    const r = await write(kiosks, () => postJson<{ id: number; name?: string; token: string; pairingUrl: string }>('/api/v1/kiosks', { name }))
    if (!r) return false
    secret.value = { kind: 'kiosk', name: r.name ?? name, token: r.token, pairingUrl: r.pairingUrl }
    await loadKiosks()
    return true
  }

  async function revokeKiosk(id: number): Promise<void> {
    await write(kiosks, () => del(`/api/v1/kiosks/${id}`))
    if (kiosks.error === null) await loadKiosks()
  }

  function dismissSecret(): void {
    secret.value = null
  }

  async function uploadGeo(geojson: unknown): Promise<boolean> {
    geo.uploading = true
    geo.error = null
    geo.done = false
    geo.fieldErrors = {}
    try {
      await api('/api/v1/geo/county', { method: 'PUT', body: JSON.stringify(geojson) })
      geo.done = true
      return true
    } catch (err) {
      geo.error = errorMessage(err)
      geo.fieldErrors = fieldErrors(err)
      return false
    } finally {
      geo.uploading = false
    }
  }

  async function createSilence(body: { matchers: Silence['matchers']; reason: string; expiresAt: string }): Promise<boolean> {
    const r = await write(silences, () => postJson<Silence>('/api/v1/silences', body))
    if (r) await loadSilences()
    return r !== null
  }

  async function revokeSilence(id: number): Promise<void> {
    await write(silences, () => del(`/api/v1/silences/${id}`))
    if (silences.error === null) await loadSilences()
  }

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

  return {
    users, feeds, kiosks, silences, townships, ruleIds, secret, geo, audit,
    loadReference, loadUsers, loadFeeds, loadKiosks, loadSilences, createUser, updateUser, createFeed, revokeFeed, createKiosk, revokeKiosk,
    dismissSecret, uploadGeo, createSilence, revokeSilence, searchAudit, nextAuditPage, previousAuditPage,
  }
})

