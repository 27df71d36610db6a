import { type Ref, ref, watch } from 'vue'
import { ApiError, postJson } from '../../lib/api.ts'
import { canonical, type RuleSetDocument, type RuleSetIssue } from '../../screens/rules/logic.ts'

export const VALIDATE_DEBOUNCE_MS = 300

/**
 * Validation of the editor's document as the analyst types (debounced), never on load of an
 * unchanged saved version. `issues` is shared with save, which puts the server's errors there too.
 */
export function useRuleValidation(document: Ref<RuleSetDocument>, savedCanonical: Ref<string>) {
  /** Errors from validation (as you type) or from the last save, each at its path. */
  const issues = ref<RuleSetIssue[]>([])
  const validating = ref(false)

  let validateTimer: ReturnType<typeof setTimeout> | null = null
  // Only the newest request's answer counts: an older one may arrive after it.
  let validateSeq = 0

  async function validateNow(): Promise<void> {
    if (validateTimer) clearTimeout(validateTimer)
    validateTimer = null
    const seq = ++validateSeq
    validating.value = true
    try {
      const result = await postJson<{ ok: boolean; errors: RuleSetIssue[] }>('/api/v1/rulesets/validate', document.value)
      if (seq === validateSeq) issues.value = result.errors
    } catch (err) {
      if (seq !== validateSeq) return
      // A structurally broken body (say, a string where an object belongs) is a 400 with fields.
      if (err instanceof ApiError && err.status === 400) issues.value = err.fields.map((f) => ({ path: f.field, message: f.message }))
    } finally {
      if (seq === validateSeq) validating.value = false
    }
  }

  function scheduleValidate(): void {
    if (validateTimer) clearTimeout(validateTimer)
    validateTimer = setTimeout(() => void validateNow(), VALIDATE_DEBOUNCE_MS)
  }

  watch(
    () => canonical(document.value),
    (now) => {
      if (now !== savedCanonical.value) scheduleValidate()
    },
  )

  return { issues, validating, validateNow, scheduleValidate }
}
