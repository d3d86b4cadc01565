import { describe, expect, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { InboundTurn, OpsAction, OpsTimer, OutboundReply, jobIdFor, newTraceparent, type PlatformEventId } from '../../../mesh/index.ts';

const action = (patch: Record<string, unknown> = {}) => ({
  v: 1,
  platform: 'discord',
  eventId: '1234567890123456789',
  action: 'ack',
  incidentId: 'inc-1',
  actor: { accountId: '42', displayName: 'Alice', roles: ['7', '8'] },
  conversation: { id: '99', kind: 'group', route: { channelId: '99' } },
  reply: { interactionId: '1234567890123456789', interactionToken: 't', applicationId: '5' },
  receivedAt: '2026-11-24T10:00:00.000Z',
  traceparent: newTraceparent(),
  ...patch,
});

describe('OpsAction', () => {
  test('GIVEN a button click THEN it parses with the actor roles, and its job id is BullMQ-safe', () => {
    const a = OpsAction.parse(action());
    expect(a.actor.roles).toEqual(['7', '8']);
    expectTypeOf(a.eventId).toEqualTypeOf<PlatformEventId>();
    expect(jobIdFor('discord', a.eventId)).toBe('discord-1234567890123456789');
  });

  test.each([
    ['an unknown action', { action: 'reboot' }, 'action'],
    ['a silence longer than 30 days', { action: 'silence', durationSec: 31 * 86_400 }, 'durationSec'],
    ['a missing actor', { actor: undefined }, 'actor'],
  ])('GIVEN %s THEN parsing fails at that path', (_name, patch, path) => {
    const r = OpsAction.safeParse(action(patch));
    expect(r.success).toBe(false);
    expect(z.prettifyError(r.error!)).toContain(path);
  });
});

describe('companion commands and private replies', () => {
  test('GIVEN a turn with a command THEN it keeps name and args; an unknown command name fails', () => {
    const turn = { v: 1, platform: 'discord', eventId: '1', conversation: { id: 'c', kind: 'dm' }, author: { accountId: 'u', displayName: 'A' }, text: '/remember my dog is Juno', receivedAt: '2026-11-24T10:00:00.000Z', traceparent: newTraceparent() };
    expect(InboundTurn.parse({ ...turn, command: { name: 'remember', args: { text: 'my dog is Juno' } } }).command).toEqual({ name: 'remember', args: { text: 'my dog is Juno' } });
    expect(InboundTurn.safeParse({ ...turn, command: { name: 'sudo', args: {} } }).success).toBe(false);
    expect(InboundTurn.parse(turn).command).toBeUndefined();
  });

  test('GIVEN a reply without `private` THEN it defaults to public', () => {
    const r = OutboundReply.parse({ v: 1, platform: 'discord', replyId: 'r', conversation: { id: 'c', kind: 'dm' }, parts: ['hi'], traceparent: newTraceparent(), createdAt: '2026-11-24T10:00:00.000Z' });
    expect(r.private).toBe(false);
  });
});

describe('OpsTimer', () => {
  const timer = (patch: Record<string, unknown>) => ({ v: 1, kind: 'page-retry', incidentId: 'inc-1', token: 'tok-1', level: 3, traceparent: newTraceparent(), ...patch });
  const page = { attempt: 1, transports: ['twilio'], alreadySent: { twilio: ['…1111'] } };

  test('GIVEN a page retry with what to send THEN it parses, and alreadySent defaults to nobody', () => {
    expect(OpsTimer.parse(timer({ page })).page).toEqual(page);
    expect(OpsTimer.parse(timer({ page: { attempt: 2, transports: ['email'] } })).page?.alreadySent).toEqual({});
  });

  test('GIVEN a page retry without its page, an escalation with one, or an unknown transport THEN each is refused at page', () => {
    for (const bad of [timer({}), timer({ kind: 'escalate', page }), timer({ page: { ...page, transports: ['pager'] } }), timer({ page: { ...page, transports: [] } })]) {
      const r = OpsTimer.safeParse(bad);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path[0]).toBe('page');
    }
  });
});
