// The shared vocabulary of the three feeds, part of the contract between server and client
// (docs/architecture.md). Server validation, rule type-checking and client labels all read from
// here, so a category, a source or a level exists in exactly one place. Pure: no I/O.

export const SOURCES = ['dispute', 'petition', 'incident'] as const
export type Source = (typeof SOURCES)[number]

export interface Label {
  zh: string
  en: string
}

export const SOURCE_LABELS: Record<Source, Label> = {
  dispute: { zh: '矛盾纠纷', en: 'Dispute' },
  petition: { zh: '信访', en: 'Petition' },
  incident: { zh: '警情', en: 'Incident' },
}

export const CATEGORIES = {
  dispute: {
    family: { zh: '婚姻家庭', en: 'Marriage & family' },
    neighbour: { zh: '邻里', en: 'Neighbours' },
    land: { zh: '土地山林权属', en: 'Land & forest rights' },
    demolition: { zh: '征地拆迁', en: 'Land acquisition & demolition' },
    wages: { zh: '劳资欠薪', en: 'Unpaid wages' },
    property: { zh: '物业', en: 'Property management' },
    medical: { zh: '医疗', en: 'Medical' },
    environment: { zh: '环境污染', en: 'Pollution' },
    debt: { zh: '合同债务', en: 'Contracts & debt' },
    traffic: { zh: '交通事故赔偿', en: 'Traffic compensation' },
    other: { zh: '其他', en: 'Other' },
  },
  petition: {
    demolition: { zh: '征地拆迁', en: 'Land acquisition & demolition' },
    labour: { zh: '劳动社保', en: 'Labour & social security' },
    litigation: { zh: '涉法涉诉', en: 'Litigation-related' },
    construction: { zh: '城乡建设', en: 'Urban & rural construction' },
    rural: { zh: '农村农业', en: 'Rural & agriculture' },
    environment: { zh: '生态环境', en: 'Environment' },
    veterans: { zh: '退役军人', en: 'Veterans' },
    public_service: { zh: '教育医疗', en: 'Education & health' },
    other: { zh: '其他', en: 'Other' },
  },
  incident: {
    public_order: { zh: '治安', en: 'Public order' },
    criminal: { zh: '刑事', en: 'Criminal' },
    traffic: { zh: '交通', en: 'Traffic' },
    fire: { zh: '火灾', en: 'Fire' },
    mass: { zh: '群体性事件', en: 'Mass incident' },
    extreme: { zh: '个人极端', en: 'Individual extreme act' },
    mental_health: { zh: '肇事肇祸(精神障碍)', en: 'Mental-health related' },
    drugs: { zh: '涉毒', en: 'Drugs' },
    other: { zh: '其他', en: 'Other' },
  },
} as const satisfies Record<Source, Record<string, Label>>

export type Category<S extends Source = Source> = keyof (typeof CATEGORIES)[S] & string

export function isCategory(source: Source, category: string): boolean {
  return Object.hasOwn(CATEGORIES[source], category)
}

export function categoryLabel(source: Source, category: string): Label | undefined {
  return (CATEGORIES[source] as Record<string, Label>)[category]
}

export const EVENT_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const
export type EventStatus = (typeof EVENT_STATUSES)[number]

export const PETITION_FORMS = ['letter', 'visit', 'online', 'hotline'] as const
export const DISPUTE_FLAGS = ['group', 'difficult', 'civil_to_criminal', 'extreme'] as const
export const MEDIATION_KINDS = ['people', 'administrative', 'judicial'] as const

/** peopleCount at or above this is a collective (集体) event. */
export const COLLECTIVE_THRESHOLD = 5

export const LEVELS = ['blue', 'yellow', 'orange', 'red'] as const
export type Level = (typeof LEVELS)[number]

export const LEVEL_LABELS: Record<Level, Label> = {
  blue: { zh: '蓝色', en: 'Blue' },
  yellow: { zh: '黄色', en: 'Yellow' },
  orange: { zh: '橙色', en: 'Orange' },
  red: { zh: '红色', en: 'Red' },
}

export function levelRank(level: Level): number {
  return LEVELS.indexOf(level)
}

/** The score thresholds of the three raised levels (blue is below yellow). */
export interface LevelThresholds {
  yellow: number
  orange: number
  red: number
}

