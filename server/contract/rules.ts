// The rule-set document the workbench edits and the server validates (docs/architecture.md,
// "Rules"): its kinds, levels and variables are defined once, in the pure domain, and reach the
// client through here. Pure.
export { ALERT_LEVELS, ANOMALY_METHODS, RULE_KINDS, type AlertLevel, type AnomalyMethod, type Levels, type RuleDocument, type RuleKind, type RuleSetDocument } from '../domain/ruleset.ts'
export { RULE_VARIABLES } from '../domain/rule-language.ts'
export type { RulesetSummary } from '../modules/rulesets/schema.ts'
