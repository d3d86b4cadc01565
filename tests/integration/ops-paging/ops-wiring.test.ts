// Through the real ops service (queues, consumers, the Discord bot on the fake Discord): a paged incident that
// Alertmanager resolves sends PagerDuty its resolve, and /oncall answers from the iCal feed in ops.scheduleIcalUrl.
import { afterEach, describe, expect, test } from 'vitest';
import { PagerDutyPager } from '../../../ops/paging/index.ts';
import { deadLettersOf, eventually } from '../../helpers/mesh-harness.ts';
import { calendar } from '../../fakes/paging/ical-feeds.ts';
import { type IcalServer, startIcalServer } from '../../fakes/paging/ical-server.ts';
import { type FakePagerDuty, startFakePagerDuty } from '../../fakes/paging/pagerduty-api.ts';
import { amWebhook, postWebhook, startOpsMesh, type OpsMesh } from '../ops/harness.ts';
import { PD_KEY } from './paging-rig.ts';

let mesh: OpsMesh | undefined;
let pd: FakePagerDuty | undefined;
let server: IcalServer | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  await pd?.close();
  await server?.close();
  mesh = pd = server = undefined;
});

const ical = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

describe('ops service wiring', () => {
  test('GIVEN an incident escalated to a PagerDuty page WHEN Alertmanager resolves it THEN PagerDuty gets one resolve with the same dedup key', async () => {
    pd = await startFakePagerDuty(PD_KEY);
    const pager = new PagerDutyPager({ routingKey: PD_KEY, baseUrl: pd.url, maxRetries: 0 });
    mesh = await startOpsMesh({ escalationSec: { critical: 1 } }, { pagers: [pager] });
    const group = '{}:{alertname="Wired"}';
    expect((await postWebhook(mesh.ops, amWebhook(group, [{ fingerprint: 'a7a7a7a7a7a7a7a7' }], { alertname: 'Wired', severity: 'critical' }))).status).toBe(200);
    await eventually(() => pd!.events.length === 1, 40_000, 'the page');
    const resolved = amWebhook(group, [{ fingerprint: 'a7a7a7a7a7a7a7a7', status: 'resolved' }], { alertname: 'Wired', severity: 'critical' });
    expect((await postWebhook(mesh.ops, resolved)).status).toBe(200);
    await eventually(() => pd!.events.length === 2, 20_000, 'the resolve');
    expect(pd.events.map((e) => [e.event_action, e.dedup_key])).toEqual([['trigger', pd.events[0]!.dedup_key], ['resolve', pd.events[0]!.dedup_key]]);
    // Alertmanager sends the resolved notification again (repeat_interval): nothing more goes out.
    await postWebhook(mesh.ops, resolved);
    const [incident] = await mesh.ops.incidents.byGroup(group);
    await eventually(async () => (await mesh!.ops.incidents.timeline(incident!.id)).some((t) => t.kind === 'page_resolved'), 10_000, 'the page_resolved entry');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(pd.events).toHaveLength(2);
    await pager.close();
  }, 90_000);

  test('GIVEN PagerDuty refuses the resolve WHEN Alertmanager resolves the incident THEN the resolve is sent once, never retried, and the notification is dead-lettered as page_refused', async () => {
    pd = await startFakePagerDuty(PD_KEY);
    const pager = new PagerDutyPager({ routingKey: PD_KEY, baseUrl: pd.url, maxRetries: 0 });
    mesh = await startOpsMesh({ escalationSec: { critical: 1 } }, { pagers: [pager] });
    const group = '{}:{alertname="Refused"}';
    await postWebhook(mesh.ops, amWebhook(group, [{ fingerprint: 'b8b8b8b8b8b8b8b8' }], { alertname: 'Refused', severity: 'critical' }));
    await eventually(() => pd!.events.length === 1, 40_000, 'the page');
    // The integration was removed in PagerDuty meanwhile: every resolve is refused.
    pd.failNext({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] } }, 10);
    await postWebhook(mesh.ops, amWebhook(group, [{ fingerprint: 'b8b8b8b8b8b8b8b8', status: 'resolved' }], { alertname: 'Refused', severity: 'critical' }));
    const prefix = mesh.discord.prefix;
    await eventually(async () => (await deadLettersOf(prefix)).some((d) => d.code === 'page_refused'), 20_000, 'the dead letter');
    const letter = (await deadLettersOf(prefix)).find((d) => d.code === 'page_refused')!;
    expect(letter).toMatchObject({ attempts: 1 });
    expect(letter.reason).toMatch(/pagerduty refused the resolve .*Invalid routing key.*by hand/);
    // Retries would come within seconds (the queue's backoff): none does.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(pd.requests).toHaveLength(2);
    const [incident] = await mesh.ops.incidents.byGroup(group);
    expect(incident?.state).toBe('resolved');
    await pager.close();
  }, 90_000);

  test('GIVEN ops.scheduleIcalUrl WHEN someone asks /oncall THEN the answer names the calendar’s person on call', async () => {
    mesh = await startOpsMesh();
    const { fake } = mesh.discord;
    const alice = fake.user('alice').id;
    const bob = fake.user('bob').id;
    const now = Date.now();
    server = await startIcalServer({ kind: 'ics', body: calendar([
      ['UID:a@helix.test', `DTSTART:${ical(now - 3_600_000)}`, `DTEND:${ical(now + 3_600_000)}`, `SUMMARY:Alice <@${alice}>`],
      ['UID:b@helix.test', `DTSTART:${ical(now + 3_600_000)}`, `DTEND:${ical(now + 7_200_000)}`, `SUMMARY:Bob <@${bob}>`],
    ]) });
    await mesh.restart({ scheduleIcalUrl: server.url, scheduleIcalRotation: 'primary calendar' });
    await eventually(() => server!.requests >= 1, 10_000, 'the calendar fetch');
    await new Promise((r) => setTimeout(r, 200));
    const answer = await fake.sendInteraction({ type: 2, commandName: 'oncall', user: 'bob' }).waitFor('edit-original', 20_000);
    const text = JSON.stringify(answer.body);
    expect(text).toContain(`**primary calendar**: <@${alice}> (Alice) until <t:`);
    expect(text).toContain(`then <@${bob}> (Bob)`);
    expect(text).not.toContain('stale');
  }, 60_000);
});
