// Real Alertmanager → ops receiver → incident message on the fake Discord (real bot), actions by click, real silences.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { eventually } from '../../helpers/mesh-harness.ts';
import { freePort, startAlertmanager, type RunningAlertmanager } from './alertmanager.ts';
import { TOKEN, startOpsMesh, type OpsMesh } from './harness.ts';

type Msg = { id: string; content: string; embeds: Array<{ title?: string; description?: string; color?: number; fields?: Array<{ name: string; value: string }> }>; components: Array<{ components: Array<{ custom_id?: string; label: string; disabled?: boolean }> }> };
/** Messages with an embed: incident messages (private answers to clicks are interaction responses without one). */
const msgs = (mesh: OpsMesh) => (mesh.messages() as unknown as Msg[]).filter((m) => m.embeds.length > 0);
const buttonIds = (m: Msg) => m.components.flatMap((r) => r.components.map((b) => b.custom_id ?? ''));
const field = (m: Msg, name: string) => m.embeds[0]?.fields?.find((f) => f.name === name)?.value;

let am: RunningAlertmanager | undefined;
let mesh: OpsMesh | undefined;
let amPort = 0;

beforeAll(async () => {
  amPort = await freePort();
});
afterEach(async () => {
  await am?.stop();
  await mesh?.cleanup();
  am = undefined;
  mesh = undefined;
});
afterAll(async () => {
  await am?.stop();
});

describe('ops with a real Alertmanager and the Discord bot', () => {
  test('GIVEN an alert posted to Alertmanager THEN one incident message appears with buttons; ack by on-call edits it, a non-member is refused privately; silence and unsilence are real Alertmanager silences; the resolved alert resolves the message', async () => {
    mesh = await startOpsMesh({ alertmanagerUrl: `http://127.0.0.1:${amPort}`, mentionRoles: {} });
    am = await startAlertmanager({ port: amPort, webhookUrl: `${mesh.ops.url}/alertmanager`, token: TOKEN });
    const { fake } = mesh.discord;
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alert = { labels: { alertname: 'HighLatency', severity: 'critical', service: 'api' }, annotations: { summary: 'p99 latency above 2 s', runbook_url: 'https://runbooks.example/high-latency' }, startsAt, generatorURL: 'http://prometheus.local/graph' };
    await am.postAlerts([alert]);

    await eventually(() => msgs(mesh!).length === 1 && buttonIds(msgs(mesh!)[0]!).length > 0, 20_000, 'the incident message');
    let m = msgs(mesh)[0]!;
    expect(m.embeds[0]!.title).toContain('FIRING');
    expect(m.embeds[0]!.title).toContain('HighLatency');
    expect(field(m, 'Runbook')).toContain('https://runbooks.example/high-latency');
    const ackId = buttonIds(m).find((id) => id.startsWith('ops:ack:'))!;
    const incidentId = ackId.split(':')[2]!;
    expect(buttonIds(m)).toEqual(expect.arrayContaining([`ops:resolve:${incidentId}`, `ops:silence:${incidentId}:3600`, `ops:silence:${incidentId}:14400`, `ops:silence:${incidentId}:86400`, `ops:escalate:${incidentId}`]));

    // bob holds no on-call role: refused privately, the message stays as it was.
    const refused = fake.sendInteraction({ type: 3, customId: ackId, user: 'bob', messageId: m.id });
    const answer = await refused.waitFor('edit-original', 15_000);
    expect(JSON.stringify(answer.body)).toContain('Only on-call members');
    expect(msgs(mesh)[0]!.embeds[0]!.title).toContain('FIRING');

    const ack = fake.sendInteraction({ type: 3, customId: ackId, user: 'alice', messageId: m.id });
    await ack.waitFor('edit-original', 15_000);
    await eventually(() => (msgs(mesh!)[0]!.embeds[0]!.title ?? '').includes('ACKNOWLEDGED'), 15_000, 'the message edited to acknowledged');
    m = msgs(mesh)[0]!;
    expect(msgs(mesh)).toHaveLength(1);
    expect(field(m, 'Acknowledged by')).toContain('Alice');

    const silence = fake.sendInteraction({ type: 3, customId: `ops:silence:${incidentId}:3600`, user: 'alice', messageId: m.id });
    await silence.waitFor('edit-original', 15_000);
    await eventually(async () => (await am!.silences()).some((s) => s.status.state === 'active'), 15_000, 'an active silence in Alertmanager');
    const [made] = (await am.silences()).filter((s) => s.status.state === 'active');
    expect(made!.matchers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'alertname', value: 'HighLatency' }), expect.objectContaining({ name: 'service', value: 'api' })]));
    expect(made!.comment).toContain(incidentId);
    await eventually(() => (msgs(mesh!)[0]!.embeds[0]!.title ?? '').includes('SILENCED'), 15_000, 'the message edited to silenced');
    expect(buttonIds(msgs(mesh)[0]!)).toContain(`ops:unsilence:${incidentId}`);

    const unsilence = fake.sendInteraction({ type: 3, customId: `ops:unsilence:${incidentId}`, user: 'alice', messageId: m.id });
    await unsilence.waitFor('edit-original', 15_000);
    await eventually(async () => (await am!.silences()).every((s) => s.status.state === 'expired'), 15_000, 'the silence expired');

    // The alert resolves: Alertmanager sends the resolved notification and the same message shows it.
    await am.postAlerts([{ ...alert, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    await eventually(() => (msgs(mesh!)[0]!.embeds[0]!.title ?? '').includes('RESOLVED'), 20_000, 'the message edited to resolved');
    m = msgs(mesh)[0]!;
    expect(msgs(mesh)).toHaveLength(1);
    expect(buttonIds(m)).toEqual([]);
    expect(m.embeds[0]!.color).toBe(0x2ecc71);

    const timeline = await mesh.ops.incidents.timeline(incidentId);
    const kinds = timeline.map((t) => t.kind);
    expect(kinds).toEqual(expect.arrayContaining(['alert_firing', 'refused', 'ack', 'silence', 'unsilence', 'alert_resolved', 'resolved']));
    expect(timeline.find((t) => t.kind === 'ack')).toMatchObject({ actorId: fake.user('alice').id, actorName: 'Alice' });
    expect(timeline.find((t) => t.kind === 'refused')).toMatchObject({ actorId: fake.user('bob').id });
  }, 120_000);
});
