import { describe, expect, test } from 'vitest';
import type { MessageFacts } from '../../../../bots/discord/message-facts.ts';
import { attachmentsOf, decide, readableText, toInboundTurn, type ListenSettings } from '../../../../bots/discord/normalize.ts';
import { newTraceparent } from '../../../../mesh/index.ts';

const HELIX = '100000000000000001';
const settings: ListenSettings = { helixId: HELIX, ownChannels: new Set(['300000000000000003']), ignoreBots: true };

function facts(patch: Partial<MessageFacts> = {}): MessageFacts {
  return {
    id: '900000000000000009',
    channelId: '200000000000000002',
    guildId: '400000000000000004',
    place: 'group',
    placeName: 'general',
    parentId: undefined,
    content: 'hello there',
    author: { id: '500000000000000005', displayName: 'Alice', bot: false },
    webhook: false,
    system: false,
    mentions: [],
    roleMentions: [],
    channelMentions: [],
    replyToId: undefined,
    replyToAuthorId: undefined,
    attachments: [],
    ...patch,
  };
}

describe('decide', () => {
  test.each([
    ['a DM', facts({ place: 'dm', guildId: undefined }), { answer: true, why: 'dm' }],
    ['a guild message mentioning Helix', facts({ mentions: [{ id: HELIX, displayName: 'helix' }] }), { answer: true, why: 'mention' }],
    ["a mention of Helix's managed role", facts({ roleMentions: [{ id: '7', name: 'helix', botId: HELIX }] }), { answer: true, why: 'mention' }],
    ['a reply to Helix', facts({ replyToId: '1', replyToAuthorId: HELIX }), { answer: true, why: 'reply' }],
    ['a message in an own channel', facts({ channelId: '300000000000000003' }), { answer: true, why: 'own_channel' }],
    ["a thread under an own channel", facts({ place: 'thread', channelId: '600000000000000006', parentId: '300000000000000003' }), { answer: true, why: 'own_channel' }],
    ['a guild message for someone else', facts({ mentions: [{ id: '8', displayName: 'Bob' }] }), { answer: false, why: 'not_addressed' }],
    ['a reply to someone else', facts({ replyToId: '1', replyToAuthorId: '8' }), { answer: false, why: 'not_addressed' }],
    ["Helix's own message, even in a DM", facts({ place: 'dm', author: { id: HELIX, displayName: 'helix', bot: true } }), { answer: false, why: 'own' }],
    ['another bot mentioning Helix', facts({ author: { id: '8', displayName: 'bot', bot: true }, mentions: [{ id: HELIX, displayName: 'helix' }] }), { answer: false, why: 'bot' }],
    ['a webhook message in an own channel', facts({ webhook: true, channelId: '300000000000000003' }), { answer: false, why: 'bot' }],
    ['a system message in a DM', facts({ place: 'dm', system: true }), { answer: false, why: 'system' }],
    ['an empty DM (no content, no files)', facts({ place: 'dm', content: '  ' }), { answer: false, why: 'empty' }],
  ])('GIVEN %s THEN %j', (_name, f, expected) => {
    expect(decide(f, settings)).toEqual(expected);
  });

  test('GIVEN ignoreBots off THEN another bot mentioning Helix is answered', () => {
    const f = facts({ author: { id: '8', displayName: 'bot', bot: true }, mentions: [{ id: HELIX, displayName: 'helix' }] });
    expect(decide(f, { ...settings, ignoreBots: false })).toEqual({ answer: true, why: 'mention' });
  });
});

describe('readableText', () => {
  test('GIVEN mentions of Helix, people, roles and channels THEN Helix is dropped and the others read as names', () => {
    const f = facts({
      content: `<@${HELIX}>  ask <@!8> and <@&9> in <#10> about <@11>`,
      mentions: [{ id: HELIX, displayName: 'helix' }, { id: '8', displayName: 'Bob' }],
      roleMentions: [{ id: '9', name: 'on-call', botId: undefined }],
      channelMentions: [{ id: '10', name: 'alerts' }],
    });
    expect(readableText(f, HELIX)).toBe('ask @Bob and @on-call in #alerts about <@11>');
  });

  test('GIVEN a message that is only a mention of Helix THEN the mention is kept so the text is not empty', () => {
    expect(readableText(facts({ content: `<@${HELIX}>`, mentions: [{ id: HELIX, displayName: 'helix' }] }), HELIX)).toBe('@helix');
  });
});

describe('attachmentsOf and toInboundTurn', () => {
  test('GIVEN odd attachments THEN names are clipped, a too-long URL is dropped, and only 25 are kept', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `${'n'.repeat(600)}${i}`, contentType: 'image/png', size: 10, url: i === 0 ? `https://cdn.example/${'u'.repeat(3_000)}` : `https://cdn.example/${i}` }));
    const out = attachmentsOf(facts({ attachments: many }));
    expect(out).toHaveLength(25);
    expect(out[0]!.name).toHaveLength(512);
    expect(out[0]!.url).toBeUndefined();
    expect(out[1]).toMatchObject({ contentType: 'image/png', sizeBytes: 10, url: 'https://cdn.example/1' });
  });

  test('GIVEN a thread message THEN the turn is a thread conversation with the parent and message in its route', () => {
    const at = new Date('2026-11-24T10:00:00.000Z');
    const turn = toInboundTurn(facts({ place: 'thread', channelId: '600000000000000006', placeName: 'incident-9', parentId: '200000000000000002', replyToId: '700000000000000007' }), HELIX, at, newTraceparent());
    expect(turn).toMatchObject({
      platform: 'discord',
      eventId: '900000000000000009',
      conversation: { id: '600000000000000006', kind: 'thread', title: 'incident-9', route: { channelId: '600000000000000006', guildId: '400000000000000004', parentId: '200000000000000002', messageId: '900000000000000009' } },
      author: { accountId: '500000000000000005', displayName: 'Alice', isBot: false },
      replyToEventId: '700000000000000007',
      receivedAt: '2026-11-24T10:00:00.000Z',
    });
  });
});
