import { reactive, type Ref, ref } from 'vue'
import { ApiError, errorMessage, fieldErrors, getOptional, postJson } from '../../lib/api.ts'
import { type BacktestResult, rangeToInstants } from '../../screens/rules/logic.ts'

/** Matches per rule id in the last 7 days of a version; null when the endpoint is not available. */
export function useRuleMatches() {
  const matches = ref<Record<string, number> | null>(null)
  /** Per rule: evaluations skipped for running out of the evaluation budget (the rule's health). */
  const budgetExceeded = ref<Record<string, number> | null>(null)

  async function loadMatches(id: number): Promise<void> {
    try {
      const r = await getOptional<{ rules: Array<{ ruleId: string; matches: number; budgetExceeded?: number }> }>(`/api/v1/rulesets/${id}/matches?days=7`)
      matches.value = r ? Object.fromEntries(r.rules.map((m) => [m.ruleId, m.matches])) : null
      budgetExceeded.value = r ? Object.fromEntries(r.rules.map((m) => [m.ruleId, m.budgetExceeded ?? 0])) : null
    } catch {
      matches.value = null
      budgetExceeded.value = null
    }
  }

  return { matches, budgetExceeded, loadMatches }
}

/** A backtest of the open saved version over a date range (`unavailable`: the server has no backtest). */
export function useBacktest(openId: Ref<number | null>) {
  const backtest = reactive({ loading: false, result: null as BacktestResult | null, error: null as string | null, unavailable: false, from: '', to: '' })

  async function runBacktest(from: string, to: string): Promise<void> {
    if (openId.value === null) return
    backtest.loading = true
    backtest.error = null
    backtest.unavailable = false
    backtest.from = from
    backtest.to = to
    try {
      backtest.result = await postJson<BacktestResult>(`/api/v1/rulesets/${openId.value}/backtest`, rangeToInstants(from, to))
    } catch (err) {
      backtest.result = null
      if (err instanceof ApiError && err.status === 404) backtest.unavailable = true
      else backtest.error = errorMessage(err)
    } finally {
      backtest.loading = false
    }
  }

  /** Forget the last result (another version was opened). */
  function clearBacktest(): void {
    backtest.result = null
    backtest.error = null
    backtest.unavailable = false
  }

  return { backtest, runBacktest, clearBacktest }
}

/** Publishing a version (rollback: publishing an older one); the comment is required. */
export function usePublish(afterPublish: () => Promise<void>) {
  const publishing = ref(false)
  const publishError = ref<string | null>(null)
  const publishFieldErrors = ref<Record<string, string>>({})

  async function publish(id: number, comment: string): Promise<boolean> {
    clearPublish()
    if (!comment.trim()) {
      publishFieldErrors.value = { comment: 'required' }
      return false
    }
    publishing.value = true
    try {
      await postJson(`/api/v1/rulesets/${id}/publish`, { comment: comment.trim() })
      await afterPublish()
      return true
    } catch (err) {
      publishError.value = errorMessage(err)
      publishFieldErrors.value = fieldErrors(err)
      return false
    } finally {
      publishing.value = false
    }
  }

  function clearPublish(): void {
    publishError.value = null
    publishFieldErrors.value = {}
  }

  return { publishing, publishError, publishFieldErrors, publish, clearPublish }
}
