import { describe, expect, test } from 'vitest';
import {
  dmEventToTurn, mentionToTurn, oneToOneConversationId, webhookDmToTurn, webhookPostToTurn, withoutLeadingHandles, type XUser,
} from '../../../../bots/x/normalize.ts';
import { newTraceparent } from '../../../../mesh/index.ts';

const me = { id: '1700000000000000001', username: 'helix' };
const at = new Date('2026-11-30T01:00:00.000Z');
const tp = newTraceparent();
const users = new Map<string, XUser>([['42', { id: '42', username: 'ada', name: 'Ada L.' }]]);
const post = (patch: Record<string, unknown> = {}) => ({ id: '1800000000000000010', text: '@helix how are you?', author_id: '42', conversation_id: '1800000000000000010', edit_history_tweet_ids: ['1800000000000000010'], ...patch });

describe('mentionToTurn', () => {
  test('GIVEN a mention THEN a turn: the post id as event id, one conversation per author, the post in the route, handles stripped', () => {
    const r = mentionToTurn(post(), users, me, at, tp);
    expect('turn' in r && r.turn).toMatchObject({
      v: 1, platform: 'x', eventId: '1800000000000000010',
      conversation: { id: 'x-mentions-42', kind: 'group', title: '@ada on X', route: { kind: 'mention', tweetId: '1800000000000000010', authorId: '42', username: 'ada' } },
      author: { accountId: '42', displayName: 'Ada L.', isBot: false },
      text: 'how are you?',
      mentions: [{ accountId: me.id, displayName: 'helix', isHelix: true }],
      receivedAt: at.toISOString(), traceparent: tp,
    });
  });

  test('GIVEN a long post THEN the note_tweet text is used', () => {
    const r = mentionToTurn(post({ note_tweet: { text: '@helix a much longer question…' } }), users, me, at, tp);
    expect('turn' in r && r.turn.text).toBe('a much longer question…');
  });

  test('GIVEN an author missing from includes THEN the id stands in for the name', () => {
    const r = mentionToTurn(post({ author_id: '77' }), users, me, at, tp);
    expect('turn' in r && r.turn.author).toMatchObject({ accountId: '77', displayName: '77' });
  });

  test.each([
    ['Helix\'s own post', post({ author_id: me.id }), 'own_post'],
    ['a retweet', post({ referenced_tweets: [{ type: 'retweeted', id: '1800000000000000001' }] }), 'retweet'],
    ['no author_id', post({ author_id: undefined }), 'malformed'],
    ['a non-numeric id', post({ id: 'abc' }), 'malformed'],
    ['text that is not a string', post({ text: 7 }), 'malformed'],
    ['not an object', 'garbage', 'malformed'],
  ])('GIVEN %s THEN skipped as %s', (_, raw, reason) => {
    const r = mentionToTurn(raw, users, me, at, tp);
    expect(r).toMatchObject({ skip: reason });
    if (reason === 'malformed') expect('skip' in r && r.detail).toBeTruthy();
  });
});

describe('withoutLeadingHandles', () => {
  test.each([
    ['@helix hi', 'hi'],
    ['@helix @bob: what now?', 'what now?'],
    ['hi @helix', 'hi @helix'],
    ['@helix', '@helix'],
  ])('GIVEN %j THEN %j', (text, expected) => {
    expect(withoutLeadingHandles(text)).toBe(expected);
  });
});

describe('dmEventToTurn', () => {
  const dm = (patch: Record<string, unknown> = {}) => ({ id: '1800000000000000020', event_type: 'MessageCreate', text: 'psst', sender_id: '42', dm_conversation_id: `42-${me.id}`, ...patch });
  test('GIVEN a MessageCreate THEN a dm turn with event id dm-<id> and the sender as participant', () => {
    const r = dmEventToTurn(dm(), users, me, at, tp);
    expect('turn' in r && r.turn).toMatchObject({ eventId: 'dm-1800000000000000020', conversation: { id: `x-dm-42-${me.id}`, kind: 'dm', route: { kind: 'dm', authorId: '42' } }, text: 'psst', mentions: [] });
  });
  test.each([
    ['Helix\'s own DM', dm({ sender_id: me.id }), 'own_post'],
    ['a ParticipantsJoin event', dm({ event_type: 'ParticipantsJoin' }), 'unsupported_event'],
    ['a group conversation', dm({ dm_conversation_id: '1234567890' }), 'unsupported_event'],
    ['no sender', dm({ sender_id: undefined }), 'malformed'],
  ])('GIVEN %s THEN skipped as %s', (_, raw, reason) => {
    expect(dmEventToTurn(raw, users, me, at, tp)).toMatchObject({ skip: reason });
  });
});

describe('webhook events', () => {
  const v1 = (patch: Record<string, unknown> = {}) => ({ id_str: '1800000000000000030', text: '@helix hello', user: { id_str: '42', screen_name: 'ada', name: 'Ada' }, entities: { user_mentions: [{ id_str: me.id }] }, ...patch });
  test('GIVEN a tweet_create_event mentioning Helix THEN the same turn shape as polling (same event id and conversation)', () => {
    const r = webhookPostToTurn(v1(), me, at, tp);
    expect('turn' in r && r.turn).toMatchObject({ eventId: '1800000000000000030', conversation: { id: 'x-mentions-42', route: { kind: 'mention', tweetId: '1800000000000000030' } }, text: 'hello' });
  });
  test('GIVEN an extended tweet THEN its full_text', () => {
    const r = webhookPostToTurn(v1({ truncated: true, extended_tweet: { full_text: '@helix the long version' } }), me, at, tp);
    expect('turn' in r && r.turn.text).toBe('the long version');
  });
  test.each([
    ['Helix\'s own post', v1({ user: { id_str: me.id, screen_name: 'helix' } }), 'own_post'],
    ['a post not mentioning Helix', v1({ entities: { user_mentions: [] } }), 'no_mention'],
    ['a retweet', v1({ retweeted_status: {} }), 'retweet'],
    ['no user', v1({ user: undefined }), 'malformed'],
  ])('GIVEN %s THEN skipped as %s', (_, raw, reason) => {
    expect(webhookPostToTurn(raw, me, at, tp)).toMatchObject({ skip: reason });
  });
  test('GIVEN a direct_message_event THEN the DM poller\'s event id and conversation', () => {
    const r = webhookDmToTurn({ type: 'message_create', id: '1800000000000000040', message_create: { sender_id: '42', target: { recipient_id: me.id }, message_data: { text: 'hey' } } }, me, at, tp);
    expect('turn' in r && r.turn).toMatchObject({ eventId: 'dm-1800000000000000040', conversation: { id: `x-dm-${oneToOneConversationId('42', me.id)}` } });
    expect(oneToOneConversationId('42', me.id)).toBe(`42-${me.id}`);
  });
});
