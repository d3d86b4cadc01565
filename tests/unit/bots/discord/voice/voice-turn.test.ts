import { describe, expect, test } from 'vitest';
import { spokenText, toVoiceTurn, voiceEventId } from '../../../../../bots/discord/voice/voice-turn.ts';
import { jobIdFor, newTraceparent } from '../../../../../mesh/index.ts';

const heard = { guildId: '200000000000000001', channelId: '300000000000000002', channelName: 'Lounge', userId: '400000000000000003', displayName: 'Alice', text: 'helix what time is it', startedAt: 1_764_470_000_123.4 };

describe('voice turns', () => {
  test('GIVEN a transcript THEN the turn has modality voice, the speaker as author and the voice channel as a voice conversation', () => {
    const at = new Date('2026-11-30T02:00:00.000Z');
    const turn = toVoiceTurn(heard, at, newTraceparent());
    expect(turn).toMatchObject({
      platform: 'discord',
      modality: 'voice',
      text: 'helix what time is it',
      author: { accountId: heard.userId, displayName: 'Alice', isBot: false },
      conversation: { id: `voice-${heard.channelId}`, kind: 'voice', title: '🔊Lounge', route: { channelId: heard.channelId, guildId: heard.guildId } },
      receivedAt: at.toISOString(),
    });
  });

  test('GIVEN two utterances THEN their event ids differ, repeat for the same utterance, and are BullMQ-safe job ids as they are', () => {
    const a = voiceEventId(heard);
    expect(voiceEventId({ ...heard })).toBe(a);
    expect(voiceEventId({ ...heard, startedAt: heard.startedAt + 20 })).not.toBe(a);
    expect(voiceEventId({ ...heard, userId: '400000000000000004' })).not.toBe(a);
    expect(jobIdFor('discord', a)).toBe(`discord-${a}`);
    expect(a).toMatch(/^[A-Za-z0-9-]+$/);
    expect(a).not.toMatch(/^\d+$/);
  });

  test('GIVEN an empty display name THEN the author is "someone"', () => {
    expect(toVoiceTurn({ ...heard, displayName: '' }, new Date(), newTraceparent()).author.displayName).toBe('someone');
  });

  test('GIVEN a reply in Discord markdown THEN what is spoken has no markup, links or mentions', () => {
    expect(spokenText({ parts: ['It is **three** o\'clock, _exactly_. See [the clock](https://example.com/clock) or https://time.is <@123456789012345678>!', '```ts\nconst x = 1;\n```'] }))
      .toBe("It is three o'clock, exactly. See the clock or a link ! const x = 1;");
    expect(spokenText({ parts: ['- one\n- two', '> quoted'] })).toBe('one two quoted');
  });
});
