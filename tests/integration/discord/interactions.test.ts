// INTERACTION_CREATE from the fake: slash commands registered at start, ops buttons and commands to `ops-actions`,
// companion commands to `inbound` (answered through the deferred response), everything acknowledged within 3 s.
import { HELIX_COMMANDS } from '../../../bots/discord/commands.ts';
import { afterEach, describe, expect, test } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../../helpers/private-redis.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { botMessages, startDiscordMesh, type DiscordMesh } from './harness.ts';

let mesh: DiscordMesh | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  await redis?.stop();
  mesh = undefined;
  redis = undefined;
});

const EPHEMERAL = 64;
const COMMANDS = ['export', 'forget', 'incident', 'join', 'leave', 'link', 'oncall', 'remember', 'slo', 'unlink'];

describe('discord bot: interactions', () => {
  test('GIVEN the bot starts THEN its slash commands are registered by bulk overwrite: globally by default, per guild when configured', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    expect(fake.commands().map((c) => c.name).sort()).toEqual(COMMANDS);
    const incident = fake.commands().find((c) => c.name === 'incident') as { options: Array<{ name: string }> };
    expect(incident.options.map((o) => o.name)).toEqual(['ack', 'resolve', 'silence', 'note']);
    expect(fake.records.rest.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/applications/${fake.applicationId}/commands`]);

    const guildId = fake.guild().id;
    await mesh.bot.close();
    mesh.bot = await mesh.startBot({ commandGuildIds: [guildId] });
    expect(fake.commands(guildId).map((c) => c.name).sort()).toEqual(COMMANDS);
  });

  test('GIVEN a click on ops:ack:inc-1 THEN an OpsAction with the clicker id, name and role ids is queued and the click is deferred (ephemeral) within 3 s', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    await mesh.reply({ parts: ['Incident inc-1'], buttons: [{ action: 'ops:ack:inc-1', label: 'Ack' }, { action: 'ops:silence:inc-1:3600', label: 'Silence 1h' }] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'incident message');
    const page = botMessages(fake, 'general')[0]!;

    const click = fake.sendInteraction({ type: 3, customId: 'ops:ack:inc-1', user: 'alice', messageId: page.id });
    const callback = await click.waitForCallback();
    expect(callback).toMatchObject({ type: 5, status: 204, body: { type: 5, data: { flags: EPHEMERAL } } });
    expect(callback.elapsedMs).toBeLessThan(3_000);
    const [action] = await mesh.ops.waitFor(1);
    expect(mesh.ops.items[0]!.jobId).toBe(`discord-${click.id}`);
    expect(action).toMatchObject({
      v: 1,
      platform: 'discord',
      eventId: click.id,
      action: 'ack',
      incidentId: 'inc-1',
      actor: { accountId: fake.user('alice').id, displayName: 'Alice' },
      conversation: { id: fake.channel('general').id, kind: 'group' },
      messageId: page.id,
      reply: { interactionId: click.id, applicationId: fake.applicationId, ephemeral: '1' },
    });
    expect([...action!.actor.roles].sort()).toEqual([fake.role('admin').id, fake.role('on-call').id].sort());
    // Enqueued before the defer: the queue had it when Discord got the acknowledgement.
    expect(mesh.ops.items).toHaveLength(1);

    const silence = fake.sendInteraction({ type: 3, customId: 'ops:silence:inc-1:3600', user: 'bob', messageId: page.id });
    await silence.waitForCallback();
    const [, second] = await mesh.ops.waitFor(2);
    expect(second).toMatchObject({ action: 'silence', incidentId: 'inc-1', durationSec: 3600, actor: { accountId: fake.user('bob').id, roles: [] } });

    // Ops answers privately through the interaction: the deferred "thinking" response is filled in.
    await mesh.reply({ conversation: { ...action!.conversation, route: { ...action!.conversation.route, ...action!.reply } }, parts: ['You acknowledged inc-1.'], private: true });
    const edited = await click.waitFor('edit-original');
    expect(edited).toMatchObject({ status: 200, body: { content: 'You acknowledged inc-1.' } });
  });

  test('GIVEN /incident and /oncall THEN they become ops actions; /remember becomes a turn whose answer edits the deferred response', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const silence = fake.sendInteraction({ type: 2, commandName: 'incident', user: 'alice', options: [{ type: 1, name: 'silence', options: [{ type: 3, name: 'id', value: 'inc-9' }, { type: 4, name: 'minutes', value: 30 }] }] });
    expect(await silence.waitForCallback()).toMatchObject({ type: 5, body: { data: { flags: EPHEMERAL } } });
    const note = fake.sendInteraction({ type: 2, commandName: 'incident', user: 'alice', options: [{ type: 1, name: 'note', options: [{ type: 3, name: 'id', value: 'inc-9' }, { type: 3, name: 'text', value: 'rolled back' }] }] });
    await note.waitForCallback();
    const oncall = fake.sendInteraction({ type: 2, commandName: 'oncall', user: 'bob' });
    await oncall.waitForCallback();
    const actions = await mesh.ops.waitFor(3);
    expect(actions.map((a) => [a.action, a.incidentId, a.durationSec, a.note])).toEqual([
      ['silence', 'inc-9', 1800, undefined],
      ['note', 'inc-9', undefined, 'rolled back'],
      ['oncall', undefined, undefined, undefined],
    ]);

    const remember = fake.sendInteraction({ type: 2, commandName: 'remember', user: 'alice', options: [{ type: 3, name: 'text', value: 'my dog is Juno' }] });
    expect(await remember.waitForCallback()).toMatchObject({ type: 5, body: { data: { flags: EPHEMERAL } } });
    const [turn] = await mesh.inbound.waitFor(1);
    expect(turn).toMatchObject({ eventId: remember.id, text: '/remember my dog is Juno', command: { name: 'remember', args: { text: 'my dog is Juno' } }, author: { accountId: fake.user('alice').id } });
    expect(turn!.conversation.route).toMatchObject({ channelId: fake.channel('general').id, interactionId: remember.id, ephemeral: '1' });
    // The interaction's token answers as the app: it stays with the bot, so neither the queued turn nor the
    // ops actions (nor any dead letter or log of them) carry it; delivery finds it by the interaction id.
    const tokens = fake.records.dispatches.filter((d) => d.t === 'INTERACTION_CREATE').map((d) => (d.d as { token: string }).token);
    expect(tokens).toHaveLength(4);
    for (const envelope of [turn, ...actions]) for (const token of tokens) expect(JSON.stringify(envelope)).not.toContain(token);
    await mesh.reply({ conversation: turn!.conversation, inReplyTo: turn!.eventId, parts: ["Got it: your dog is Juno."] });
    const answer = await remember.waitFor('edit-original');
    expect(answer).toMatchObject({ status: 200, body: { content: 'Got it: your dog is Juno.' } });
    // Private: nothing was posted in the channel.
    expect(botMessages(fake, 'general').filter((m) => m.content.includes('Juno')).every((m) => (m.flags as number) & EPHEMERAL)).toBe(true);
  });

  test('GIVEN /unlink with a platform THEN it reaches the brain as a private unlink command turn, and the command offers every platform as a choice', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const unlink = fake.sendInteraction({ type: 2, commandName: 'unlink', user: 'alice', options: [{ type: 3, name: 'platform', value: 'slack' }] });
    expect(await unlink.waitForCallback()).toMatchObject({ type: 5, body: { data: { flags: EPHEMERAL } } });
    const [turn] = await mesh.inbound.waitFor(1);
    expect(turn).toMatchObject({ eventId: unlink.id, text: '/unlink slack', command: { name: 'unlink', args: { platform: 'slack' } }, author: { accountId: fake.user('alice').id } });
    expect(turn!.conversation.route).toMatchObject({ ephemeral: '1' });
    const registered = HELIX_COMMANDS.find((c) => c.name === 'unlink')!;
    expect((registered.options![0] as { choices: Array<{ value: string }> }).choices.map((c) => c.value)).toEqual(expect.arrayContaining(['discord', 'slack', 'github', 'x', 'gchat', 'web']));
  });

  test('GIVEN /join, an unknown command, a modal and an unknown interaction type THEN each gets a polite ephemeral answer at once', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const join = fake.sendInteraction({ type: 2, commandName: 'join', user: 'bob' });
    expect(await join.waitForCallback()).toMatchObject({ type: 4, status: 204, body: { data: { content: expect.stringMatching(/voice.*(aren't|not) available yet/i), flags: EPHEMERAL } } });
    const unknown = fake.sendInteraction({ type: 2, commandName: 'dance', user: 'bob' });
    expect(await unknown.waitForCallback()).toMatchObject({ type: 4, body: { data: { content: expect.stringMatching(/don't know that command/), flags: EPHEMERAL } } });
    const modal = fake.sendInteraction({ type: 5, customId: 'feedback', user: 'bob' });
    expect(await modal.waitForCallback()).toMatchObject({ type: 4, body: { data: { flags: EPHEMERAL } } });
    // An interaction type discord.js does not know (it drops those silently): still answered, from the raw payload.
    const future = fake.sendInteraction({ type: 9 as 2, commandName: 'x', user: 'bob' });
    expect(await future.waitForCallback()).toMatchObject({ type: 4, body: { data: { content: expect.stringMatching(/can't handle that kind of interaction/), flags: EPHEMERAL } } });
    const stale = fake.sendInteraction({ type: 3, customId: 'something-else', user: 'bob', messageId: (await postWithButton(mesh)).id });
    expect(await stale.waitForCallback()).toMatchObject({ type: 4, body: { data: { content: expect.stringMatching(/isn't active/), flags: EPHEMERAL } } });
    expect(mesh.ops.items).toHaveLength(0);
    expect(mesh.inbound.items).toHaveLength(0);
  });

  test('GIVEN the queue is unreachable THEN a click is answered with a polite ephemeral error instead of a defer, and deferred again once it is back', async () => {
    redis = await startPrivateRedis();
    mesh = await startDiscordMesh({ redisUrl: redis.url });
    const { fake } = mesh;
    const page = await postWithButton(mesh, 'ops:ack:inc-2');
    await redis.down();
    const click = fake.sendInteraction({ type: 3, customId: 'ops:ack:inc-2', user: 'alice', messageId: page.id });
    const callback = await click.waitForCallback();
    expect(callback).toMatchObject({ type: 4, status: 204, body: { data: { content: expect.stringMatching(/can't take that right now/), flags: EPHEMERAL } } });
    expect(callback.elapsedMs).toBeLessThan(3_000);

    // Once Redis is back, clicks are queued and deferred again.
    await redis.up();
    await eventually(async () => {
      const again = fake.sendInteraction({ type: 3, customId: 'ops:ack:inc-2', user: 'alice', messageId: page.id });
      return (await again.waitForCallback()).type === 5;
    }, 10_000, 'a deferred click after Redis is back');
  });
});

async function postWithButton(m: DiscordMesh, action = 'something-else') {
  await m.reply({ parts: ['a message with a button'], buttons: [{ action, label: 'Click' }] });
  await eventually(() => botMessages(m.fake, 'general').some((x) => (x.components as unknown[]).length > 0), 5_000, 'button message');
  return botMessages(m.fake, 'general').at(-1)!;
}
