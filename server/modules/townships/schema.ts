import { z } from 'zod'
import { LEVELS } from '../../domain/taxonomy.ts'

export const TownshipCode = z.string().regex(/^\d{9}$/, 'must be a 9-digit township code')

export const Township = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.string(),
  tags: z.array(z.string()),
  seat: z.tuple([z.number(), z.number()]).nullable(),
  population: z.number().nullable(),
  score: z.number(),
  level: z.enum(LEVELS),
  silent: z.boolean(),
  updatedAt: z.date().nullable(),
})
export type Township = z.infer<typeof Township>

export const Signal = z.object({
  ruleId: z.string(),
  ruleName: z.string(),
  kind: z.string(),
  /** Points when it fired (after modifiers), and now after decay. */
  points: z.number(),
  pointsNow: z.number(),
  factor: z.number(),
  at: z.date(),
  eventIds: z.array(z.number()),
})

export const Explanation = z.object({ score: z.number(), level: z.enum(LEVELS), silent: z.boolean(), signals: z.array(Signal) })

/** A township with why it scores what it does: null when this process does not run the engine. */
export const TownshipDetail = Township.extend({ explanation: Explanation.nullable() })

export const ScoreHistory = z.object({
  township: z.string(),
  days: z.number(),
  /** Each local day's highest score and level under the live rules (a replay of stored events). */
  items: z.array(z.object({ date: z.string(), score: z.number(), level: z.enum(LEVELS) })),
})
