import { describe, expect, test } from 'vitest';
import { PagerDutyPager, type PageRequest } from '../../../ops/paging/index.ts';
import { startFakePagerDuty } from '../../fakes/paging/pagerduty-api.ts';

const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const request: PageRequest = { dedupKey: 'incident-42', incidentId: '42', summary: 'checkout availability: error budget burning fast', severity: 'critical', url: 'https://discord.com/channels/1/2/3', action: 'trigger' };
const fast = { retryBaseMs: 10, maxRetries: 2 };

describe('PagerDutyPager against a fake Events API v2', () => {
  test('GIVEN a trigger THEN one event with routing key, dedup key and payload{summary,severity,source} is enqueued', async () => {
    await using pd = await startFakePagerDuty(KEY);
    const pager = new PagerDutyPager({ routingKey: KEY, baseUrl: pd.url, source: 'helix-test', ...fast });
    await pager.page(request);
    expect(pd.events).toEqual([
      {
        routing_key: KEY,
        event_action: 'trigger',
        dedup_key: 'incident-42',
        client: 'Helix',
        payload: { summary: request.summary, severity: 'critical', source: 'helix-test', custom_details: { incident_id: '42' } },
        links: [{ href: request.url, text: 'Incident' }],
      },
    ]);
    expect(pd.requests[0]?.path).toBe('/v2/enqueue');
    await pager.close();
    await pager.close();
  });

  test('GIVEN a resolve THEN the event carries only routing key, action and dedup key', async () => {
    await using pd = await startFakePagerDuty(KEY);
    await new PagerDutyPager({ routingKey: KEY, baseUrl: pd.url, ...fast }).page({ ...request, action: 'resolve' });
    expect(pd.events).toEqual([{ routing_key: KEY, event_action: 'resolve', dedup_key: 'incident-42' }]);
  });

  test('GIVEN a summary over 1024 characters THEN it is cut to PagerDuty’s limit and accepted', async () => {
    await using pd = await startFakePagerDuty(KEY);
    await new PagerDutyPager({ routingKey: KEY, baseUrl: pd.url, ...fast }).page({ ...request, summary: 'x'.repeat(3_000) });
    expect(pd.events[0]?.payload?.summary).toHaveLength(1_024);
  });

  test('GIVEN a 429 then a 503 THEN the pager retries and the page goes through', async () => {
    await using pd = await startFakePagerDuty(KEY);
    pd.failNext({ status: 429, headers: { 'retry-after': '0' }, body: { status: 'throttle exceeded', message: 'Requests for this service are arriving too quickly.' } });
    pd.failNext({ status: 503, body: { status: 'unavailable' } });
    await new PagerDutyPager({ routingKey: KEY, baseUrl: pd.url, ...fast }).page(request);
    expect(pd.requests).toHaveLength(3);
    expect(pd.events).toHaveLength(1);
  });

  test('GIVEN 5xx on every attempt THEN retries stop at maxRetries and the error is page_failed with the status', async () => {
    await using pd = await startFakePagerDuty(KEY);
    pd.failNext({ status: 500, body: { status: 'error', message: 'internal' } }, 10);
    const err = await new PagerDutyPager({ routingKey: KEY, baseUrl: pd.url, ...fast }).page(request).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HelixError', code: 'page_failed' });
    expect((err as Error).message).toMatch(/500: internal/);
    expect(pd.requests).toHaveLength(3);
  });

  test('GIVEN a wrong routing key THEN the 400 is not retried and its reason is in the error', async () => {
    await using pd = await startFakePagerDuty(KEY);
    const err = await new PagerDutyPager({ routingKey: 'X'.repeat(32), baseUrl: pd.url, ...fast }).page(request).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_refused' });
    expect((err as Error).message).toMatch(/refused \(400: Event object is invalid Invalid routing key\)/);
    expect((err as Error).message).not.toContain('X'.repeat(32));
    expect(pd.requests).toHaveLength(1);
  });

  test('GIVEN a 429 with a Retry-After longer than the pager waits THEN it fails at once with retryAfterMs', async () => {
    await using pd = await startFakePagerDuty(KEY);
    pd.failNext({ status: 429, headers: { 'retry-after': '120' }, body: { status: 'throttle exceeded', message: 'slow down' } });
    const err = await new PagerDutyPager({ routingKey: KEY, baseUrl: pd.url, ...fast }).page(request).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_failed', retryAfterMs: 120_000 });
    expect(pd.requests).toHaveLength(1);
  });

  test('GIVEN nothing listening THEN the error is page_failed and says it is not reachable', async () => {
    const err = await new PagerDutyPager({ routingKey: KEY, baseUrl: 'http://127.0.0.1:1', ...fast, maxRetries: 0 }).page(request).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_failed' });
    expect((err as Error).message).toMatch(/not reachable/);
  });
});
