import type { Logger } from '../../mesh/index.ts';
import { readBudgets, type SloBudget } from './budget.ts';
import { loadSloSpecs } from './load-specs.ts';
import { PrometheusClient, type InstantQueryClient } from './prometheus-client.ts';
import { sloAlertNote } from './slo-alert-note.ts';
import type { SloSpecFile } from './spec.ts';

/** What `/slo` can say: the budgets, or why there are none to show (and what to set). */
export type SloStatusAnswer = { ok: true; budgets: SloBudget[] } | { ok: false; reason: string };

export interface SloStatusOptions {
  /** The parsed spec files. */
  specs: readonly SloSpecFile[];
  /** Why the specs could not be loaded (shown by `/slo` instead of budgets); the service runs on without them. */
  loadError?: string;
  /** Prometheus that evaluates the generated rules; unset: no budgets (slo.prometheusUrl). */
  prometheus?: InstantQueryClient;
  /** The window scale the rules were generated with (tests shorten windows). @defaultValue `1` */
  windowScale?: number;
}

/**
 * The SLO side of ops: every SLO's error budget for `/slo`, and the budget line for a page about an
 * SLO burn-rate alert, both read live from Prometheus. Never throws: a missing Prometheus or a bad spec
 * becomes an answer that says what to fix, because ops must keep paging without them.
 */
export class SloStatus {
  readonly #o: SloStatusOptions;

  constructor(opts: SloStatusOptions) {
    this.#o = opts;
  }

  /** Loads `slo.specFiles` (relative to `cwd`) and builds the Prometheus client; a bad spec is logged and reported by `/slo`. */
  static async fromConfig(slo: { specFiles: readonly string[]; prometheusUrl?: string | undefined; queryTimeoutMs: number }, cwd: string, log: Logger): Promise<SloStatus> {
    let specs: SloSpecFile[] = [];
    let loadError: string | undefined;
    try {
      specs = await loadSloSpecs(slo.specFiles, cwd);
    } catch (err) {
      loadError = (err as Error).message;
      log.error({ err: loadError }, 'SLO specs not loaded: /slo and SLO pages show no budgets until slo.specFiles is fixed');
    }
    const prometheus = slo.prometheusUrl ? new PrometheusClient({ baseUrl: slo.prometheusUrl, timeoutMs: slo.queryTimeoutMs }) : undefined;
    return new SloStatus({ specs, ...(loadError ? { loadError } : {}), ...(prometheus ? { prometheus } : {}) });
  }

  /** Every SLO's budget (or one service's), worst first when rendered. */
  async budgets(service?: string, signal?: AbortSignal): Promise<SloStatusAnswer> {
    const { specs, loadError, prometheus } = this.#o;
    if (loadError) return { ok: false, reason: `The SLO spec files could not be loaded, so there is nothing to show. Fix slo.specFiles:\n${loadError.slice(0, 1_500)}` };
    if (service !== undefined && !specs.some((f) => f.service === service)) {
      const known = specs.map((f) => f.service);
      return { ok: false, reason: `No SLOs are defined for ${service}. ${known.length ? `Known services: ${known.join(', ')}.` : 'No SLO spec files are configured (slo.specFiles).'}` };
    }
    if (!prometheus) return { ok: false, reason: 'No Prometheus is configured to read error budgets from. Set slo.prometheusUrl (HELIX_SLO__PROMETHEUS_URL) to the Prometheus that loads the rules of `npm run slo:rules`.' };
    try {
      const budgets = await readBudgets(prometheus, specs, { ...(service ? { service } : {}), windowScale: this.#o.windowScale ?? 1, ...(signal ? { signal } : {}) });
      return { ok: true, budgets };
    } catch (err) {
      return { ok: false, reason: `Could not read the error budgets: ${(err as Error).message.slice(0, 500)}` };
    }
  }

  /** The budget line for a page about this alert (labels of a generated SLO burn-rate alert); `undefined` for any other alert. */
  async alertNote(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<string | undefined> {
    const { specs, prometheus } = this.#o;
    if (!prometheus) return undefined;
    return sloAlertNote(prometheus, specs, labels, { windowScale: this.#o.windowScale ?? 1, ...(signal ? { signal } : {}) });
  }
}
