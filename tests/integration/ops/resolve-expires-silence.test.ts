// Resolving an incident (a click, /incident resolve, or every alert resolving) expires the Alertmanager silence
// Helix made for it, so the next incident with the same labels is not hidden; the timeline records it. When
// Alertmanager is down, the resolve stands and the expiry is retried until it takes.
import { afterEach, describe, expect, test } from 'vitest';
import { HelixError } from '../../../mesh/index.ts';
import type { SilenceClient, SilenceRequest } from '../../../ops/alertmanager/silences.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { freePort, startAlertmanager, type RunningAlertmanager } from './alertmanager.ts';
import { TOKEN, amWebhook, postWebhook, startOpsMesh, type OpsMesh } from './harness.ts';

type Msg = { id: string; flags?: number; embeds: Array<{ title?: string; fields?: Array<{ name: string; value: string }> }>; components: Array<{ components: Array<{ custom_id?: string }> }> };
const incidentMsg = (mesh: OpsMesh) => (mesh.messages() as unknown as Msg[]).find((m) => m.embeds.length > 0 && !((m.flags ?? 0) & 64));
const title = (mesh: OpsMesh) => incidentMsg(mesh)?.embeds[0]?.title ?? '';

let am: RunningAlertmanager | undefined;
let mesh: OpsMesh | undefined;
afterEach(async () => {
  await am?.stop();
  await mesh?.cleanup();
  am = undefined;
  mesh = undefined;
});

