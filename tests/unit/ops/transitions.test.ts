import { describe, expect, test } from 'vitest';
import type { IncidentState } from '../../../ops/incidents/incident.ts';
import { transition, type IncidentEvent } from '../../../ops/incidents/transitions.ts';

const ok = (state: IncidentState) => ({ ok: true, state });

describe('incident state machine', () => {
  test.each<[IncidentState, boolean, IncidentEvent, Record<string, unknown>]>([
    ['firing', false, { type: 'ack', withSilence: false }, ok('acknowledged')],
    ['firing', false, { type: 'ack', withSilence: true }, ok('snoozed')],
    ['escalated', false, { type: 'ack', withSilence: false }, ok('acknowledged')],
    ['acknowledged', true, { type: 'ack', withSilence: false }, { ok: false }],
    ['silenced', false, { type: 'ack', withSilence: false }, ok('silenced')],
    ['firing', false, { type: 'alerts_resolved' }, ok('resolved')],
    ['acknowledged', true, { type: 'alerts_resolved' }, ok('resolved')],
    ['silenced', false, { type: 'alerts_resolved' }, ok('resolved')],
    ['escalated', false, { type: 'resolve' }, ok('resolved')],
    ['resolved', false, { type: 'ack', withSilence: false }, { ok: false }],
    ['resolved', false, { type: 'silence' }, { ok: false }],
    ['resolved', false, { type: 'alerts_resolved' }, { ok: false }],
    ['firing', false, { type: 'silence' }, ok('silenced')],
    ['silenced', false, { type: 'unsilence' }, ok('firing')],
    ['silenced', true, { type: 'unsilence' }, ok('acknowledged')],
    ['snoozed', true, { type: 'silence_ended' }, ok('acknowledged')],
    ['firing', false, { type: 'unsilence' }, { ok: false }],
    ['firing', false, { type: 'escalate' }, ok('escalated')],
    ['acknowledged', true, { type: 'escalate' }, ok('escalated')],
    ['silenced', false, { type: 'escalate' }, { ok: false }],
  ])('GIVEN %s (acked before: %s) AND %o THEN %o', (state, acked, event, expected) => {
    expect(transition(state, acked, event)).toMatchObject(expected);
  });
});
