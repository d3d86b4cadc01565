import { ApiRequestError, ApiResponseError } from 'twitter-api-v2';
import { describe, expect, test } from 'vitest';
import { toHelixError } from '../../../../bots/x/x-errors.ts';

const now = 1_700_000_000_000;
const responseError = (code: number, data: Record<string, unknown>, rateLimit?: { limit: number; remaining: number; reset: number }) =>
  new ApiResponseError(`Request failed with code ${code}`, { code, data: data as never, rateLimit, headers: {}, request: {} as never, response: {} as never });

describe('toHelixError', () => {
  test('GIVEN a 429 with x-rate-limit-reset THEN platform_rate_limited waiting until the reset', () => {
    const e = toHelixError(responseError(429, { title: 'Too Many Requests' }, { limit: 300, remaining: 0, reset: now / 1000 + 42 }), 'the post', now);
    expect(e).toMatchObject({ code: 'platform_rate_limited', retryAfterMs: 42_000 });
  });

  test('GIVEN a 429 without headers THEN a 15-minute wait', () => {
    expect(toHelixError(responseError(429, {}), 'the post', now).retryAfterMs).toBe(15 * 60_000);
  });

  test('GIVEN a 403 (too long, duplicate) THEN platform_rejected with X\'s detail', () => {
    const e = toHelixError(responseError(403, { title: 'Forbidden', detail: 'You are not permitted to perform this action.' }), 'the post', now);
    expect(e.code).toBe('platform_rejected');
    expect(e.message).toContain('You are not permitted to perform this action.');
  });

  test('GIVEN a 401 THEN platform_rejected naming the credential keys', () => {
    expect(toHelixError(responseError(401, { title: 'Unauthorized' }), 'the post', now).message).toMatch(/x\.appKey.*x\.accessSecret/);
  });

  test('GIVEN a 503 or a network error THEN platform_unavailable (retried)', () => {
    expect(toHelixError(responseError(503, {}), 'the post', now).code).toBe('platform_unavailable');
    const net = new ApiRequestError('Request failed.', { request: {} as never, error: new Error('ECONNREFUSED') });
    expect(toHelixError(net, 'the post', now).code).toBe('platform_unavailable');
  });
});