/** A silence API that fails `failures` times on expire (with `code`), then works; records every call. */
class FlakySilences implements SilenceClient {
  readonly expired: string[] = [];
  expireCalls = 0;
  #failures: number;
  readonly #code: 'platform_unavailable' | 'platform_rejected';
  constructor(failures: number, code: 'platform_unavailable' | 'platform_rejected') {
    this.#failures = failures;
    this.#code = code;
  }
  async create(_req: SilenceRequest): Promise<string> {
    return '3f0c2a9e-0000-4000-8000-00000000beef';
  }
  async expire(id: string): Promise<void> {
    this.expireCalls++;
    if (this.#failures-- > 0) throw new HelixError(this.#code, this.#code === 'platform_unavailable' ? 'Alertmanager at http://am.local is unreachable (ECONNREFUSED); check ops.alertmanagerUrl.' : 'Alertmanager refused DELETE /api/v2/silence/x (422): bad id');
    this.expired.push(id);
  }
}

async function openIncident(mesh: OpsMesh, name: string): Promise<string> {
  await postWebhook(mesh.ops, amWebhook(`{}:{alertname="${name}"}`, [{ fingerprint: 'e1e1e1e1e1e1e1e1' }], { alertname: name, severity: 'error', service: 'api' }));
  await eventually(() => incidentMsg(mesh) !== undefined, 20_000, 'the incident message');
  const [incident] = await mesh.ops.incidents.open();
  return incident!.id;
}

describe('resolving expires Helix silences', () => {
  test('GIVEN a silenced incident resolved by a click THEN the real Alertmanager silence is expired, the timeline says so and the asker is told', async () => {
    const amPort = await freePort();
    mesh = await startOpsMesh({ alertmanagerUrl: `http://127.0.0.1:${amPort}`, mentionRoles: {} });
    am = await startAlertmanager({ port: amPort, webhookUrl: `${mesh.ops.url}/alertmanager`, token: TOKEN });
    const { fake } = mesh.discord;
    const id = await openIncident(mesh, 'Resolved1');
    const m = incidentMsg(mesh)!;
    await fake.sendInteraction({ type: 3, customId: `ops:silence:${id}:3600`, user: 'alice', messageId: m.id }).waitFor('edit-original', 15_000);
    await eventually(async () => (await am!.silences()).some((s) => s.status.state === 'active'), 15_000, 'an active silence');
    const silenceId = (await mesh.ops.incidents.get(id))!.silenceId!;
    expect(silenceId).toBeTruthy();

    const resolve = fake.sendInteraction({ type: 3, customId: `ops:resolve:${id}`, user: 'alice', messageId: m.id });
    expect(JSON.stringify((await resolve.waitFor('edit-original', 15_000)).body)).toContain(`You resolved ${id}. Its Alertmanager silence ${silenceId} is expired.`);
    const silence = (await am.silences()).find((s) => s.id === silenceId);
    expect(silence?.status.state).toBe('expired');
    const incident = await mesh.ops.incidents.get(id);
    expect(incident).toMatchObject({ state: 'resolved', silenceId: undefined, silencedUntil: undefined });
    const kinds = (await mesh.ops.incidents.timeline(id)).map((t) => t.kind);
    expect(kinds.slice(-2)).toEqual(['resolve', 'silence_expired']);
    expect((await mesh.ops.incidents.timeline(id)).at(-1)?.detail).toBe(`Alertmanager silence ${silenceId} expired: the incident is resolved`);
    await eventually(() => title(mesh!).includes('RESOLVED') && (incidentMsg(mesh!)?.embeds[0]?.fields ?? []).some((f) => f.name === 'Timeline' && f.value.includes('silence expired')), 15_000, 'the message to show the expiry');
  }, 90_000);

  test('GIVEN an incident acknowledged with a short silence THEN every alert resolving expires that silence', async () => {
    const amPort = await freePort();
    mesh = await startOpsMesh({ alertmanagerUrl: `http://127.0.0.1:${amPort}`, ackSilenceMinutes: 30, mentionRoles: {} });
    am = await startAlertmanager({ port: amPort, webhookUrl: `${mesh.ops.url}/alertmanager`, token: TOKEN });
    const { fake } = mesh.discord;
    const id = await openIncident(mesh, 'Resolved2');
    await fake.sendInteraction({ type: 3, customId: `ops:ack:${id}`, user: 'alice', messageId: incidentMsg(mesh)!.id }).waitFor('edit-original', 15_000);
    await eventually(async () => (await mesh!.ops.incidents.get(id))?.state === 'snoozed', 15_000, 'the incident snoozed');
    const silenceId = (await mesh.ops.incidents.get(id))!.silenceId!;
    expect((await am.silences()).find((s) => s.id === silenceId)?.status.state).toBe('active');

    // Alertmanager mutes notifications of silenced alerts, so the resolved notification is posted as it would come from another route.
    await postWebhook(mesh.ops, amWebhook('{}:{alertname="Resolved2"}', [{ fingerprint: 'e1e1e1e1e1e1e1e1', status: 'resolved' }], { alertname: 'Resolved2', severity: 'error', service: 'api' }));
    await eventually(async () => (await am!.silences()).find((s) => s.id === silenceId)?.status.state === 'expired', 15_000, 'the silence expired');
    await eventually(async () => (await mesh!.ops.incidents.timeline(id)).some((t) => t.kind === 'silence_expired'), 10_000, 'the expiry in the timeline');
    expect(await mesh.ops.incidents.get(id)).toMatchObject({ state: 'resolved', silenceId: undefined });
  }, 90_000);

  test('GIVEN Alertmanager down at resolve time THEN the incident resolves at once, the failure is noted once, and the expiry is retried until it works', async () => {
    const silences = new FlakySilences(2, 'platform_unavailable');
    mesh = await startOpsMesh({}, { silences });
    const { fake } = mesh.discord;
    const id = await openIncident(mesh, 'Flaky');
    await fake.sendInteraction({ type: 2, commandName: 'incident', user: 'alice', options: [{ type: 1, name: 'silence', options: [{ type: 3, name: 'id', value: id }] }] }).waitFor('edit-original', 15_000);
    await eventually(async () => (await mesh!.ops.incidents.get(id))?.state === 'silenced', 15_000, 'the incident silenced');

    const resolve = fake.sendInteraction({ type: 2, commandName: 'incident', user: 'alice', options: [{ type: 1, name: 'resolve', options: [{ type: 3, name: 'id', value: id }] }] });
    expect(JSON.stringify((await resolve.waitFor('edit-original', 15_000)).body)).toContain('did not expire its silence 3f0c2a9e-0000-4000-8000-00000000beef yet; I keep trying');
    expect((await mesh.ops.incidents.get(id))?.state).toBe('resolved');
    await eventually(() => silences.expired.length === 1, 20_000, 'the retried expiry');
    await eventually(async () => (await mesh!.ops.incidents.get(id))?.silenceId === undefined, 10_000, 'the silence id cleared');
    expect(silences.expireCalls).toBe(3);
    const timeline = await mesh.ops.incidents.timeline(id);
    expect(timeline.filter((t) => t.kind === 'silence_expire_failed')).toHaveLength(1);
    expect(timeline.find((t) => t.kind === 'silence_expire_failed')?.detail).toMatch(/unreachable .*Helix keeps retrying; until it works it lasts until 20\d\d-.+Z, or expire it in Alertmanager\.$/);
    expect(timeline.filter((t) => t.kind === 'silence_expired')).toHaveLength(1);
  }, 60_000);

  test('GIVEN Alertmanager refuses the expiry THEN it is noted with what to do and not retried', async () => {
    const silences = new FlakySilences(1, 'platform_rejected');
    mesh = await startOpsMesh({}, { silences });
    const { fake } = mesh.discord;
    const id = await openIncident(mesh, 'Refused');
    await fake.sendInteraction({ type: 2, commandName: 'incident', user: 'alice', options: [{ type: 1, name: 'silence', options: [{ type: 3, name: 'id', value: id }] }] }).waitFor('edit-original', 15_000);
    await eventually(async () => (await mesh!.ops.incidents.get(id))?.state === 'silenced', 15_000, 'the incident silenced');
    const resolve = fake.sendInteraction({ type: 2, commandName: 'incident', user: 'alice', options: [{ type: 1, name: 'resolve', options: [{ type: 3, name: 'id', value: id }] }] });
    expect(JSON.stringify((await resolve.waitFor('edit-original', 15_000)).body)).toContain('Alertmanager did not expire its silence 3f0c2a9e-0000-4000-8000-00000000beef (see the incident timeline)');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(silences.expireCalls).toBe(1);
    expect((await mesh.ops.incidents.timeline(id)).find((t) => t.kind === 'silence_expire_failed')?.detail).toContain('expire it in Alertmanager if it should end sooner');
  }, 60_000);
});
