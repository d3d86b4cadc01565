import { GraphqlResponseError } from '@octokit/graphql';
import { RequestError } from '@octokit/request-error';
import { describe, expect, test } from 'vitest';
import { toHelixError } from '../../../../bots/github/rest-errors.ts';

const gql = (type: string, headers: Record<string, string> = {}) =>
  new GraphqlResponseError({ method: 'POST', url: '/graphql' } as never, headers as never, { data: { addDiscussionComment: null }, errors: [{ type, message: `${type} happened`, path: ['addDiscussionComment'], locations: [] }] } as never);

describe('toHelixError', () => {
  test('GIVEN GraphQL NOT_FOUND or UNPROCESSABLE THEN platform_rejected naming the type (dead-lettered, not retried)', () => {
    for (const type of ['NOT_FOUND', 'UNPROCESSABLE', 'FORBIDDEN']) {
      const e = toHelixError(gql(type), 'reply r1');
      expect(e.code).toBe('platform_rejected');
      expect(e.message).toContain(type);
    }
  });

  test('GIVEN GraphQL RATE_LIMITED THEN platform_rate_limited waiting until x-ratelimit-reset', () => {
    const now = 1_700_000_000_000;
    const e = toHelixError(gql('RATE_LIMITED', { 'x-ratelimit-reset': String(now / 1000 + 90) }), 'reply r1', now);
    expect(e.code).toBe('platform_rate_limited');
    expect(e.retryAfterMs).toBe(90_000);
  });

  test('GIVEN a REST 403 secondary rate limit with Retry-After THEN rate-limited for that long; a 502 is retried as unavailable', () => {
    const limited = new RequestError('You have exceeded a secondary rate limit', 403, { request: { method: 'POST', url: '/x', headers: {} }, response: { status: 403, url: '/x', headers: { 'retry-after': '7' }, data: {} } });
    expect(toHelixError(limited, 'reply r1')).toMatchObject({ code: 'platform_rate_limited', retryAfterMs: 7_000 });
    const down = new RequestError('Bad gateway', 502, { request: { method: 'POST', url: '/x', headers: {} }, response: { status: 502, url: '/x', headers: {}, data: {} } });
    expect(toHelixError(down, 'reply r1').code).toBe('platform_unavailable');
  });

  test('GIVEN a REST 429 whose Retry-After is an HTTP date THEN rate-limited until that date', () => {
    const now = Date.UTC(2026, 10, 30, 12, 0, 0);
    const at = new Date(now + 45_000).toUTCString();
    const limited = new RequestError('Too many requests', 429, { request: { method: 'POST', url: '/x', headers: {} }, response: { status: 429, url: '/x', headers: { 'retry-after': at }, data: {} } });
    expect(toHelixError(limited, 'reply r1', now)).toMatchObject({ code: 'platform_rate_limited', retryAfterMs: 45_000 });
  });
});
