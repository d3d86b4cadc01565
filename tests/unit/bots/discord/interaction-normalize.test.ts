import { describe, expect, test } from 'vitest';
import { parseOpsCustomId, planInteraction, POLITE } from '../../../../bots/discord/interaction-normalize.ts';
import { newTraceparent } from '../../../../mesh/index.ts';

const GUILD = '400000000000000004';
const base = (patch: Record<string, unknown> = {}) => ({
  id: '800000000000000008',
  application_id: '100000000000000001',
  token: 'interaction-token',
  guild_id: GUILD,
  channel: { id: '200000000000000002', type: 0, name: 'general' },
  channel_id: '200000000000000002',
  member: { user: { id: '500000000000000005', username: 'alice', global_name: 'Alice' }, nick: null, roles: ['600000000000000006', GUILD] },
  ...patch,
});
const plan = (raw: unknown) => planInteraction(raw, new Date('2026-11-24T10:00:00.000Z'), newTraceparent());

describe('parseOpsCustomId', () => {
  test.each([
    ['ops:ack:inc-1', { action: 'ack', incidentId: 'inc-1' }],
    ['ops:silence:inc-1:3600', { action: 'silence', incidentId: 'inc-1', durationSec: 3600 }],
    ['ops:oncall', { action: 'oncall' }],
    ['ops:dance:inc-1', undefined],
    ['ops:ack:inc 1', undefined],
    ['ops:silence:inc-1:soon', undefined],
    ['ops:silence:inc-1:0', undefined],
    ['ops:silence:inc-1:99999999', undefined],
    ['ops:ack:inc-1:60:extra', undefined],
    ['ack:inc-1', undefined],
  ])('GIVEN %j THEN %j', (id, expected) => {
    expect(parseOpsCustomId(id)).toEqual(expected);
  });
});

describe('planInteraction', () => {
  test('GIVEN an ops button click THEN an ops action with the clicker, their roles (without @everyone) and a private reply route', () => {
    const p = plan(base({ type: 3, data: { custom_id: 'ops:ack:inc-1', component_type: 2 }, message: { id: '700000000000000007' } }));
    expect(p.kind).toBe('ops');
    if (p.kind !== 'ops') return;
    expect(p.action).toMatchObject({
      eventId: '800000000000000008',
      action: 'ack',
      incidentId: 'inc-1',
      actor: { accountId: '500000000000000005', displayName: 'Alice', roles: ['600000000000000006'] },
      conversation: { id: '200000000000000002', kind: 'group', route: { channelId: '200000000000000002', guildId: GUILD } },
      messageId: '700000000000000007',
      reply: { interactionId: '800000000000000008', applicationId: '100000000000000001', ephemeral: '1' },
      receivedAt: '2026-11-24T10:00:00.000Z',
    });
    // The token answers as the app for 15 minutes: it stays with the bot (Redis), never in the envelope.
    expect(JSON.stringify(p.action)).not.toContain('interaction-token');
  });

  test('GIVEN /remember in a DM THEN a turn with the command, readable text and the interaction in its route', () => {
    const p = plan(base({ type: 2, guild_id: undefined, member: undefined, user: { id: '5', username: 'alice' }, channel: { id: '9', type: 1 }, data: { name: 'remember', type: 1, options: [{ name: 'text', type: 3, value: 'my dog is Juno' }] } }));
    expect(p.kind).toBe('turn');
    if (p.kind !== 'turn') return;
    expect(p.turn).toMatchObject({ text: '/remember my dog is Juno', command: { name: 'remember', args: { text: 'my dog is Juno' } }, conversation: { id: '9', kind: 'dm' }, author: { accountId: '5', displayName: 'alice' } });
    expect(p.turn.conversation.route).toMatchObject({ interactionId: '800000000000000008', ephemeral: '1' });
    expect(JSON.stringify(p.turn)).not.toContain('interaction-token');
  });

  test('GIVEN /incident silence with minutes THEN durationSec; /export THEN the bare command as text', () => {
    const silence = plan(base({ type: 2, data: { name: 'incident', type: 1, options: [{ name: 'silence', type: 1, options: [{ name: 'id', type: 3, value: 'inc-9' }, { name: 'minutes', type: 4, value: 90 }] }] } }));
    expect(silence.kind === 'ops' && silence.action).toMatchObject({ action: 'silence', incidentId: 'inc-9', durationSec: 5_400 });
    const exp = plan(base({ type: 2, data: { name: 'export', type: 1 } }));
    expect(exp.kind === 'turn' && exp.turn.text).toBe('/export');
  });

  test.each([
    ['/join', { type: 2, data: { name: 'join', type: 1 } }, POLITE.voiceNotYet],
    ['/leave', { type: 2, data: { name: 'leave', type: 1 } }, POLITE.voiceNotYet],
    ['an unknown command', { type: 2, data: { name: 'dance', type: 1 } }, POLITE.unknownCommand],
    ['a context menu command', { type: 2, data: { name: 'Remember this', type: 3 } }, POLITE.unknownCommand],
    ['a button that is not ops', { type: 3, data: { custom_id: 'vote:yes', component_type: 2 } }, POLITE.staleButton],
    ['a malformed ops button', { type: 3, data: { custom_id: 'ops:ack:bad id', component_type: 2 } }, POLITE.badOpsButton],
    ['a select menu', { type: 3, data: { custom_id: 'ops:ack:1', component_type: 3 } }, POLITE.staleButton],
    ['a modal', { type: 5, data: { custom_id: 'm' } }, POLITE.unsupported],
    ['an unknown type', { type: 42 }, POLITE.unsupported],
  ])('GIVEN %s THEN a polite answer', (_name, patch, content) => {
    expect(plan(base(patch))).toMatchObject({ kind: 'answer', content });
  });

  test.each([
    ['null', null],
    ['a string', 'garbage'],
    ['no token', { id: '1', application_id: '2', type: 3 }],
    ['a non-numeric id', { ...base({ type: 2 }), id: 'abc' }],
  ])('GIVEN %s THEN it is dropped, not thrown', (_name, raw) => {
    expect(plan(raw).kind).toBe('drop');
  });
});
