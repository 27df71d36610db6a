import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Township } from '../../../server/modules/townships/schema.ts'
import { api } from '../lib/api.ts'

type TownshipJson = Omit<Township, 'updatedAt'> & { updatedAt: string | null }

export const useRiskStore = defineStore('risk', () => {
  const townships = ref<TownshipJson[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)

  const ranking = computed(() => [...townships.value].sort((a, b) => b.score - a.score))

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      townships.value = await api<TownshipJson[]>('/api/v1/townships')
    } catch (err) {
      error.value = (err as Error).message
    } finally {
      loading.value = false
    }
  }

  return { townships, loading, error, ranking, load }
})
