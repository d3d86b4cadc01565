import { describe, expect, test } from 'vitest';
import { onCallAt } from '../../../ops/escalation/schedule.ts';
import { routerFor } from '../../../ops/incidents/alert-handler.ts';
import { severityOf, worstSeverity } from '../../../ops/incidents/severity.ts';
import { mayAct } from '../../../ops/actions/action-handler.ts';
import { matchersFor } from '../../../ops/alertmanager/silences.ts';
import { authorized } from '../../../ops/receivers/auth.ts';

const members = [{ discordId: '100000000000000001', name: 'Ann' }, { discordId: '100000000000000002', name: 'Ben' }, { discordId: '100000000000000003', name: 'Cat' }];
const rotation = { name: 'primary', start: '2026-11-30T09:00:00Z', shiftHours: 24, members };

describe('on-call schedule', () => {
  test('GIVEN a daily rotation THEN the holder changes at each hand-off and the next is the one after', () => {
    expect(onCallAt([rotation], new Date('2026-11-30T10:00:00Z'))[0]).toMatchObject({ current: { name: 'Ann' }, next: { name: 'Ben' }, handoffAt: new Date('2026-12-01T09:00:00Z') });
    expect(onCallAt([rotation], new Date('2026-12-01T09:00:00Z'))[0]).toMatchObject({ current: { name: 'Ben' }, next: { name: 'Cat' } });
    expect(onCallAt([rotation], new Date('2026-12-02T23:59:00Z'))[0]).toMatchObject({ current: { name: 'Cat' }, next: { name: 'Ann' } });
    expect(onCallAt([rotation], new Date('2026-11-01T00:00:00Z'))[0]).toMatchObject({ current: { name: 'Ann' } });
  });
  test('GIVEN team rotations THEN only the matching team (or team-less) rotations answer', () => {
    const db = { ...rotation, name: 'db', team: 'db' };
    expect(onCallAt([rotation, db], new Date('2026-11-30T10:00:00Z'), 'web').map((o) => o.rotation)).toEqual(['primary']);
    expect(onCallAt([rotation, db], new Date('2026-11-30T10:00:00Z'), 'db').map((o) => o.rotation)).toEqual(['primary', 'db']);
  });
});

describe('routing, severity, rights, silences, receiver auth', () => {
  test('GIVEN routes THEN the first match by severity and team wins, else the default channel', () => {
    const route = routerFor({ channelId: '900000000000000000', routes: [{ severity: 'critical', team: 'db', channelId: '900000000000000001' }, { severity: 'critical', channelId: '900000000000000002' }, { team: 'web', channelId: '900000000000000003' }] });
    expect(route('critical', 'db')).toBe('900000000000000001');
    expect(route('critical', 'web')).toBe('900000000000000002');
    expect(route('warning', 'web')).toBe('900000000000000003');
    expect(route('info', undefined)).toBe('900000000000000000');
  });
  test('GIVEN severity labels THEN they map onto four severities, unknown is warning', () => {
    expect(['critical', 'P1', 'page', 'high', 'warn', 'low', 'whatever', undefined].map(severityOf)).toEqual(['critical', 'critical', 'critical', 'error', 'warning', 'info', 'warning', 'warning']);
    expect(worstSeverity(['info', 'error', 'warning'])).toBe('error');
  });
  test('GIVEN role ids THEN only holders of an on-call role may act; no configured role means nobody', () => {
    expect(mayAct(['1', '2'], ['2'])).toBe(true);
    expect(mayAct(['1'], ['2'])).toBe(false);
    expect(mayAct(['1'], [])).toBe(false);
  });
  test('GIVEN common labels THEN the silence matches them exactly (group labels when there are none)', () => {
    expect(matchersFor({ service: 'api', alertname: 'A' }, { alertname: 'A' })).toEqual([{ name: 'alertname', value: 'A', isRegex: false, isEqual: true }, { name: 'service', value: 'api', isRegex: false, isEqual: true }]);
    expect(matchersFor({}, { alertname: 'B' })).toEqual([{ name: 'alertname', value: 'B', isRegex: false, isEqual: true }]);
  });
  test('GIVEN Authorization headers THEN only the configured bearer token or basic credentials pass', () => {
    const creds = { token: 'a-very-long-token-123', basic: 'am:secret-pass' };
    expect(authorized('Bearer a-very-long-token-123', creds)).toBe(true);
    expect(authorized('bearer a-very-long-token-123', creds)).toBe(true);
    expect(authorized('Bearer a-very-long-token-124', creds)).toBe(false);
    expect(authorized(`Basic ${Buffer.from('am:secret-pass').toString('base64')}`, creds)).toBe(true);
    expect(authorized(`Basic ${Buffer.from('am:wrong').toString('base64')}`, creds)).toBe(false);
    expect(authorized(undefined, creds)).toBe(false);
    expect(authorized('Bearer a-very-long-token-123', { basic: 'am:secret-pass' })).toBe(false);
  });
});
