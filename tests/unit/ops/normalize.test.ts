import { describe, expect, test } from 'vitest';
import { normalizeWebhook, notificationEventId } from '../../../ops/receivers/normalize.ts';

const TP = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';
const body = {
  version: '4', groupKey: '{}:{alertname="A"}', truncatedAlerts: 0, receiver: 'helix', status: 'firing',
  alerts: [{ status: 'firing', labels: { alertname: 'A' }, annotations: { summary: 's' }, startsAt: '2026-11-30T01:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://p', fingerprint: 'aaaaaaaaaaaaaaaa' }],
  groupLabels: { alertname: 'A' }, commonLabels: { alertname: 'A' }, commonAnnotations: { summary: 's' }, externalURL: 'http://am',
};

describe('webhook normalization', () => {
  test('GIVEN an Alertmanager v4 body THEN a batch with a stable event id', () => {
    const r = normalizeWebhook('alertmanager', body, new Date('2026-11-30T01:00:01Z'), TP);
    expect(r).toMatchObject({ ok: true, batch: { source: 'alertmanager', groupKey: body.groupKey, status: 'firing', alerts: [{ fingerprint: 'aaaaaaaaaaaaaaaa' }] } });
    const again = normalizeWebhook('alertmanager', body, new Date('2026-11-30T02:00:00Z'), TP);
    expect(r.ok && again.ok && r.batch.eventId === again.batch.eventId).toBe(true);
  });
  test('GIVEN the same group with another status THEN another event id', () => {
    const a = notificationEventId('alertmanager', 'g', [{ fingerprint: 'f', status: 'firing', startsAt: 't' }]);
    const b = notificationEventId('alertmanager', 'g', [{ fingerprint: 'f', status: 'resolved', startsAt: 't' }]);
    expect(a).not.toBe(b);
  });
  test('GIVEN a Grafana body THEN it reads as version 1; wrong versions and missing fields are refused with the reason', () => {
    expect(normalizeWebhook('grafana', { ...body, version: '1', orgId: 1, state: 'alerting', title: 't', message: 'm' }, new Date(), TP).ok).toBe(true);
    const wrong = normalizeWebhook('alertmanager', { ...body, version: '1' }, new Date(), TP);
    expect(wrong).toMatchObject({ ok: false });
    const missing = normalizeWebhook('alertmanager', { ...body, alerts: [{ status: 'firing' }] }, new Date(), TP);
    expect(missing.ok ? '' : missing.issues).toContain('fingerprint');
  });
});
