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
