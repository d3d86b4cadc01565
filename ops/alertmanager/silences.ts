import { HelixError } from '../../mesh/index.ts';

/** One silence matcher (Alertmanager API v2). */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface SilenceRequest {
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

/** Creates and expires Alertmanager silences. */
export interface SilenceClient {
  /** Returns the silence id. */
  create(req: SilenceRequest): Promise<string>;
  /** Expires a silence; one already gone counts as expired. */
  expire(id: string): Promise<void>;
}

/** Labels that identify an incident's alerts: the common labels, else the group labels. Pure. */
export function matchersFor(commonLabels: Record<string, string>, groupLabels: Record<string, string>): SilenceMatcher[] {
  const labels = Object.keys(commonLabels).length ? commonLabels : groupLabels;
  return Object.entries(labels)
    .filter(([name]) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/**
 * Alertmanager's API v2 over fetch: `POST /api/v2/silences`, `DELETE /api/v2/silence/{id}`.
 * A 4xx is `platform_rejected` (not retried), 5xx and network errors `platform_unavailable`.
 * @see https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
 */
export class AlertmanagerSilences implements SilenceClient {
  readonly #base: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, timeoutMs = 5_000) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
  }

  async create(req: SilenceRequest): Promise<string> {
    if (!req.matchers.length) throw new HelixError('platform_rejected', 'The incident has no labels to silence by (no common or group labels).');
    const body = { matchers: req.matchers, startsAt: req.startsAt.toISOString(), endsAt: req.endsAt.toISOString(), createdBy: req.createdBy, comment: req.comment };
    const res = await this.#call('POST', '/api/v2/silences', body);
    const json = (await res.json().catch(() => ({}))) as { silenceID?: unknown };
    if (typeof json.silenceID !== 'string') throw new HelixError('platform_unavailable', 'Alertmanager answered without a silenceID.');
    return json.silenceID;
  }

  async expire(id: string): Promise<void> {
    await this.#call('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`, undefined, [404]);
  }

  async #call(method: string, path: string, body: unknown, okStatuses: number[] = []): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new HelixError('platform_unavailable', `Alertmanager at ${this.#base} is unreachable (${(err as Error).message}); check ops.alertmanagerUrl.`, { cause: err });
    }
    if (res.ok || okStatuses.includes(res.status)) return res;
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.status >= 400 && res.status < 500) throw new HelixError('platform_rejected', `Alertmanager refused ${method} ${path} (${res.status}): ${text}`);
    throw new HelixError('platform_unavailable', `Alertmanager failed ${method} ${path} (${res.status}): ${text}`);
  }
}
