// /oncall and /incident through the real Discord bot: the answer is private, notes land in the timeline,
// an id-less /incident acts on the channel's one open incident.
import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from '../../helpers/mesh-harness.ts';
import { amWebhook, postWebhook, startOpsMesh, type OpsMesh } from './harness.ts';

type Msg = { content: string; embeds: Array<{ title?: string; fields?: Array<{ name: string; value: string }> }> };
const incidentMsg = (mesh: OpsMesh) => (mesh.messages() as unknown as Msg[]).find((m) => m.embeds.length > 0);

let mesh: OpsMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

describe('ops slash commands', () => {
  test('GIVEN /oncall THEN anyone gets a private answer naming who is on call and who is next', async () => {
    mesh = await startOpsMesh();
    const { fake } = mesh.discord;
    const alice = fake.user('alice').id;
    const bob = fake.user('bob').id;
    await mesh.restart({ schedule: [{ name: 'primary', start: new Date(Date.now() - 60_000).toISOString(), shiftHours: 12, members: [{ discordId: alice, name: 'Alice' }, { discordId: bob, name: 'Bob' }] }] });
    const ask = fake.sendInteraction({ type: 2, commandName: 'oncall', user: 'bob' });
    const answer = await ask.waitFor('edit-original', 20_000);
    const text = JSON.stringify(answer.body);
    expect(text).toContain('primary');
    expect(text).toContain(`<@${alice}>`);
    expect(text).toContain(`<@${bob}>`);
  }, 60_000);

  test('GIVEN /incident note and an id-less /incident resolve by on-call THEN the note is in the timeline and the one open incident resolves', async () => {
    mesh = await startOpsMesh();
    const { fake } = mesh.discord;
    await postWebhook(mesh.ops, amWebhook('{}:{alertname="Cmd"}', [{ fingerprint: 'c1c1c1c1c1c1c1c1' }], { alertname: 'Cmd', severity: 'error' }));
    await eventually(() => incidentMsg(mesh!) !== undefined, 20_000, 'the incident message');
    const [incident] = await mesh.ops.incidents.open();
    const note = fake.sendInteraction({ type: 2, commandName: 'incident', user: 'alice', options: [{ type: 1, name: 'note', options: [{ type: 3, name: 'id', value: incident!.id }, { type: 3, name: 'text', value: 'rolled back deploy 42' }] }] });
    expect(JSON.stringify((await note.waitFor('edit-original', 20_000)).body)).toContain('Noted');
    await eventually(async () => (await mesh!.ops.incidents.timeline(incident!.id)).some((t) => t.kind === 'note' && t.detail === 'rolled back deploy 42'), 10_000, 'the note');
    await eventually(() => (incidentMsg(mesh!)?.embeds[0]?.fields ?? []).some((f) => f.name === 'Timeline' && f.value.includes('rolled back deploy 42')), 15_000, 'the note on the message');

    const resolve = fake.sendInteraction({ type: 2, commandName: 'incident', user: 'alice', options: [{ type: 1, name: 'resolve', options: [] }] });
    expect(JSON.stringify((await resolve.waitFor('edit-original', 20_000)).body)).toContain('resolved');
    await eventually(() => (incidentMsg(mesh!)?.embeds[0]?.title ?? '').includes('RESOLVED'), 15_000, 'the message to show resolved');
    const timeline = await mesh.ops.incidents.timeline(incident!.id);
    expect(timeline.find((t) => t.kind === 'resolve')).toMatchObject({ actorName: 'Alice' });
  }, 60_000);
});
