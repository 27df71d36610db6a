import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { createI18n } from 'vue-i18n'
import CelEditor from '../../../client/src/components/CelEditor.vue'
import zh from '../../../client/src/i18n/zh-CN.ts'
import messages from '../../../client/src/screens/rules/messages.ts'
import RuleCard from '../../../client/src/screens/rules/RuleCard.vue'
import { useRulesStore } from '../../../client/src/stores/rules.ts'

function i18n() {
  return createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': { ...zh, rules: messages.zh } } })
}

beforeEach(() => setActivePinia(createPinia()))

describe('CelEditor', () => {
  it('mounts CodeMirror, emits edits and underlines a diagnostic at its range', async () => {
    const text = "source == 'petition' && peopleCount >= fivee"
    const from = text.indexOf('fivee')
    const wrapper = mount(CelEditor, { props: { modelValue: text, diagnostics: [] }, attachTo: document.body })
    expect(wrapper.find('.cm-content').text()).toBe(text)
    await wrapper.setProps({ diagnostics: [{ from, to: from + 5, severity: 'error', message: 'unknown variable fivee' }] })
    await nextTick()
    const marks = wrapper.findAll('.cm-lintRange-error')
    expect(marks.map((m) => m.text())).toEqual(['fivee'])
    expect(wrapper.find('[data-test="cel-error"]').text()).toBe('unknown variable fivee')
    await wrapper.setProps({ modelValue: 'severity >= 3' })
    expect(wrapper.find('.cm-content').text()).toBe('severity >= 3')
    wrapper.unmount()
  })
})

describe('RuleCard', () => {
  it('shows the fields of its kind, field errors next to them, and the CEL error at its position', async () => {
    const store = useRulesStore()
    store.document.rules.push({ id: 'r1', name: '集体访', kind: 'trigger', when: 'peopleCount >= x', points: 10, halfLife: '2x' })
    store.issues = [
      { path: 'rules[0].when', message: 'unknown variable x', position: { line: 1, column: 16, offset: 15 } },
      { path: 'rules[0].halfLife', message: 'not a duration' },
    ]
    store.matches = { r1: 4 }
    const wrapper = mount(RuleCard, { props: { index: 0 }, global: { plugins: [i18n()] }, attachTo: document.body })
    await nextTick()
    expect(wrapper.find('[data-test="rule-window"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="rule-halfLife"]').element.parentElement?.textContent).toContain('not a duration')
    expect(wrapper.findAll('.cm-lintRange-error').map((m) => m.text())).toEqual(['x'])
    expect(wrapper.find('[data-test="rule-matches"]').text()).toBe('近 7 天命中 4 次')

    await wrapper.find('[data-test="rule-kind"]').setValue('silence')
    expect(wrapper.find('[data-test="rule-add-modifier"]').exists()).toBe(false)
    await wrapper.find('[data-test="rule-kind"]').setValue('threshold')
    expect(store.document.rules[0]).toMatchObject({ kind: 'threshold', halfLife: '2x' }) // a threshold rule may keep its half-life
    expect(wrapper.find('[data-test="rule-window"]').exists()).toBe(true)
    await wrapper.find('[data-test="rule-points"]').setValue('')
    expect(store.document.rules[0]).not.toHaveProperty('points')
    wrapper.unmount()
  })

  it('reports evaluations skipped for the evaluation budget on the rule, and nothing when there were none', async () => {
    const store = useRulesStore()
    store.document.rules.push({ id: 'r1', name: 'a', kind: 'trigger', when: 'true', points: 1, halfLife: '1h' }, { id: 'r2', name: 'b', kind: 'trigger', when: 'true', points: 1, halfLife: '1h' })
    store.matches = { r1: 0, r2: 3 }
    store.budgetExceeded = { r1: 2, r2: 0 }
    const first = mount(RuleCard, { props: { index: 0 }, global: { plugins: [i18n()], stubs: { CelEditor: true } } })
    const second = mount(RuleCard, { props: { index: 1 }, global: { plugins: [i18n()], stubs: { CelEditor: true } } })
    await nextTick()
    expect(first.find('[data-test="rule-budget"]').text()).toBe('近 7 天有 2 次因超出计算量上限而跳过（按未命中计）')
    expect(second.find('[data-test="rule-budget"]').exists()).toBe(false)
  })

  it('says when matches are not available', () => {
    const store = useRulesStore()
    store.document.rules.push({ id: 'r1', name: 'a', kind: 'silence', window: '24h' })
    const wrapper = mount(RuleCard, { props: { index: 0 }, global: { plugins: [i18n()], stubs: { CelEditor: true } } })
    expect(wrapper.find('[data-test="rule-matches"]').text()).toBe('近 7 天命中：暂无数据')
  })
})
