import type { CountyModel, EventFactory, SimEvent } from './generator.ts'
import { fictionalIdNumber, fictionalPhone, personName } from './generator.ts'

// Scripted stories a demo can trigger. Times are in simulated time from the trigger; the runner
// compresses them by its speed factor, and stamps each event when it is played.

const DAY = 86_400_000
const HOUR = 3_600_000

export interface ScenarioPlan {
  name: string
  /** The township the story is about (null: county-wide). */
  township: string | null
  /** Simulated duration. */
  durationMs: number
  /** Scripted events at offsets from the start (simulated ms); `make` runs when the event is played. */
  steps: Array<{ offsetMs: number; make: (factory: EventFactory, at: number) => SimEvent | undefined }>
  /** Multiplies the background rate while the scenario lasts (a sensitive-period surge). */
  rateFactor?: number
  /** More collective and skip-level petitions while it lasts. */
  tension?: number
  /** Townships whose feed goes silent while it lasts. */
  silence?: string[]
}

export interface ScenarioDefinition {
  title: string
  plan: (county: CountyModel, factory: EventFactory) => ScenarioPlan
}

const byTag = (county: CountyModel, tag: string, fallback = 0) => county.townships.find((t) => t.tags.includes(tag)) ?? county.townships[fallback]!

export const SCENARIOS: Record<string, ScenarioDefinition> = {
  /** 春节前欠薪: wage-arrears disputes cluster at an industrial park, end in collective petitions. */
  'wage-arrears': {
    title: '春节前欠薪纠纷聚集',
    plan(county, factory) {
      const township = byTag(county, 'industrial_park', 1)
      const site = `${township.name}工业园某建筑工地`
      const foreman = { name: personName(factory.rng), idNumber: fictionalIdNumber(factory.rng), phone: fictionalPhone(factory.rng) }
      const steps: ScenarioPlan['steps'] = []
      for (let i = 0; i < 12; i++) {
        const people = Math.min(40, 2 + i * 3)
        steps.push({
          offsetMs: Math.round((i * 10 * DAY) / 12),
          make: (f, at) =>
            f.make('dispute', at, {
              townshipCode: township.code,
              category: 'wages',
              peopleCount: people,
              severity: people >= 20 ? 3 : people >= 5 ? 2 : 1,
              title: `${site}${people}名务工人员反映临近春节被拖欠工资`,
              attributes: { mediation: 'administrative', employer: site, ...(people >= 5 ? { flags: ['group'] } : {}) },
              parties: [foreman],
            }),
        })
      }
      for (let i = 0; i < 3; i++) {
        steps.push({
          offsetMs: 8 * DAY + i * 12 * HOUR,
          make: (f, at) =>
            f.make('petition', at, {
              townshipCode: township.code,
              category: 'labour',
              peopleCount: 15 + i * 10,
              severity: 3,
              title: `${site}务工人员集体到县信访局反映欠薪`,
              attributes: { form: 'visit', firstTime: i === 0, repeat: i > 0, employer: site },
              parties: [foreman],
            }),
        })
      }
      return { name: 'wage-arrears', township: township.code, durationMs: 10 * DAY, steps }
    },
  },

  /** 矛盾升级: one demolition dispute becomes a collective petition, then a mass incident. */
  'demolition-escalation': {
    title: '征地拆迁矛盾升级',
    plan(county, factory) {
      const township = byTag(county, 'resettlement', 4)
      const village = township.villages[0]!
      const lead = { name: personName(factory.rng), idNumber: fictionalIdNumber(factory.rng), phone: fictionalPhone(factory.rng) }
      const neighbours = Array.from({ length: 3 }, () => ({ name: personName(factory.rng), phone: fictionalPhone(factory.rng) }))
      const where = { townshipCode: township.code, village: village.code }
      return {
        name: 'demolition-escalation',
        township: township.code,
        durationMs: 7 * DAY,
        steps: [
          {
            offsetMs: 0,
            make: (f, at) =>
              f.make('dispute', at, { ...where, category: 'demolition', peopleCount: 4, severity: 2, title: `${village.name}${lead.name.slice(0, 1)}某等4户对征地补偿标准有异议`, attributes: { mediation: 'administrative', flags: ['difficult'] }, parties: [lead, ...neighbours] }),
          },
          {
            offsetMs: 3 * DAY,
            make: (f, at) =>
              f.make('petition', at, { ...where, category: 'demolition', peopleCount: 12, severity: 3, title: `${village.name}12名村民集体上访反映征地补偿问题`, attributes: { form: 'visit', firstTime: false, repeat: true }, parties: [lead] }),
          },
          {
            offsetMs: 5 * DAY + 6 * HOUR,
            make: (f, at) =>
              f.make('petition', at, { ...where, category: 'demolition', peopleCount: 20, severity: 3, title: `${village.name}村民越级到市信访局反映征地补偿问题`, attributes: { form: 'visit', repeat: true, skipLevel: true }, parties: [lead] }),
          },
          {
            offsetMs: 6 * DAY + 9 * HOUR,
            make: (f, at) =>
              f.make('incident', at, { ...where, category: 'mass', peopleCount: 35, severity: 4, title: `${village.name}30余名村民聚集阻挠施工`, attributes: { policeStation: `${township.name.replace(/(街道|镇|乡)$/, '')}派出所` }, parties: [lead] }),
          },
        ],
      }
    },
  },

  /** 数据断流: one township's feed goes silent for two days (a gap, not calm). */
  'feed-silence': {
    title: '乡镇数据断流',
    plan(county) {
      const township = county.townships[Math.min(3, county.townships.length - 1)]!
      return { name: 'feed-silence', township: township.code, durationMs: 2 * DAY, steps: [], silence: [township.code] }
    },
  },

  /** 敏感期: three times the usual volume, more collective and skip-level petitions. */
  'sensitive-surge': {
    title: '敏感期事件激增',
    plan() {
      return { name: 'sensitive-surge', township: null, durationMs: 3 * DAY, steps: [], rateFactor: 3, tension: 4 }
    },
  },
}

export const SCENARIO_NAMES = Object.keys(SCENARIOS)
