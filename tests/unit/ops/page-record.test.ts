import { describe, expect, test } from 'vitest';
import { pagedDetail, pagedTransports, resolvedDetail, resolvedTransports } from '../../../ops/escalation/page-record.ts';
import type { TimelineEntry } from '../../../ops/incidents/incident.ts';

const entry = (kind: string, detail: string): TimelineEntry => ({ at: new Date('2026-11-30T10:00:00Z'), kind, actorId: undefined, actorName: undefined, detail });

describe('page record in the incident timeline', () => {
  test('GIVEN paged entries THEN each transport maps to the people it paged (ids merged, empty = configured recipients)', () => {
    const timeline = [
      entry('paged', pagedDetail('pagerduty', [])),
      entry('paged', pagedDetail('twilio', ['100000000000000001', '100000000000000002'])),
      entry('paged', pagedDetail('twilio', ['100000000000000002', '100000000000000003'])),
      entry('page_failed', 'email: refused (550)'),
      entry('note', 'paged through email by hand'),
      entry('paged', 'paged through carrier-pigeon'),
    ];
    expect(pagedDetail('twilio', ['100000000000000001'])).toBe('paged through twilio for <@100000000000000001>');
    expect([...pagedTransports(timeline)]).toEqual([
      ['pagerduty', []],
      ['twilio', ['100000000000000001', '100000000000000002', '100000000000000003']],
    ]);
  });

  test('GIVEN entries written before people were recorded ("paged through pagerduty") THEN they still count', () => {
    expect([...pagedTransports([entry('paged', 'paged through pagerduty')]).keys()]).toEqual(['pagerduty']);
  });

  test('GIVEN page_resolved entries THEN only those transports count as resolved', () => {
    const timeline = [entry('page_resolved', resolvedDetail('email')), entry('page_resolve_failed', 'pagerduty: 500'), entry('note', resolvedDetail('twilio'))];
    expect([...resolvedTransports(timeline)]).toEqual(['email']);
  });
});
