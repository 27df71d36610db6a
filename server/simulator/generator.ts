import type { CountySeed } from '../../db/seed/demo-county.ts'
import { COLLECTIVE_THRESHOLD, isCollective, type Source } from '#contract/taxonomy.ts'
import type { RegionCache } from '../modules/events/regions.ts'
import { isoInZone, wallClock } from '../modules/events/time.ts'
import { Rng } from './random.ts'

// Realistic, fictional streams for the demo county (docs/architecture.md §3). Pure: given a county, a seed and
// a time span, the same events come out every time.

export interface CountyModel {
  townships: Array<{
    code: string
    name: string
    tags: string[]
    /** Share of the county's incidents (the seed's `weight`, summing to about 1). */
    weight: number
    villages: Array<{ code: string; name: string; tags: string[]; grids: string[] }>
  }>
}

export function countyFromSeed(seed: CountySeed): CountyModel {
  return {
    townships: seed.townships.map((t) => ({
      code: t.code,
      name: t.name,
      tags: t.tags,
      weight: t.weight ?? 1 / seed.townships.length,
      villages: t.villages.map((v) => ({ code: v.code, name: v.name, tags: v.tags, grids: v.grids.map((g) => g.code) })),
    })),
  }
}

export function countyFromRegions(regions: RegionCache): CountyModel {
  return {
    townships: regions.townships().map((t) => ({
      code: t.code,
      name: t.name,
      tags: t.tags,
      weight: t.weight,
      villages: regions
        .children(t.code)
        .filter((v) => v.level === 'village')
        .map((v) => ({ code: v.code, name: v.name, tags: v.tags, grids: regions.children(v.code).map((g) => g.code) })),
    })),
  }
}

/** The county survey's volumes per month (disputes and petitions); incidents are this project's estimate. */
export const MONTHLY_VOLUME: Record<Source, number> = { dispute: 176, petition: 69, incident: 240 }

/**
 * The county's own pace, events per minute (~16 a day): the history's rate, and the live
 * simulator's default, so today's count and the trend continue the history. A higher
 * SIMULATOR_RATE is an accelerated demo, and the screens say so.
 */
export const REAL_RATE_PER_MINUTE = Object.values(MONTHLY_VOLUME).reduce((a, b) => a + b, 0) / (30 * 24 * 60)

/**
 * Relative activity per hour of the local day (mean 1): quiet at night, a morning peak when
 * offices open, an afternoon peak, incidents trailing into the evening.
 */
export const HOURLY_RHYTHM = (() => {
  const raw = [0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.45, 0.9, 1.6, 2.0, 2.0, 1.6, 0.9, 1.2, 1.8, 1.9, 1.7, 1.3, 1.0, 0.9, 0.8, 0.6, 0.4, 0.25]
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length
  return raw.map((r) => r / mean)
})()

export const SOURCE_SYSTEMS: Record<Source, string> = { dispute: 'sim-mediation', petition: 'sim-petition', incident: 'sim-110' }

const CATEGORY_WEIGHTS: Record<Source, Record<string, number>> = {
  dispute: { neighbour: 20, family: 18, land: 12, debt: 12, wages: 10, property: 8, traffic: 7, demolition: 5, medical: 3, environment: 3, other: 2 },
  petition: { demolition: 18, labour: 16, litigation: 14, construction: 12, rural: 12, environment: 8, veterans: 6, public_service: 8, other: 6 },
  incident: { public_order: 40, traffic: 20, criminal: 15, fire: 6, mental_health: 5, drugs: 4, mass: 2, extreme: 2, other: 6 },
}

