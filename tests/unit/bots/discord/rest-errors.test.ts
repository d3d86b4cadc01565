import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { describe, expect, test } from 'vitest';
import { redactUrl, toHelixError } from '../../../../bots/discord/rest-errors.ts';

const request = { body: undefined, files: undefined };

describe('toHelixError', () => {
  test('GIVEN discord.js rejecting on a rate limit THEN platform_rate_limited with Retry-After as retryAfterMs', () => {
    const err = new RateLimitError({ timeToReset: 1_050, limit: 5, method: 'POST', hash: 'h', url: 'https://discord.com/api/v10/channels/1/messages', route: '/channels/1/messages', majorParameter: '1', global: false, retryAfter: 1_050, sublimitTimeout: 0, scope: 'user' });
    expect(toHelixError(err, 'reply r1')).toMatchObject({ name: 'HelixError', code: 'platform_rate_limited', retryAfterMs: 1_050 });
  });

  test('GIVEN a 403 Missing Access THEN platform_rejected naming the code and what to fix', () => {
    const err = new DiscordAPIError({ code: 50001, message: 'Missing Access' }, 50001, 403, 'POST', 'https://discord.com/api/v10/channels/1/messages', request);
    const e = toHelixError(err, 'reply r1');
    expect(e.code).toBe('platform_rejected');
    expect(e.message).toMatch(/403 \(code 50001\) Missing Access .*View Channel/);
  });

  test('GIVEN a 5xx or a network failure THEN platform_unavailable (retried)', () => {
    expect(toHelixError(new HTTPError(502, 'Bad Gateway', 'POST', 'https://discord.com/api/v10/channels/1/messages', request), 'x').code).toBe('platform_unavailable');
    expect(toHelixError(new TypeError('fetch failed'), 'x').code).toBe('platform_unavailable');
  });

  test('GIVEN a failure on an interaction webhook THEN the token never appears in the message', () => {
    const url = 'https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb24secret/messages/@original';
    const e = toHelixError(new DiscordAPIError({ code: 10015, message: 'Unknown Webhook' }, 10015, 404, 'PATCH', url, request), 'reply r1');
    expect(e.message).not.toContain('aW50ZXJhY3Rpb24secret');
    expect(e.cause).toBeUndefined();
    expect(redactUrl(url)).toBe('https://discord.com/api/v10/webhooks/123/:token/messages/@original');
  });
});
