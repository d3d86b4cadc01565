// A fake of PagerDuty's Events API v2 (`POST /v2/enqueue`), answering like the real one: 202 with
// {status: "success", message: "Event processed", dedup_key}, 400 {status: "invalid event", message, errors}.
// @see https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty
import { randomUUID } from 'node:crypto';
import { type FakeHttpApi, startFakeHttpApi } from './http-fake.ts';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key?: string;
  payload?: { summary: string; severity: string; source: string; custom_details?: Record<string, unknown> };
  links?: { href: string; text?: string }[];
  client?: string;
}

export interface FakePagerDuty extends FakeHttpApi {
  /** Events accepted (202), in order. */
  readonly events: PagerDutyEvent[];
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/** Starts the fake on 127.0.0.1; only `routingKey` is accepted. */
export async function startFakePagerDuty(routingKey: string): Promise<FakePagerDuty> {
  const events: PagerDutyEvent[] = [];
  const invalid = (errors: string[]) => ({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } });
  const api = await startFakeHttpApi((req) => {
    if (req.method !== 'POST' || req.path !== '/v2/enqueue') return { status: 404, body: { status: 'not found', message: 'Not found' } };
    if (!String(req.headers['content-type']).startsWith('application/json')) return invalid(['Content-Type must be application/json']);
    let event: PagerDutyEvent;
    try {
      event = JSON.parse(req.body) as PagerDutyEvent;
    } catch {
      return { status: 400, body: { status: 'invalid request', message: 'Malformed JSON' } };
    }
    const errors: string[] = [];
    if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) errors.push("'routing_key' must be 32 characters");
    if (!['trigger', 'acknowledge', 'resolve'].includes(event.event_action)) errors.push("'event_action' is invalid");
    if (event.event_action !== 'trigger' && !event.dedup_key) errors.push("'dedup_key' is required for acknowledge and resolve");
    if (event.dedup_key !== undefined && event.dedup_key.length > 255) errors.push("'dedup_key' is too long");
    if (event.event_action === 'trigger') {
      const p = event.payload;
      if (!p) errors.push("'payload' is missing");
      else {
        if (!p.summary || p.summary.length > 1024) errors.push("'payload.summary' must be 1-1024 characters");
        if (!SEVERITIES.has(p.severity)) errors.push("'payload.severity' is invalid");
        if (!p.source) errors.push("'payload.source' is missing");
      }
    }
    if (errors.length) return invalid(errors);
    // A well-formed event for an unknown integration is refused too (what PagerDuty does for a wrong key).
    if (event.routing_key !== routingKey) return invalid(['Invalid routing key']);
    events.push(event);
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? randomUUID().replace(/-/g, '') } };
  });
  return Object.assign(api, { events });
}
