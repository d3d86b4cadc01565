import { describe, expect, test } from 'vitest';
import { ChatEvent, toOutcome } from '../../../../bots/gchat/normalize.ts';
import { renderTexts } from '../../../../bots/gchat/render.ts';
import { toHelixError } from '../../../../bots/gchat/gchat-errors.ts';
import { OutboundReply, newTraceparent } from '../../../../mesh/index.ts';

const at = new Date('2026-11-30T01:00:00.000Z');
const tp = newTraceparent();
const alice = { name: 'users/42', displayName: 'Alice', type: 'HUMAN' };
const dmSpace = { name: 'spaces/DM', type: 'DM', spaceType: 'DIRECT_MESSAGE', singleUserBotDm: true };
const room = { name: 'spaces/ROOM', type: 'ROOM', spaceType: 'SPACE', displayName: 'Team' };

function event(patch: Record<string, unknown> = {}, message: Record<string, unknown> = {}, space: Record<string, unknown> = dmSpace): ChatEvent {
  return ChatEvent.parse({
    type: 'MESSAGE',
    space,
    message: { name: `${space.name as string}/messages/abc.abc`, sender: alice, text: 'hello', argumentText: 'hello', thread: { name: `${space.name as string}/threads/t1` }, ...message },
    user: alice,
    ...patch,
  });
}

describe('toOutcome', () => {
  test('GIVEN a DM THEN a turn: the space is the conversation, the message name the event id', () => {
    const out = toOutcome(event(), at, tp);
    expect(out.action).toBe('turn');
    if (out.action !== 'turn') return;
    expect(out.turn).toMatchObject({
      platform: 'gchat', eventId: 'spaces/DM/messages/abc.abc', text: 'hello',
      conversation: { id: 'spaces/DM', kind: 'dm', route: { space: 'spaces/DM', thread: 'spaces/DM/threads/t1' } },
      author: { accountId: 'users/42', displayName: 'Alice', isBot: false },
      receivedAt: at.toISOString(), traceparent: tp,
    });
  });

  test('GIVEN an @mention in a space THEN argumentText (mention stripped) and the thread is the conversation', () => {
    const out = toOutcome(event({}, {
      text: '@Helix what now?', argumentText: ' what now?',
      annotations: [{ type: 'USER_MENTION', userMention: { user: { name: 'users/app', displayName: 'Helix', type: 'BOT' } } }],
    }, room), at, tp);
    if (out.action !== 'turn') throw new Error(out.action);
    expect(out.turn.text).toBe('what now?');
    expect(out.turn.conversation).toMatchObject({ id: 'spaces/ROOM/threads/t1', kind: 'thread', title: 'Team' });
    expect(out.turn.mentions).toEqual([{ accountId: 'users/app', displayName: 'Helix', isHelix: true }]);
  });

  test.each([
    ['REMOVED_FROM_SPACE', { type: 'REMOVED_FROM_SPACE', message: undefined }, { action: 'ignore', reason: 'removed' }],
    ['CARD_CLICKED', { type: 'CARD_CLICKED' }, { action: 'ignore', reason: 'card_clicked' }],
    ['an unknown type', { type: 'APP_HOME' }, { action: 'ignore', reason: 'unsupported_type' }],
    ['ADDED_TO_SPACE without a message', { type: 'ADDED_TO_SPACE', message: undefined }, { action: 'greet', dm: true }],
  ])('GIVEN %s THEN %j', (_name, patch, expected) => {
    expect(toOutcome(event(patch), at, tp)).toEqual(expected);
  });

  test('GIVEN a bot sender or an empty text THEN ignored', () => {
    expect(toOutcome(event({}, { sender: { name: 'users/b', type: 'BOT' } }), at, tp)).toEqual({ action: 'ignore', reason: 'bot' });
    expect(toOutcome(event({}, { text: '  ', argumentText: '' }), at, tp)).toEqual({ action: 'ignore', reason: 'empty' });
  });

  test('GIVEN an empty argumentText (a bare mention) THEN the text is used', () => {
    const out = toOutcome(event({}, { text: '@Helix', argumentText: ' ' }, room), at, tp);
    expect(out.action === 'turn' && out.turn.text).toBe('@Helix');
  });

  test('GIVEN a MESSAGE without its message, a message of another space, or no sender THEN malformed', () => {
    expect(toOutcome(event({ message: undefined }), at, tp).action).toBe('malformed');
    expect(toOutcome(event({}, { name: 'spaces/OTHER/messages/x' }), at, tp).action).toBe('malformed');
    expect(toOutcome(event({ user: undefined }, { sender: undefined }), at, tp).action).toBe('malformed');
  });

  test('GIVEN a thread name from another space THEN it is not used as a route', () => {
    const out = toOutcome(event({}, { thread: { name: 'spaces/EVIL/threads/x' } }, room), at, tp);
    expect(out.action === 'turn' && out.turn.conversation).toMatchObject({ id: 'spaces/ROOM', kind: 'group', route: { space: 'spaces/ROOM' } });
  });

  test('GIVEN bad shapes THEN the schema refuses them', () => {
    expect(ChatEvent.safeParse({ hello: 1 }).success).toBe(false);
    expect(ChatEvent.safeParse({ type: 'MESSAGE', space: { name: 'rooms/x' } }).success).toBe(false);
    expect(ChatEvent.safeParse({ type: 'MESSAGE', space: { name: 'spaces/x' }, message: { name: 'spaces/x/messages/../y/z' } }).success).toBe(false);
  });
});

describe('renderTexts', () => {
  const reply = (patch: Record<string, unknown>) => OutboundReply.parse({ v: 1, platform: 'gchat', replyId: 'r-1', conversation: { id: 'spaces/DM', kind: 'dm' }, parts: [], traceparent: tp, createdAt: at.toISOString(), ...patch });
  test('GIVEN a long part, an embed and a link button THEN messages within 4,000 characters, embed and link rendered', () => {
    const texts = renderTexts(reply({ parts: ['word '.repeat(1_700)], embeds: [{ title: 'T', description: 'D', fields: [{ name: 'k', value: 'v' }] }], buttons: [{ action: 'a', label: 'Docs', url: 'https://example.com' }] }));
    expect(texts.length).toBe(5);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(4_000);
    expect(texts[3]).toBe('*T*\nD\n*k*: v');
    expect(texts[4]).toBe('<https://example.com|Docs>');
  });
});

describe('toHelixError', () => {
  const gerr = (status: number, headers: Record<string, string> = {}) => Object.assign(new Error(`Request failed with status code ${status}`), {
    status, response: { status, headers: new Headers(headers), data: { error: { code: status, message: 'why', status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'PERMISSION_DENIED' } } },
  });
  test.each([
    [429, { 'retry-after': '3' }, 'platform_rate_limited', 3_000],
    [429, {}, 'platform_rate_limited', 10_000],
    [403, {}, 'platform_rejected', undefined],
    [404, {}, 'platform_rejected', undefined],
    [408, {}, 'platform_unavailable', undefined],
    [503, {}, 'platform_unavailable', undefined],
  ])('GIVEN HTTP %i %j THEN %s (wait %s)', (status, headers, code, wait) => {
    const e = toHelixError(gerr(status, headers), 'reply r-1');
    expect(e.code).toBe(code);
    expect(e.retryAfterMs).toBe(wait);
  });
  test('GIVEN a network error THEN platform_unavailable', () => {
    expect(toHelixError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'x').code).toBe('platform_unavailable');
  });
});
