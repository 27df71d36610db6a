// Column headers a ledger may use for each field (docs/architecture.md §4, "ledgers"). Plain data:
// the default headers documented in README first, then the names public 矛盾纠纷排查化解 templates,
// petition registers and police logs use. A header is compared after normalizeHeader().

/**
 * Fields a column can fill. `townshipName` takes a township's name or code, `villageName` a village's
 * name within the row's township; `party.*` columns may hold several parties separated by 、 or ;
 * (matched by position).
 */
export const TARGETS = [
  'source', 'externalId', 'sourceSystem', 'township', 'townshipName', 'village', 'villageName', 'grid', 'category', 'severity', 'peopleCount',
  'occurredAt', 'reportedAt', 'status', 'title', 'summary', 'party.name', 'party.idNumber', 'party.phone',
  'attributes.form', 'attributes.firstTime', 'attributes.repeat', 'attributes.skipLevel', 'attributes.abnormal',
  'attributes.flags', 'attributes.mediation', 'attributes.policeStation',
] as const
export type Target = (typeof TARGETS)[number] | `attributes.${string}`

/** The default Chinese headers (documented in README). API field names work as headers too. */
export const DEFAULT_HEADERS: Record<string, Target> = {
  来源: 'source',
  编号: 'externalId',
  来源系统: 'sourceSystem',
  乡镇代码: 'township',
  乡镇: 'townshipName',
  '乡镇(街道)': 'townshipName',
  村社区代码: 'village',
  网格: 'grid',
  网格代码: 'grid',
  类别: 'category',
  严重程度: 'severity',
  涉及人数: 'peopleCount',
  发生时间: 'occurredAt',
  上报时间: 'reportedAt',
  状态: 'status',
  标题: 'title',
  摘要: 'summary',
  当事人姓名: 'party.name',
  身份证号: 'party.idNumber',
  联系电话: 'party.phone',
  信访形式: 'attributes.form',
  初信初访: 'attributes.firstTime',
  重信重访: 'attributes.repeat',
  越级: 'attributes.skipLevel',
  非正常上访: 'attributes.abnormal',
  纠纷标记: 'attributes.flags',
  调解方式: 'attributes.mediation',
  派出所: 'attributes.policeStation',
}

/** Other names for the same columns, from real templates. */
export const HEADER_SYNONYMS: Record<string, Target> = {
  事项来源: 'source', 数据来源: 'source', 事件来源: 'source',
  案件编号: 'externalId', 纠纷编号: 'externalId', 登记编号: 'externalId', 事项编号: 'externalId', 信访件编号: 'externalId', 警情编号: 'externalId', 接警编号: 'externalId', 单号: 'externalId',
  '乡镇(街道)代码': 'township', 镇街代码: 'township',
  镇街: 'townshipName', 街道: 'townshipName', '所属乡镇': 'townshipName', '所属乡镇(街道)': 'townshipName', '乡镇街道': 'townshipName', 所在乡镇: 'townshipName',
  '村(社区)': 'villageName', 村社区: 'villageName', '所属村(社区)': 'villageName', 所属村: 'villageName', 村居: 'villageName', 所在村: 'villageName', '村(居)': 'villageName', '村(社区)名称': 'villageName',
  '村(社区)代码': 'village',
  纠纷类型: 'category', 纠纷类别: 'category', 矛盾纠纷类型: 'category', 矛盾纠纷类别: 'category', 事项类别: 'category', 信访事项类别: 'category', 问题类别: 'category', 警情类别: 'category', 警情类型: 'category', 类型: 'category',
  紧急程度: 'severity', 风险等级: 'severity', 等级: 'severity', 严重等级: 'severity', 缓急程度: 'severity',
  人数: 'peopleCount', 涉及人员数: 'peopleCount', '涉及人数(人)': 'peopleCount', 涉及人员: 'peopleCount',
  纠纷发生时间: 'occurredAt', 发生日期: 'occurredAt', 事发时间: 'occurredAt', 案发时间: 'occurredAt', 接警时间: 'occurredAt', 来访时间: 'occurredAt', 信访日期: 'occurredAt',
  排查时间: 'reportedAt', 登记时间: 'reportedAt', 登记日期: 'reportedAt', 受理时间: 'reportedAt', 上报日期: 'reportedAt', 报告时间: 'reportedAt', 受理日期: 'reportedAt', 排查日期: 'reportedAt',
  化解情况: 'status', 调处情况: 'status', 调处结果: 'status', 化解状态: 'status', 办理状态: 'status', 调解结果: 'status', 处理状态: 'status', 办理情况: 'status',
  纠纷名称: 'title', 事项名称: 'title', 事由: 'title',
  纠纷简要情况: 'summary', 简要情况: 'summary', 基本情况: 'summary', 主要诉求: 'summary', 纠纷简况: 'summary', 简要案情: 'summary', 内容摘要: 'summary', 事项内容: 'summary',
  当事人: 'party.name', 姓名: 'party.name', 当事人姓名或名称: 'party.name', 反映人: 'party.name', 信访人: 'party.name', 报警人: 'party.name',
  当事人身份证号: 'party.idNumber', 身份证号码: 'party.idNumber', 公民身份号码: 'party.idNumber', 当事人身份证号码: 'party.idNumber',
  当事人联系电话: 'party.phone', 电话: 'party.phone', 当事人电话: 'party.phone', 联系方式: 'party.phone', 手机号码: 'party.phone',
  调解类型: 'attributes.mediation', 调解类别: 'attributes.mediation',
  所属派出所: 'attributes.policeStation', 管辖派出所: 'attributes.policeStation',
}

/**
 * One spelling for a header: no spaces or line breaks (wrapped header cells), full-width brackets
 * as ASCII, no trailing colon or asterisk (a required-column mark).
 */
export function normalizeHeader(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/[（【[]/g, '(')
    .replace(/[）】\]]/g, ')')
    .replace(/^\*+|[*:：]+$/g, '')
}

const NORMALIZED = new Map<string, Target>()
for (const table of [HEADER_SYNONYMS, DEFAULT_HEADERS]) for (const [h, t] of Object.entries(table)) NORMALIZED.set(normalizeHeader(h), t)

export const isTarget = (t: string): t is Target => (TARGETS as readonly string[]).includes(t) || /^attributes\.[A-Za-z][A-Za-z0-9_]{0,63}$/.test(t)

/** The field a header names by default, if any. */
export function headerTarget(header: string): Target | undefined {
  const h = normalizeHeader(header)
  return NORMALIZED.get(h) ?? (isTarget(h) ? h : undefined)
}