/** The thresholds a rule set starts from, and what a screen shows before it knows the live set. */
export const DEFAULT_LEVELS: Readonly<LevelThresholds> = Object.freeze({ yellow: 30, orange: 55, red: 80 })

/** Whether a number of people makes an event collective (集体). */
export const isCollective = (peopleCount: number): boolean => peopleCount >= COLLECTIVE_THRESHOLD

// ---- synonyms ---------------------------------------------------------------------------------
// The everyday words ledgers and feeds use for a code (docs/architecture.md §4, "code tables").
// Kept as plain data, one table per vocabulary, so the code-table work can seed a database table
// from it unchanged; the lookups below only read it. A code and its zh label are always accepted
// as well, so a synonym lists only what differs from both.

export const SOURCE_SYNONYMS: Record<string, Source> = {
  矛盾纠纷: 'dispute', 纠纷: 'dispute', 矛盾: 'dispute', 矛盾纠纷排查: 'dispute', 人民调解: 'dispute',
  信访: 'petition', 信访事项: 'petition', 来信来访: 'petition',
  警情: 'incident', '110警情': 'incident', 接处警: 'incident', 治安警情: 'incident',
}

export const CATEGORY_SYNONYMS: { [S in Source]: Record<string, Category<S>> } = {
  dispute: {
    婚姻家庭纠纷: 'family', 婚姻纠纷: 'family', 家庭纠纷: 'family', 婚姻家庭: 'family', 赡养纠纷: 'family', 抚养纠纷: 'family', 继承纠纷: 'family', 家庭矛盾: 'family',
    邻里纠纷: 'neighbour', 邻里矛盾: 'neighbour', 相邻关系纠纷: 'neighbour', 相邻纠纷: 'neighbour',
    土地承包经营纠纷: 'land', 土地承包纠纷: 'land', 土地纠纷: 'land', 山林纠纷: 'land', 山林权属纠纷: 'land', 林地纠纷: 'land', 宅基地纠纷: 'land', 土地山林权属纠纷: 'land', 土地权属纠纷: 'land',
    征地拆迁纠纷: 'demolition', 拆迁纠纷: 'demolition', 征地纠纷: 'demolition', 征地拆迁: 'demolition',
    劳资纠纷: 'wages', 劳动争议: 'wages', 劳动纠纷: 'wages', 欠薪纠纷: 'wages', 拖欠工资: 'wages', 劳资欠薪纠纷: 'wages',
    物业纠纷: 'property', 物业管理纠纷: 'property',
    医疗纠纷: 'medical', 医患纠纷: 'medical',
    环境污染纠纷: 'environment', 环境纠纷: 'environment', 生态环境纠纷: 'environment',
    合同纠纷: 'debt', 债务纠纷: 'debt', 借贷纠纷: 'debt', 民间借贷纠纷: 'debt', 经济纠纷: 'debt', 合同债务纠纷: 'debt',
    交通事故纠纷: 'traffic', 道路交通事故纠纷: 'traffic', 交通事故赔偿纠纷: 'traffic', 交通事故: 'traffic',
    其他纠纷: 'other', 其它: 'other', 其它纠纷: 'other',
  },
  petition: {
    征地拆迁类: 'demolition', 拆迁: 'demolition',
    劳动和社会保障: 'labour', 劳动保障: 'labour', 社会保障: 'labour', 社保: 'labour', 劳动社保类: 'labour',
    涉法涉诉类: 'litigation', 涉诉: 'litigation',
    城乡建设类: 'construction', 住房城乡建设: 'construction',
    农村农业类: 'rural', 农业农村: 'rural', 三农: 'rural',
    生态环境类: 'environment', 环境保护: 'environment',
    退役军人事务: 'veterans', 涉军: 'veterans',
    教育医疗类: 'public_service', 教育: 'public_service', 卫生健康: 'public_service',
    其它: 'other',
  },
  incident: {
    治安案件: 'public_order', 治安警情: 'public_order', 治安类: 'public_order',
    刑事案件: 'criminal', 刑事警情: 'criminal', 刑事类: 'criminal',
    交通事故: 'traffic', 交通警情: 'traffic',
    火警: 'fire', 火灾事故: 'fire',
    群体性: 'mass', 群体事件: 'mass',
    个人极端事件: 'extreme', 极端事件: 'extreme',
    精神障碍肇事肇祸: 'mental_health', 肇事肇祸: 'mental_health',
    涉毒案件: 'drugs',
    其它: 'other',
  },
}

