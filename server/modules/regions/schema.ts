// The region tree's JSON (docs/architecture.md §3): the route schemas the client's types come from.
import { z } from 'zod'

export const Region = z.object({
  code: z.string(),
  parentCode: z.string().nullable(),
  level: z.enum(['county', 'township', 'village', 'grid']),
  name: z.string(),
  kind: z.string(),
  tags: z.array(z.string()),
  urbanRural: z.string().nullable(),
  /** Set when retired: it keeps its events and takes no new ones. */
  retiredAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
})

/** What a code-table import adds, renames, moves, reclassifies, reinstates and retires (a dry run: would). */
export const ImportResult = z.object({
  dryRun: z.boolean(),
  format: z.enum(['csv', 'xlsx']),
  encoding: z.string().nullable(),
  headerRows: z.array(z.number().int()),
  counties: z.array(z.string()),
  added: z.array(z.object({ code: z.string(), level: z.string(), name: z.string(), parentCode: z.string().nullable() })),
  renamed: z.array(z.object({ code: z.string(), level: z.string(), from: z.string(), to: z.string() })),
  moved: z.array(z.object({ code: z.string(), level: z.string(), name: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
  reclassified: z.array(z.object({ code: z.string(), name: z.string(), from: z.string().nullable(), to: z.string() })),
  reinstated: z.array(z.object({ code: z.string(), level: z.string(), name: z.string() })),
  retired: z.array(z.object({ code: z.string(), level: z.string(), name: z.string() })),
  unchanged: z.number().int(),
  skipped: z.array(z.string()),
})
