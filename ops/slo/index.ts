/** SLO rules and error budgets: what the rest of ops/ (and the `/slo` command) may use. */
export { SloSpecFile, SloSpec, SliSpec, parseSloSpec, WINDOW_PLACEHOLDER } from './spec.ts';
export {
  generateRules, renderRulesYaml, scaleWindow, errorRatioSeries, BURN_RATE_WINDOWS, SLO_ALERT_NAME, SLO_SERIES,
  type GenerateRulesOptions, type RuleFile, type RuleGroup, type RecordingRule, type AlertingRule,
} from './rules.ts';
export { PrometheusClient, type PrometheusClientOptions, type PromSample, type InstantQueryClient } from './prometheus-client.ts';
export { readBudgets, budgetOf, budgetForAlert, type SloBudget, type ReadBudgetsOptions } from './budget.ts';
export { renderSloBudgets, budgetSummary, EMBED_LIMITS, BUDGET_COLORS, type RenderBudgetsOptions } from './render.ts';
export { loadSloSpecs } from './load-specs.ts';
export { sloAlertNote } from './slo-alert-note.ts';
export { SloStatus, type SloStatusOptions, type SloStatusAnswer } from './slo-status.ts';
