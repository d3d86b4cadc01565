import { describe, expect, test } from 'vitest';
import { OpsAlert } from '../../../mesh/index.ts';
import { endOf, foldAlerts, type KnownAlert } from '../../../ops/incidents/fold-alerts.ts';

const alert = (fingerprint: string, status: 'firing' | 'resolved', startsAt = '2026-11-30T01:00:00.123456789Z') =>
  OpsAlert.parse({ status, labels: { alertname: 'A' }, startsAt, endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-30T02:00:00Z', fingerprint });

describe('folding a notification into an incident (dedupe on groupKey + fingerprint + status)', () => {
  const known = new Map<string, KnownAlert>([['f1', { status: 'firing', startsAt: new Date('2026-11-30T01:00:00.123Z') }]]);

  test('GIVEN a repeat (same fingerprint, status and start, nanoseconds aside) THEN it is the same', () => {
    expect(foldAlerts(known, [alert('f1', 'firing')]).map((c) => c.kind)).toEqual(['same']);
  });
  test('GIVEN the same fingerprint resolved THEN it changed', () => {
    expect(foldAlerts(known, [alert('f1', 'resolved')])).toMatchObject([{ kind: 'changed', from: 'firing' }]);
  });
  test('GIVEN the same fingerprint firing again with a new start THEN it changed', () => {
    expect(foldAlerts(known, [alert('f1', 'firing', '2026-11-30T03:00:00Z')]).map((c) => c.kind)).toEqual(['changed']);
  });
  test('GIVEN a new fingerprint THEN it is new; a fingerprint twice in one notification counts once (last wins)', () => {
    const changes = foldAlerts(known, [alert('f2', 'firing'), alert('f2', 'resolved')]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'new', alert: { status: 'resolved' } });
  });
  test("GIVEN Alertmanager's zero end time THEN the alert has no end", () => {
    expect(endOf({ endsAt: '0001-01-01T00:00:00Z' })).toBeUndefined();
    expect(endOf({ endsAt: '2026-11-30T02:00:00Z' })?.toISOString()).toBe('2026-11-30T02:00:00.000Z');
  });
});
