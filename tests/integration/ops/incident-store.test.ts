// Grouping, dedupe and the automatic resolve, against the real store (PostgreSQL; OPS_TEST_STORE=pglite for PGlite).
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OpsAlertBatch, newTraceparent, type OpsAlertBatchInput } from '../../../mesh/index.ts';
import { IncidentStore } from '../../../ops/incidents/incident-store.ts';
import { notificationEventId } from '../../../ops/receivers/normalize.ts';
import type { Store } from '../../../store/index.ts';
import { amWebhook } from './harness.ts';
import { openTestStore } from './test-store.ts';

let store: Store;
let incidents: IncidentStore;
beforeEach(async () => {
  store = await openTestStore();
  incidents = new IncidentStore(store.db);
});
afterEach(async () => {
  await store.close();
});

const CHANNEL = '123456789012345678';
const route = () => CHANNEL;
function batch(groupKey: string, alerts: Parameters<typeof amWebhook>[1], common: Record<string, string> = {}): OpsAlertBatch {
  const w = amWebhook(groupKey, alerts, common);
  return OpsAlertBatch.parse({ v: 1, source: 'alertmanager', eventId: notificationEventId('alertmanager', groupKey, w.alerts), ...w, status: w.status as 'firing' | 'resolved', receivedAt: new Date().toISOString(), traceparent: newTraceparent() } satisfies OpsAlertBatchInput);
}

describe('incident store', () => {
  test('GIVEN notifications of one group THEN one incident; repeats change nothing; new alerts join it; it resolves when every alert resolved', async () => {
    const g = '{}:{alertname="A"}';
    const opened = await incidents.applyBatch(batch(g, [{ fingerprint: 'f1' }], { severity: 'warning' }), new Date(), route);
    expect(opened).toMatchObject({ kind: 'opened', incident: { state: 'firing', severity: 'warning', channelId: CHANNEL } });
    const id = opened.kind === 'opened' ? opened.incident.id : '';
    expect(await incidents.applyBatch(batch(g, [{ fingerprint: 'f1' }]), new Date(), route)).toMatchObject({ kind: 'duplicate', incident: { id } });
    const joined = await incidents.applyBatch(batch(g, [{ fingerprint: 'f1' }, { fingerprint: 'f2', labels: { severity: 'critical' } }]), new Date(), route);
    expect(joined).toMatchObject({ kind: 'updated', changes: 1, incident: { id, severity: 'critical' } });
    const half = await incidents.applyBatch(batch(g, [{ fingerprint: 'f1', status: 'resolved' }, { fingerprint: 'f2', labels: { severity: 'critical' } }]), new Date(), route);
    expect(half).toMatchObject({ kind: 'updated', incident: { state: 'firing' } });
    const done = await incidents.applyBatch(batch(g, [{ fingerprint: 'f1', status: 'resolved' }, { fingerprint: 'f2', status: 'resolved' }]), new Date(), route);
    expect(done).toMatchObject({ kind: 'resolved', incident: { id, state: 'resolved', resolvedBy: 'alertmanager' } });
    // The resolved notification re-sent: nothing opens.
    expect(await incidents.applyBatch(batch(g, [{ fingerprint: 'f1', status: 'resolved' }, { fingerprint: 'f2', status: 'resolved' }]), new Date(), route)).toMatchObject({ kind: 'ignored' });
    const kinds = (await incidents.timeline(id)).map((t) => t.kind);
    expect(kinds).toEqual(['alert_firing', 'alert_firing', 'alert_resolved', 'alert_resolved', 'resolved']);
    // Firing again later: a new incident for the group.
    const again = await incidents.applyBatch(batch(g, [{ fingerprint: 'f1', startsAt: '2026-11-30T05:00:00Z' }]), new Date(), route);
    expect(again.kind).toBe('opened');
    expect((await incidents.byGroup(g)).map((i) => i.state)).toEqual(['resolved', 'firing']);
  });

  test('GIVEN 20 concurrent first notifications of one group THEN exactly one incident is opened', async () => {
    const g = '{}:{alertname="Storm"}';
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => incidents.applyBatch(batch(g, [{ fingerprint: `s${i}` }]), new Date(), route)));
    expect(results.filter((r) => r.kind === 'opened')).toHaveLength(1);
    expect(await incidents.byGroup(g)).toHaveLength(1);
    expect(await incidents.alerts((await incidents.byGroup(g))[0]!.id)).toHaveLength(20);
  });

  test('GIVEN a manual resolve while Alertmanager still re-sends the firing alert THEN no new incident; an action is applied once per event id', async () => {
    const g = '{}:{alertname="M"}';
    const o = await incidents.applyBatch(batch(g, [{ fingerprint: 'm1' }]), new Date(), route);
    const id = o.kind === 'opened' ? o.incident.id : '';
    const actor = { id: '1', name: 'Alice' };
    expect(await incidents.applyAction(id, { type: 'ack', withSilence: false }, actor, 'ack', 'evt-1', new Date())).toMatchObject({ ok: true, repeated: false, incident: { state: 'acknowledged', ackedBy: 'Alice' } });
    expect(await incidents.applyAction(id, { type: 'ack', withSilence: false }, actor, 'ack', 'evt-1', new Date())).toMatchObject({ ok: true, repeated: true });
    expect(await incidents.applyAction(id, { type: 'ack', withSilence: false }, actor, 'ack', 'evt-2', new Date())).toMatchObject({ ok: false });
    expect(await incidents.applyAction(id, { type: 'resolve' }, actor, 'resolve', 'evt-3', new Date())).toMatchObject({ ok: true, incident: { state: 'resolved', resolvedBy: 'Alice' } });
    expect(await incidents.applyBatch(batch(g, [{ fingerprint: 'm1' }]), new Date(), route)).toMatchObject({ kind: 'ignored' });
    expect(await incidents.byGroup(g)).toHaveLength(1);
  });
});
