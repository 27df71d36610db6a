import { defineStore } from 'pinia'
import { ref } from 'vue'
import { del, getOptional, postJson } from '../lib/api.ts'
import type { Role } from '../screens/admin/logic.ts'
import { useAuditLog } from './admin/audit.ts'
import { useGeoUpload } from './admin/geo.ts'
import { useRegions } from './admin/regions.ts'
import { loadInto, section, write } from './admin/section.ts'

export type { AuditEntry } from './admin/audit.ts'

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
  /** In force now: neither revoked nor expired. */
  active?: boolean
  revokedAt?: string | null
}

/** A secret the server returns exactly once (a feed token, a kiosk pairing). Never persisted. */
export interface OnceSecret {
  kind: 'feed' | 'kiosk'
  name: string
  token: string
  pairingUrl?: string
}

export const useAdminStore = defineStore('admin', () => {
  const users = section<AdminUser>()
  const feeds = section<Feed>()
  const kiosks = section<Kiosk>()
  const silences = section<Silence>()
  const townships = ref<Array<{ code: string; name: string }>>([])
  const ruleIds = ref<string[]>([])
  const secret = ref<OnceSecret | null>(null)
  const { geo, uploadGeo, loadGeoVersions, restoreGeoVersion } = useGeoUpload()
  const { audit, searchAudit, nextAuditPage, previousAuditPage } = useAuditLog()
  const regionStore = useRegions()

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
    // The server answers a path; the link is opened on another machine, so it is made whole here,
    // with the address this browser reaches the server by.
    secret.value = { kind: 'kiosk', name: r.name ?? name, token: r.token, pairingUrl: new URL(r.pairingUrl, window.location.origin).href }
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

  async function createSilence(body: { matchers: Silence['matchers']; reason: string; expiresAt: string }): Promise<boolean> {
    const r = await write(silences, () => postJson<Silence>('/api/v1/silences', body))
    if (r) await loadSilences()
    return r !== null
  }

  async function revokeSilence(id: number): Promise<void> {
    await write(silences, () => del(`/api/v1/silences/${id}`))
    if (silences.error === null) await loadSilences()
  }

  return {
    users, feeds, kiosks, silences, townships, ruleIds, secret, geo, audit,
    loadReference, loadUsers, loadFeeds, loadKiosks, loadSilences, createUser, updateUser, createFeed, revokeFeed, createKiosk, revokeKiosk,
    dismissSecret, uploadGeo, loadGeoVersions, restoreGeoVersion, createSilence, revokeSilence, searchAudit, nextAuditPage, previousAuditPage,
    ...regionStore,
  }
})

