import { describe, expect, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { InboundTurn, OutboundReply, MAX_INBOUND_TEXT_CHARS, newTraceparent, traceIdOf, childTraceparent, type PlatformEventId } from '../../../mesh/index.ts';

const good = () => ({
  v: 1,
  platform: 'discord',
  eventId: '1234567890',
  conversation: { id: 'g1/c1', kind: 'group' },
  author: { accountId: 'u1', displayName: 'Ada' },
  text: 'hello',
  receivedAt: '2026-11-24T10:00:00.000Z',
  traceparent: newTraceparent(),
});

describe('InboundTurn', () => {
  test('GIVEN a minimal turn THEN defaults fill mentions, attachments, modality and isBot', () => {
    const t = InboundTurn.parse(good());
    expect(t).toMatchObject({ mentions: [], attachments: [], modality: 'text', author: { isBot: false } });
    expectTypeOf(t.eventId).toEqualTypeOf<PlatformEventId>();
  });

  test.each([
    ['an unknown platform', { platform: 'myspace' }, 'platform'],
    ['an empty event id', { eventId: '' }, 'eventId'],
    ['an unknown conversation kind', { conversation: { id: 'c', kind: 'party' } }, 'conversation.kind'],
    ['oversized text', { text: 'x'.repeat(MAX_INBOUND_TEXT_CHARS + 1) }, 'text'],
    ['a bad traceparent', { traceparent: '00-abc' }, 'traceparent'],
    ['a date without offset', { receivedAt: 'yesterday' }, 'receivedAt'],
  ])('GIVEN %s THEN parsing fails at that path', (_name, patch, path) => {
    const r = InboundTurn.safeParse({ ...good(), ...patch });
    expect(r.success).toBe(false);
    expect(z.prettifyError(r.error!)).toContain(path);
  });
});

describe('OutboundReply', () => {
  test('GIVEN a final reply with a button THEN it parses with kind final and speak false', () => {
    const r = OutboundReply.parse({
      v: 1, platform: 'web', replyId: 'r1', conversation: { id: 'c', kind: 'dm' }, parts: ['hi'],
      buttons: [{ action: 'ack', label: 'Acknowledge' }], traceparent: newTraceparent(), createdAt: new Date().toISOString(),
    });
    expect(r).toMatchObject({ kind: 'final', speak: false, buttons: [{ style: 'secondary', disabled: false }] });
  });
});

describe('trace context', () => {
  test('GIVEN a child span THEN the trace id is kept and the parent id changes', () => {
    const root = newTraceparent();
    const child = childTraceparent(root);
    expect(traceIdOf(child)).toBe(traceIdOf(root));
    expect(child).not.toBe(root);
  });
});
