import { z } from 'zod';
import { HelixError, type Logger } from '../../mesh/index.ts';
import { DefaultPagerHttpOptions, type PagerHttpOptions, definedOnly, postForPage } from './http.ts';
import type { Pager, PageRequest } from './pager.ts';

/** PagerDuty Events API v2 limits. @see https://developer.pagerduty.com/docs/events-api-v2-overview */
export const PAGERDUTY_LIMITS = { summary: 1_024, dedupKey: 255 } as const;

export interface PagerDutyPagerOptions extends Partial<PagerHttpOptions> {
  /** The integration's routing key (Events API v2). Secret. */
  routingKey: string;
  /** @defaultValue `https://events.pagerduty.com` */
  baseUrl?: string;
  /** `payload.source`: what is affected. @defaultValue `helix` */
  source?: string;
  /** Logs each page sent (never the routing key). */
  log?: Logger;
}

const EnqueueAccepted = z.object({ status: z.string(), message: z.string().optional(), dedup_key: z.string().optional() });

/**
 * Pages through PagerDuty Events API v2 (`POST /v2/enqueue`): `trigger` opens or updates the alert for the
 * dedup key, `resolve` closes it. PagerDuty answers 202; 400 is an invalid event, 429 a throttle.
 * @see https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty
 */
export class PagerDutyPager implements Pager {
  readonly kind = 'pagerduty' as const;
  readonly #routingKey: string;
  readonly #url: string;
  readonly #source: string;
  readonly #http: PagerHttpOptions;
  readonly #log: Logger | undefined;
  #closed = false;

  constructor(opts: PagerDutyPagerOptions) {
    if (!opts.routingKey) throw new RangeError('routingKey must be set (paging.pagerduty.routingKey)');
    this.#routingKey = opts.routingKey;
    this.#url = `${(opts.baseUrl ?? 'https://events.pagerduty.com').replace(/\/+$/, '')}/v2/enqueue`;
    this.#source = opts.source ?? 'helix';
    this.#http = { ...DefaultPagerHttpOptions, ...definedOnly(opts) };
    this.#log = opts.log;
  }

  async page(request: PageRequest): Promise<void> {
    if (this.#closed) throw new HelixError('page_failed', 'PagerDuty pager is closed.');
    const dedupKey = request.dedupKey.slice(0, PAGERDUTY_LIMITS.dedupKey);
    const event =
      request.action === 'resolve'
        ? { routing_key: this.#routingKey, event_action: 'resolve', dedup_key: dedupKey }
        : {
            routing_key: this.#routingKey,
            event_action: 'trigger',
            dedup_key: dedupKey,
            client: 'Helix',
            payload: {
              summary: request.summary.slice(0, PAGERDUTY_LIMITS.summary),
              severity: request.severity,
              source: this.#source,
              custom_details: { incident_id: request.incidentId },
            },
            ...(request.url ? { links: [{ href: request.url, text: 'Incident' }] } : {}),
          };
    const body = await postForPage(this.#url, { json: event }, `PagerDuty ${request.action} of ${request.incidentId}`, this.#http);
    const accepted = EnqueueAccepted.safeParse(body);
    if (!accepted.success || accepted.data.status !== 'success') {
      throw new HelixError('page_failed', `PagerDuty ${request.action} of ${request.incidentId}: unexpected answer ${JSON.stringify(body).slice(0, 200)}. Is paging.pagerduty.baseUrl the Events API?`);
    }
    this.#log?.info({ pager: 'pagerduty', incident_id: request.incidentId, action: request.action, dedup_key: dedupKey }, 'PagerDuty event accepted');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