/** Township tags make some categories likelier there (chronic hot spots). */
function categoryWeight(source: Source, category: string, tags: readonly string[]): number {
  const base = CATEGORY_WEIGHTS[source][category] ?? 1
  let f = 1
  if (tags.includes('industrial_park') && (category === 'wages' || category === 'labour')) f *= 2.5
  if (tags.includes('resettlement') && (category === 'demolition' || category === 'land' || category === 'rural')) f *= 2.5
  if (tags.includes('county_seat') && (category === 'property' || category === 'construction' || category === 'traffic')) f *= 2
  if (tags.includes('border') && category === 'land') f *= 2
  return base * f
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高']
const GIVEN = ['建国', '秀英', '志强', '桂兰', '海燕', '国华', '玉梅', '德明', '春生', '丽华', '文军', '小红', '永福', '淑珍', '红梅', '金山', '立新', '美玲']

const TITLES: Record<string, string[]> = {
  'dispute:neighbour': ['{v}{a}某与{b}某因排水沟堵塞引发邻里纠纷', '{v}{a}某与邻居{b}某因噪音扰民发生口角', '{v}两户村民因通行道路问题产生纠纷'],
  'dispute:family': ['{v}{a}某夫妻因家庭琐事发生矛盾', '{v}{a}某兄弟因老人赡养问题产生纠纷', '{v}{a}某与{b}某离婚财产分割纠纷'],
  'dispute:land': ['{v}{a}某与{b}某宅基地边界纠纷', '{v}两组之间山林权属争议', '{v}{a}某承包地界址纠纷'],
  'dispute:debt': ['{v}{a}某与{b}某民间借贷纠纷', '{v}{a}某与某建材店货款纠纷'],
  'dispute:wages': ['{v}某工地{n}名务工人员反映被拖欠工资', '{v}某加工厂拖欠{a}某等工人工资', '{v}某装修队工程款及工资结算纠纷'],
  'dispute:property': ['{v}小区业主与物业公司因物业费问题产生纠纷', '{v}小区电梯维修费用分摊纠纷'],
  'dispute:traffic': ['{v}{a}某与{b}某交通事故赔偿纠纷'],
  'dispute:demolition': ['{v}{a}某对征地补偿标准有异议', '{v}拆迁安置房分配纠纷'],
  'dispute:medical': ['{a}某家属与乡镇卫生院医疗纠纷'],
  'dispute:environment': ['{v}村民反映养殖场异味扰民', '{v}村民反映加工厂噪音粉尘污染'],
  'dispute:other': ['{v}{a}某与{b}某其他民事纠纷'],
  'petition:demolition': ['{a}某反映{v}征地补偿款未足额发放', '{v}村民联名反映拆迁安置问题'],
  'petition:labour': ['{a}某反映社保缴费年限认定问题', '{n}名务工人员反映{v}某企业欠薪'],
  'petition:litigation': ['{a}某对法院判决执行情况不满', '{a}某反映案件久拖未决'],
  'petition:construction': ['{v}居民反映道路施工影响出行', '{a}某反映违章建筑未处理'],
  'petition:rural': ['{v}村民反映村务公开不及时', '{a}某反映惠农补贴发放问题'],
  'petition:environment': ['{v}村民反映河道采砂破坏环境', '{v}群众反映垃圾中转站选址问题'],
  'petition:veterans': ['退役军人{a}某反映优抚待遇问题'],
  'petition:public_service': ['{a}某反映子女入学问题', '{v}群众反映卫生室服务问题'],
  'petition:other': ['{a}某反映其他问题'],
  'incident:public_order': ['{v}发生打架斗殴警情', '{v}某饭店酒后滋事', '{v}邻里纠纷引发推搡'],
  'incident:traffic': ['{v}路口两车相撞', '{v}电动车与行人碰撞'],
  'incident:criminal': ['{v}发生入室盗窃', '{v}电信诈骗报警', '{v}摩托车被盗'],
  'incident:fire': ['{v}民房起火', '{v}山林火情'],
  'incident:mental_health': ['{v}精神障碍患者肇事警情'],
  'incident:drugs': ['{v}涉毒线索举报'],
  'incident:mass': ['{v}群众聚集讨要说法', '{v}{n}余人聚集堵路'],
  'incident:extreme': ['{v}{a}某扬言实施极端行为'],
  'incident:other': ['{v}群众求助'],
}

export interface SimEvent {
  source: Source
  sourceSystem: string
  externalId: string
  township: string
  village: string
  grid?: string
  category: string
  severity: number
  peopleCount: number
  occurredAt: string
  reportedAt: string
  status: 'open' | 'in_progress' | 'resolved' | 'closed'
  title: string
  summary?: string
  attributes: Record<string, unknown>
  parties?: Array<{ name?: string; idNumber?: string; phone?: string }>
}

export function personName(rng: Rng): string {
  return rng.pick(SURNAMES) + rng.pick(GIVEN)
}

/** A fictional 18-character ID: the fictional county code 990100 and a valid check digit. */
export function fictionalIdNumber(rng: Rng): string {
  const year = rng.int(1950, 2004)
  const body = `990100${year}${String(rng.int(1, 12)).padStart(2, '0')}${String(rng.int(1, 28)).padStart(2, '0')}${String(rng.int(0, 999)).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0)
  return body + '10X98765432'[sum % 11]!
}

/** 100-prefixed numbers are not allocated to mobiles: never a real person's phone. */
export const fictionalPhone = (rng: Rng) => `100${String(rng.int(0, 99_999_999)).padStart(8, '0')}`

export interface GenerateOptions {
  tz: string
  /** Prefix of externalIds: deterministic ids make re-sends duplicates, never new events. */
  idPrefix: string
  /** Incidents follow the seed weights; disputes and petitions are a little flatter. */
  sourceWeights?: Record<Source, number>
  /** Townships that send nothing (a silent feed). */
  silent?: ReadonlySet<string>
  /** Extra weight for petitions' skip-level visits and collective events (a sensitive period). */
  tension?: number
}

export class EventFactory {
  readonly #county: CountyModel
  readonly #rng: Rng
  readonly #options: GenerateOptions
  #seq = 0

  constructor(county: CountyModel, rng: Rng, options: GenerateOptions) {
    this.#county = county
    this.#rng = rng
    this.#options = { ...options }
  }

  get rng(): Rng {
    return this.#rng
  }

  /** Changes who is silent and how tense things are (scenarios start and end). */
  configure(changes: Pick<GenerateOptions, 'silent' | 'tension'>): void {
    Object.assign(this.#options, changes)
  }

  nextId(): string {
    return `${this.#options.idPrefix}-${(++this.#seq).toString().padStart(6, '0')}`
  }

  pickSource(): Source {
    const w = this.#options.sourceWeights ?? MONTHLY_VOLUME
    return this.#rng.weighted(['dispute', 'petition', 'incident'] as const, (s) => w[s])
  }

  pickTownship(source: Source, silent: ReadonlySet<string> = this.#options.silent ?? new Set()) {
    const candidates = this.#county.townships.filter((t) => !silent.has(t.code))
    if (!candidates.length) return undefined
    // Incidents: exactly the seed's concentration; disputes and petitions are spread a bit wider.
    return this.#rng.weighted(candidates, (t) => (source === 'incident' ? t.weight : Math.pow(t.weight, 0.8)))
  }

  /** One plausible event at `at` (epoch ms), or undefined when every township is silent. */
  make(source: Source, at: number, overrides: Partial<SimEvent> & { townshipCode?: string } = {}): SimEvent | undefined {
    const rng = this.#rng
    const township = overrides.townshipCode ? this.#county.townships.find((t) => t.code === overrides.townshipCode) : this.pickTownship(source)
    if (!township) return undefined
    const village = township.villages.find((v) => v.code === overrides.village) ?? rng.pick(township.villages)
    const category = overrides.category ?? rng.weighted(Object.keys(CATEGORY_WEIGHTS[source]), (c) => categoryWeight(source, c, [...township.tags, ...village.tags]))
    const tension = this.#options.tension ?? 1
    const collective = source !== 'incident' ? rng.chance(0.04 * tension) : category === 'mass'
    const peopleCount = overrides.peopleCount ?? (collective ? rng.int(COLLECTIVE_THRESHOLD, 30) : rng.chance(0.25) ? rng.int(2, 4) : 1)
    const severity = overrides.severity ?? (category === 'mass' || category === 'extreme' ? rng.int(3, 4) : isCollective(peopleCount) ? rng.int(2, 3) : rng.weighted([1, 2, 3], (s) => (s === 1 ? 70 : s === 2 ? 25 : 5)))
    const a = rng.pick(SURNAMES)
    const b = rng.pick(SURNAMES)
    const template = rng.pick(TITLES[`${source}:${category}`] ?? ['{v}事件'])
    const title = template.replace('{v}', village.name).replace('{a}', a).replace('{b}', b).replace('{n}', String(peopleCount))
    const attributes: Record<string, unknown> = {}
    if (source === 'petition') {
      attributes['form'] = rng.weighted(['visit', 'letter', 'online', 'hotline'] as const, (f) => ({ visit: 30, letter: 15, online: 35, hotline: 20 })[f])
      const repeat = rng.chance(0.25)
      attributes['firstTime'] = !repeat
      attributes['repeat'] = repeat
      if (rng.chance(0.04 * tension)) attributes['skipLevel'] = true
      if (rng.chance(0.01 * tension)) attributes['abnormal'] = true
    } else if (source === 'dispute') {
      attributes['mediation'] = rng.weighted(['people', 'administrative', 'judicial'] as const, (m) => ({ people: 80, administrative: 15, judicial: 5 })[m])
      const flags: string[] = []
      if (isCollective(peopleCount)) flags.push('group')
      if (rng.chance(0.08)) flags.push('difficult')
      if (rng.chance(0.01)) flags.push('civil_to_criminal')
      if (flags.length) attributes['flags'] = flags
    } else {
      attributes['policeStation'] = `${township.name.replace(/(街道|镇|乡)$/, '')}派出所`
    }
    const parties = source === 'incident' && rng.chance(0.6) ? undefined : Array.from({ length: Math.min(peopleCount, rng.int(1, 2)) }, () => ({
      name: personName(rng),
      ...(rng.chance(0.7) ? { idNumber: fictionalIdNumber(rng) } : {}),
      ...(rng.chance(0.8) ? { phone: fictionalPhone(rng) } : {}),
    }))
    const lagMs = source === 'incident' ? rng.int(0, 10) * 60_000 : rng.int(10, 240) * 60_000
    const event: SimEvent = {
      source,
      sourceSystem: SOURCE_SYSTEMS[source],
      externalId: this.nextId(),
      township: township.code,
      village: village.code,
      ...(village.grids.length && rng.chance(0.7) ? { grid: rng.pick(village.grids) } : {}),
      category,
      severity,
      peopleCount,
      occurredAt: isoInZone(at - lagMs, this.#options.tz),
      reportedAt: isoInZone(at, this.#options.tz),
      status: 'open',
      title,
      attributes,
      ...(parties?.length ? { parties } : {}),
    }
    const { townshipCode: _t, ...rest } = overrides
    return { ...event, ...rest }
  }
}

/** Expected events per millisecond at `at`, for a mean rate (per minute) and the daily rhythm. */
export function intensity(ratePerMinute: number, at: number, tz: string): number {
  return (ratePerMinute / 60_000) * HOURLY_RHYTHM[wallClock(at, tz).hour]!
}

/**
 * The demo county's history over [from, to): the survey's monthly volumes with the daily rhythm,
 * older events mostly resolved. Deterministic in (county, seed, from, to).
 */
export function backfill(county: CountyModel, options: { seed: string; from: number; to: number; tz: string }): SimEvent[] {
  const rng = new Rng(`${options.seed}:backfill`)
  const factory = new EventFactory(county, rng, { tz: options.tz, idPrefix: `SIM-BF-${options.seed}` })
  const perMinute = REAL_RATE_PER_MINUTE
  const events: SimEvent[] = []
  const hour = 3_600_000
  for (let t = Math.floor(options.from / hour) * hour; t < options.to; t += hour) {
    const n = rng.poisson(intensity(perMinute, t, options.tz) * hour)
    for (let i = 0; i < n; i++) {
      const at = t + rng.int(0, hour - 1)
      if (at < options.from || at >= options.to) continue
      const e = factory.make(factory.pickSource(), at)
      if (!e) continue
      const ageDays = (options.to - at) / 86_400_000
      e.status = ageDays > 14 ? rng.weighted(['resolved', 'closed', 'in_progress'] as const, (s) => ({ resolved: 50, closed: 40, in_progress: 10 })[s]) : ageDays > 3 ? rng.weighted(['open', 'in_progress', 'resolved'] as const, (s) => ({ open: 20, in_progress: 50, resolved: 30 })[s]) : 'open'
      events.push(e)
    }
  }
  events.sort((x, y) => x.occurredAt.localeCompare(y.occurredAt))
  return events
}
