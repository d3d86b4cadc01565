import { describe, expect, test } from 'vitest';
import { presentedToken, tokenMatches } from '../../../bots/web/auth.ts';
import { BrowserMessage, sessionOf, toInboundTurn } from '../../../bots/web/normalize.ts';
import { jobIdFor, newTraceparent } from '../../../mesh/index.ts';

const msg = { clientMessageId: '7d3f1c2e-9a4b-4c1d-8e2f-0a1b2c3d4e5f', sessionId: 'abcDEF12_-', text: '  hello  ' };

describe('web console normalization', () => {
  test('a browser message becomes a dm turn of its session, with the client message id as the event id', () => {
    const at = new Date('2026-11-29T10:00:00Z');
    const tp = newTraceparent();
    const turn = toInboundTurn(BrowserMessage.parse(msg), at, tp);
    expect(turn).toMatchObject({
      platform: 'web',
      eventId: msg.clientMessageId,
      conversation: { id: 'web-abcDEF12_-', kind: 'dm' },
      author: { accountId: 'web-abcDEF12_-', displayName: 'you', isBot: false },
      text: 'hello',
      receivedAt: at.toISOString(),
      modality: 'text',
      traceparent: tp,
    });
    expect(jobIdFor('web', turn.eventId)).not.toContain(':');
    expect(sessionOf(turn.conversation.id)).toBe('abcDEF12_-');
    expect(sessionOf('discord-1')).toBeUndefined();
  });

  test.each([
    [{ ...msg, sessionId: 'short' }, 'sessionId'],
    [{ ...msg, sessionId: 'has:colon:in:it' }, 'sessionId'],
    [{ ...msg, clientMessageId: '1234' }, 'clientMessageId'],
    [{ ...msg, text: '' }, 'text'],
    [{ ...msg, displayName: 'x'.repeat(65) }, 'displayName'],
  ])('rejects %o at %s', (input, path) => {
    const r = BrowserMessage.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual([path]);
  });

  test('the token is taken from bearer, cookie or query, and compared exactly', () => {
    expect(presentedToken('Bearer abc', 'cookie', 'query')).toBe('abc');
    expect(presentedToken(undefined, 'cookie', 'query')).toBe('cookie');
    expect(presentedToken(undefined, undefined, 'query')).toBe('query');
    expect(presentedToken('Basic abc', undefined, undefined)).toBeUndefined();
    expect(tokenMatches('the-right-token', 'the-right-token')).toBe(true);
    expect(tokenMatches('the-right-token ', 'the-right-token')).toBe(false);
    expect(tokenMatches(undefined, 'the-right-token')).toBe(false);
  });
});