/** 未化解 (not yet resolved) and 调解不成功 leave the matter open: nobody has closed it. */
export const STATUS_SYNONYMS: Record<string, EventStatus> = {
  待处理: 'open', 未办结: 'open', 受理: 'open', 已受理: 'open', 未化解: 'open', 调解不成功: 'open', 待化解: 'open', 新发: 'open', 未处理: 'open',
  办理中: 'in_progress', 处理中: 'in_progress', 调处中: 'in_progress', 调解中: 'in_progress', 化解中: 'in_progress', 正在调解: 'in_progress', 跟踪化解: 'in_progress', 稳控中: 'in_progress',
  已办结: 'resolved', 已化解: 'resolved', 已调解: 'resolved', 调解成功: 'resolved', 化解成功: 'resolved', 已解决: 'resolved', 办结: 'resolved',
  已关闭: 'closed', 已回访: 'closed', 已结案: 'closed', 结案: 'closed', 已归档: 'closed',
}

/** Severity 1 minor … 4 major; ledgers grade by urgency (一般 < 较急 < 紧急 < 特急) or by risk (低/中/高). */
export const SEVERITY_SYNONYMS: Record<string, 1 | 2 | 3 | 4> = {
  轻微: 1, 低: 1, 低风险: 1, 不紧急: 1, 四级: 1,
  一般: 2, 较急: 2, 中: 2, 中风险: 2, 三级: 2,
  较大: 3, 紧急: 3, 较重: 3, 高: 3, 高风险: 3, 二级: 3,
  重大: 4, 特急: 4, 特别紧急: 4, 严重: 4, 特别重大: 4, 一级: 4,
}

export const PETITION_FORM_SYNONYMS: Record<string, (typeof PETITION_FORMS)[number]> = {
  来信: 'letter', 信件: 'letter', 来访: 'visit', 走访: 'visit', 网上: 'online', 网上信访: 'online', 网信: 'online', 热线: 'hotline', '12345': 'hotline', 电话: 'hotline',
}

export const DISPUTE_FLAG_SYNONYMS: Record<string, (typeof DISPUTE_FLAGS)[number]> = {
  群体性: 'group', 群体性纠纷: 'group', 疑难: 'difficult', 疑难复杂: 'difficult', 民转刑: 'civil_to_criminal', 极端倾向: 'extreme', 个人极端: 'extreme',
}

export const MEDIATION_SYNONYMS: Record<string, (typeof MEDIATION_KINDS)[number]> = {
  人民调解: 'people', 行政调解: 'administrative', 司法调解: 'judicial', 诉前调解: 'judicial',
}

/** A source from its code, zh label or a synonym. */
export function sourceFrom(text: string): Source | undefined {
  const t = text.trim()
  if ((SOURCES as readonly string[]).includes(t)) return t as Source
  return (Object.keys(SOURCE_LABELS) as Source[]).find((s) => SOURCE_LABELS[s].zh === t) ?? (Object.hasOwn(SOURCE_SYNONYMS, t) ? SOURCE_SYNONYMS[t] : undefined)
}

/** A category code from its code, zh label or a synonym, for one source. */
export function categoryFrom(source: Source, text: string): string | undefined {
  const t = text.trim()
  if (isCategory(source, t)) return t
  const labels = CATEGORIES[source] as Record<string, Label>
  const byLabel = Object.keys(labels).find((code) => labels[code]!.zh === t)
  if (byLabel) return byLabel
  const synonyms = CATEGORY_SYNONYMS[source] as Record<string, string>
  return Object.hasOwn(synonyms, t) ? synonyms[t] : undefined
}

/** A value of one of the plain tables above (code or synonym). */
export function codeFrom<T extends string | number>(table: Record<string, T>, codes: readonly T[], text: string): T | undefined {
  const t = text.trim()
  if ((codes as readonly unknown[]).includes(t)) return t as T
  return Object.hasOwn(table, t) ? table[t] : undefined
}
