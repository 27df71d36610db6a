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
