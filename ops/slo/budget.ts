import { parseDuration } from './duration.ts';
import type { InstantQueryClient, PromSample } from './prometheus-client.ts';
import { SLO_SERIES, scaleWindow } from './rules.ts';
import type { SloSpecFile } from './spec.ts';

/** Where one SLO stands: how much error budget is left over its window and how fast it is burning. */
export interface SloBudget {
  readonly service: string;
  readonly slo: string;
  readonly description: string | undefined;
  /** Target in percent (99.9). */
  readonly objective: number;
  /** The SLO window as written in the spec (`30d`). */
  readonly window: string;
  /** Fraction of the window's error budget left: 1 = untouched, 0 = spent, below 0 = overspent. `undefined`: no data. */
  readonly remaining: number | undefined;
  /** Current burn rate (error ratio over the last hour / error budget): 1 spends the budget exactly over the window. */
  readonly burnRate: number | undefined;
  /** Time until the budget is spent at the current burn rate; `Infinity` when not burning, 0 when already spent. */
  readonly exhaustsInMs: number | undefined;
  /** `no_data` (nothing recorded yet: rules not loaded or no traffic), `exhausted`, `burning` (burn rate above 1) or `ok`. */
  readonly status: 'ok' | 'burning' | 'exhausted' | 'no_data';
}

export interface ReadBudgetsOptions {
  /** Only this service's SLOs (`/slo <service>`). */
  service?: string;
  /** The window scale the rules were generated with; it scales the window used for the time to exhaustion. @defaultValue `1` */
  windowScale?: number;
  /** Evaluation time. @defaultValue now */
  time?: Date;
  signal?: AbortSignal;
}

/**
 * Reads every SLO's error budget from Prometheus: the generated recording rules (`slo:period_error_budget_remaining:ratio`,
 * `slo:current_burn_rate:ratio`), two instant queries for all SLOs at once. SLOs Prometheus has no series for come back
 * as `no_data`, so a missing rule file shows in `/slo` instead of hiding the SLO.
 */
export async function readBudgets(client: InstantQueryClient, specs: readonly SloSpecFile[], opts: ReadBudgetsOptions = {}): Promise<SloBudget[]> {
  const files = opts.service === undefined ? specs : specs.filter((f) => f.service === opts.service);
  if (files.length === 0) return [];
  const filter = opts.service === undefined ? '' : `{service=${JSON.stringify(opts.service)}}`;
  const q = { time: opts.time, signal: opts.signal };
  const [remaining, burn] = await Promise.all([client.query(`${SLO_SERIES.budgetRemaining}${filter}`, q), client.query(`${SLO_SERIES.currentBurnRate}${filter}`, q)]);
  const byKey = (samples: PromSample[]) => new Map(samples.map((s) => [`${s.labels.service}/${s.labels.slo}`, s.value]));
  const remainingBy = byKey(remaining);
  const burnBy = byKey(burn);
  return files.flatMap((file) =>
    file.slos.map((slo) => {
      const key = `${file.service}/${slo.name}`;
      const windowMs = parseDuration(scaleWindow(slo.window, opts.windowScale ?? 1)) ?? 0;
      return budgetOf({
        service: file.service,
        slo: slo.name,
        description: slo.description,
        objective: slo.objective,
        window: slo.window,
        windowMs,
        remaining: finite(remainingBy.get(key)),
        burnRate: finite(burnBy.get(key)),
      });
    }),
  );
}

/** Computes status and time to exhaustion from the two recorded numbers; pure. */
export function budgetOf(input: { service: string; slo: string; description?: string | undefined; objective: number; window: string; windowMs: number; remaining: number | undefined; burnRate: number | undefined }): SloBudget {
  const { remaining, burnRate } = input;
  let exhaustsInMs: number | undefined;
  if (remaining !== undefined && burnRate !== undefined) {
    // At burn rate 1 the whole budget lasts exactly one window, so what is left lasts remaining × window / burnRate.
    exhaustsInMs = remaining <= 0 ? 0 : burnRate <= 0 ? Number.POSITIVE_INFINITY : (remaining * input.windowMs) / burnRate;
  }
  const status = remaining === undefined ? 'no_data' : remaining <= 0 ? 'exhausted' : burnRate !== undefined && burnRate > 1 ? 'burning' : 'ok';
  return { service: input.service, slo: input.slo, description: input.description, objective: input.objective, window: input.window, remaining, burnRate, exhaustsInMs, status };
}

/** Finds the budget for an alert's labels (`service`, `slo`), for a page about that alert. */
export function budgetForAlert(budgets: readonly SloBudget[], labels: Readonly<Record<string, string>>): SloBudget | undefined {
  return budgets.find((b) => b.service === labels.service && b.slo === labels.slo);
}

function finite(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}
