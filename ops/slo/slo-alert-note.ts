import { budgetForAlert, readBudgets } from './budget.ts';
import type { InstantQueryClient } from './prometheus-client.ts';
import { budgetSummary } from './render.ts';
import { SLO_ALERT_NAME } from './rules.ts';
import type { SloSpecFile } from './spec.ts';

/**
 * The line a page (or incident message) about an SLO burn-rate alert adds: error budget left and time to
 * exhaustion at the current burn rate, read from Prometheus now. `undefined` when the alert is not one of
 * the generated SLO alerts or names an SLO no spec defines. Never throws: when Prometheus cannot answer,
 * the line says so, because the page itself matters more than the number.
 */
export async function sloAlertNote(
  client: InstantQueryClient,
  specs: readonly SloSpecFile[],
  labels: Readonly<Record<string, string>>,
  opts: { windowScale?: number; signal?: AbortSignal } = {},
): Promise<string | undefined> {
  if (labels.alertname !== SLO_ALERT_NAME || !labels.service || !labels.slo) return undefined;
  if (!specs.some((f) => f.service === labels.service && f.slos.some((s) => s.name === labels.slo))) return undefined;
  try {
    const budgets = await readBudgets(client, specs, { service: labels.service, ...opts });
    const budget = budgetForAlert(budgets, labels);
    return budget ? budgetSummary(budget) : undefined;
  } catch (err) {
    return `${labels.service} ${labels.slo}: error budget unavailable (${(err as Error).message.split('\n')[0]?.slice(0, 200)}).`;
  }
}
