import { describe, expect, test } from 'vitest';
import { conversationOf, decide, readableText } from '../../../../bots/slack/normalize.ts';
import { toHelixError } from '../../../../bots/slack/slack-errors.ts';

const settings = { helixUserId: 'UHELIX', helixBotId: 'BHELIX', ignoreBots: true };
const dm = { type: 'message', channel: 'D1', channel_type: 'im', user: 'U1', text: 'hi', ts: '1.1' };

describe('slack normalize', () => {
  test('decide: DMs and mentions answered; own, bot, edited and channel chatter not', () => {
    expect(decide(dm, settings)).toEqual({ answer: true, why: 'dm' });
    expect(decide({ ...dm, type: 'app_mention', channel: 'C1', channel_type: undefined }, settings)).toEqual({ answer: true, why: 'mention' });
    expect(decide({ ...dm, user: 'UHELIX' }, settings)).toMatchObject({ why: 'own' });
    expect(decide({ ...dm, bot_id: 'BHELIX' }, settings)).toMatchObject({ why: 'own' });
    expect(decide({ ...dm, bot_id: 'BOTHER' }, settings)).toMatchObject({ why: 'bot' });
    expect(decide({ ...dm, subtype: 'bot_message', user: undefined, bot_id: 'BOTHER' }, settings)).toMatchObject({ why: 'bot' });
    expect(decide({ ...dm, bot_id: 'BOTHER' }, { ...settings, ignoreBots: false })).toEqual({ answer: true, why: 'dm' });
    expect(decide({ ...dm, subtype: 'message_changed' }, settings)).toMatchObject({ why: 'subtype' });
    expect(decide({ ...dm, channel_type: 'channel' }, settings)).toMatchObject({ why: 'not_addressed' });
    expect(decide({ ...dm, text: '  ' }, settings)).toMatchObject({ why: 'empty' });
  });

  test('conversationOf: a thread is its own conversation', () => {
    expect(conversationOf('T1', { channel: 'C1', thread_ts: '5.5' })).toMatchObject({ id: 'slack-T1-C1-5.5', kind: 'thread', route: { teamId: 'T1', channelId: 'C1', threadTs: '5.5' } });
    expect(conversationOf('T1', { channel: 'D1', channel_type: 'im' })).toMatchObject({ id: 'slack-T1-D1', kind: 'dm' });
    expect(conversationOf('T1', { channel: 'C1', channel_type: 'channel' })).toMatchObject({ id: 'slack-T1-C1', kind: 'group' });
  });

  test('readableText drops Helix\'s mention and undoes escapes', () => {
    expect(readableText('<@UHELIX> is 1 &lt; 2 &amp;&amp; 3 &gt; 2?', 'UHELIX')).toBe('is 1 < 2 && 3 > 2?');
    expect(readableText('<@UHELIX>', 'UHELIX')).toBe('<@UHELIX>');
  });
});

describe('slack errors', () => {
  test('429 → rate limited with Retry-After; platform error → rejected; network → unavailable', () => {
    expect(toHelixError({ code: 'slack_webapi_rate_limited_error', retryAfter: 3 }, 'x')).toMatchObject({ code: 'platform_rate_limited', retryAfterMs: 3_000 });
    const rejected = toHelixError({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'channel_not_found' } }, 'x');
    expect(rejected).toMatchObject({ code: 'platform_rejected' });
    expect(rejected.message).toContain('channel_not_found');
    expect(toHelixError({ code: 'slack_webapi_platform_error', data: { error: 'internal_error' } }, 'x').code).toBe('platform_unavailable');
    expect(toHelixError({ code: 'slack_webapi_http_error', statusCode: 503 }, 'x').code).toBe('platform_unavailable');
    expect(toHelixError(new Error('ECONNREFUSED'), 'x').code).toBe('platform_unavailable');
  });
});
