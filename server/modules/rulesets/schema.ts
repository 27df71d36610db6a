import { z } from 'zod'
import { DbId } from '../../validation.ts'

export const RulesetId = DbId

export const RulesetSummary = z.object({
  id: z.number(),
  version: z.number(),
  status: z.enum(['draft', 'published', 'retired']),
  comment: z.string().nullable(),
  basedOn: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.date(),
  publishedAt: z.date().nullable(),
  publishedBy: z.string().nullable(),
  publishComment: z.string().nullable(),
})
export type RulesetSummary = z.infer<typeof RulesetSummary>

export const RulesetWithDocument = RulesetSummary.extend({ document: z.unknown() })

export const RuleSetError = z.object({
  path: z.string(),
  message: z.string(),
  position: z.object({ line: z.number(), column: z.number(), offset: z.number() }).optional(),
  /** The evaluation budget's refusals: their `message` is zh-CN, `messageEn` English (server/domain/rule-language.ts). */
  code: z.enum(['rule_over_budget', 'rule_regex_unsupported']).optional(),
  messageEn: z.string().optional(),
})

/** Far above any real county's rule set; a larger document costs seconds to check and megabytes of errors. */
export const MAX_RULES = 200
export const MAX_MODIFIERS = 50

/** A rule set (docs/architecture.md §5) plus `comment` and, for a draft made from another version, `basedOn`. */
export const RulesetInput = z.looseObject({
  comment: z.string().max(2000, 'at most 2000 characters').optional(),
  // Only the sizes here: the document itself (a wrong type too) is checked by validateRuleSet, with paths and positions.
  rules: z.unknown().optional().refine((v) => !Array.isArray(v) || v.length <= MAX_RULES, `at most ${MAX_RULES} rules`),
  modifiers: z.unknown().optional().refine((v) => !Array.isArray(v) || v.length <= MAX_MODIFIERS, `at most ${MAX_MODIFIERS} modifiers`),
  basedOn: z.number().int().positive().max(2 ** 31 - 1, 'no such version').optional(),
})

export const PublishInput = z.object({ comment: z.string().trim().min(1, 'say why you publish (it goes into the audit log)').max(2000, 'at most 2000 characters') })

/** 400 for an invalid rule set: the usual error shape plus the contract's `errors` list (docs/architecture.md §5). */
export const RulesetInvalid = z.object({
  error: z.object({ code: z.literal('invalid_ruleset'), message: z.string(), fields: z.array(z.object({ field: z.string(), message: z.string() })) }),
  errors: z.array(RuleSetError),
})
