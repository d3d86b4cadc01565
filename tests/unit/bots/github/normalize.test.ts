import { describe, expect, test } from 'vitest';
import { mentions, quoteOf, toInboundTurn, withoutHandle } from '../../../../bots/github/normalize.ts';
import { toHelixError } from '../../../../bots/github/rest-errors.ts';
import { newTraceparent } from '../../../../mesh/index.ts';

const app = { slug: 'helix', appId: 7 };
const base = (body: string, user = { login: 'alice', type: 'User' }) => ({
  action: 'created',
  issue: { number: 3, title: 'T', node_id: 'I_1' },
  comment: { id: 11, node_id: 'IC_11', body, user, performed_via_github_app: null },
  repository: { name: 'r', owner: { login: 'o' } },
  sender: user,
  installation: { id: 99 },
});

describe('github normalize', () => {
  test('mentions match the whole handle only', () => {
    expect(mentions('@helix what?', 'helix')).toBe(true);
    expect(mentions('hey @Helix, what?', 'helix')).toBe(true);
    expect(mentions('@helix-bot what?', 'helix')).toBe(false);
    expect(mentions('mail me at me@helix.dev', 'helix')).toBe(false);
    expect(mentions('see org/@helix', 'helix')).toBe(false);
    expect(withoutHandle('@helix, what do you think?', 'helix')).toBe('what do you think?');
  });

  test('quote keeps the first three non-empty lines', () => {
    expect(quoteOf('a\n\nb\nc\nd')).toBe('a\nb\nc …');
    expect(quoteOf('x'.repeat(400))).toHaveLength(300);
  });

  test('a mention becomes a turn; own, bot and unmentioned comments do not', () => {
    const r = toInboundTurn('issue_comment', base('@helix hi'), app, new Date(), newTraceparent());
    expect(r).toMatchObject({ turn: { eventId: 'IC_11', conversation: { id: 'github-o/r#3' }, author: { accountId: 'alice' }, text: 'hi' } });
    expect(toInboundTurn('issue_comment', base('@helix hi', { login: 'helix[bot]', type: 'Bot' }), app, new Date(), newTraceparent())).toEqual({ skip: 'own_comment' });
    expect(toInboundTurn('issue_comment', base('@helix hi', { login: 'other[bot]', type: 'Bot' }), app, new Date(), newTraceparent())).toEqual({ skip: 'bot' });
    expect(toInboundTurn('issue_comment', base('hi'), app, new Date(), newTraceparent())).toEqual({ skip: 'no_mention' });
    expect(toInboundTurn('issue_comment', { ...base('@helix hi'), action: 'edited' }, app, new Date(), newTraceparent())).toEqual({ skip: 'unsupported_action' });
    expect(toInboundTurn('issue_comment', { action: 'created' }, app, new Date(), newTraceparent())).toEqual({ skip: 'malformed' });
  });
});

describe('github rest errors', () => {
  const err = (status: number, headers: Record<string, string> = {}, message = 'x') => ({ status, message, response: { headers } });
  test('rate limits carry the wait; other 4xx are rejected; 5xx and network are unavailable', () => {
    expect(toHelixError(err(403, { 'retry-after': '3' }, 'You have exceeded a secondary rate limit'), 'r')).toMatchObject({ code: 'platform_rate_limited', retryAfterMs: 3_000 });
    expect(toHelixError(err(429), 'r')).toMatchObject({ code: 'platform_rate_limited', retryAfterMs: 60_000 });
    expect(toHelixError(err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1010' }), 'r', 1_000_000)).toMatchObject({ code: 'platform_rate_limited', retryAfterMs: 10_000 });
    expect(toHelixError(err(403, {}, 'Resource not accessible by integration'), 'r').code).toBe('platform_rejected');
    expect(toHelixError(err(404), 'r').code).toBe('platform_rejected');
    expect(toHelixError(err(502), 'r').code).toBe('platform_unavailable');
    expect(toHelixError(new TypeError('fetch failed'), 'r').code).toBe('platform_unavailable');
  });
});
