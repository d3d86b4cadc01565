// The Discord bot and the REAL brain process (`node brain/main.ts`, a child) with a fake model: from a
// MESSAGE_CREATE on the fake gateway to the reply POSTed on the fake REST API, and back from a button click.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { startBrainProcess, type BrainProcess } from '../helpers/brain-process.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { botMessages, sleep, startDiscordMesh, type DiscordMesh } from '../integration/discord/harness.ts';

let mesh: DiscordMesh;
let model: FakeOpenAi;
let brain: BrainProcess;


beforeAll(async () => {
  model = await startFakeOpenAi();
  mesh = await startDiscordMesh({ collectInbound: false });
  brain = await startBrainProcess(mesh.prefix, model.url);
}, 180_000);

afterAll(async () => {
  await brain?.stop();
  await mesh?.cleanup();
  await model?.close();
});

/** Bot messages in a channel that reply to `messageId`. */
const answersTo = (channel: string, messageId: string) => botMessages(mesh.fake, channel).filter((m) => (m.message_reference as { message_id?: string } | undefined)?.message_id === messageId);

describe('discord + brain (e2e)', () => {
  test('GIVEN a guild mention THEN exactly one reply, in that channel, referencing the message, with one trace id end to end', async () => {
    const { fake } = mesh;
    model.setReply('Hi Alice, the database looks fine.');
    const asked = fake.sendMessage({ channelId: 'general', author: 'alice', content: `<@${fake.botUserId}> is the database down?` });
    await eventually(() => answersTo('general', asked.id).length === 1, 15_000, 'the reply');
    await sleep(500);
    const replies = answersTo('general', asked.id);
    expect(replies.map((m) => m.content)).toEqual(['Hi Alice, the database looks fine.']);
    expect(replies[0]!.channel_id).toBe(fake.channel('general').id);
    expect(botMessages(fake, 'alerts')).toHaveLength(0);
    const prompt = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(prompt).toContain('is the database down?');
    // One trace id from the gateway event, through the brain process, to the delivered reply.
    const accepted = mesh.log.lines.find((l) => l.msg === 'message accepted' && l.event_id === asked.id);
    expect(accepted?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(brain.lines.some((l) => l.msg === 'turn answered' && l.trace_id === accepted!.trace_id)).toBe(true);
    expect(mesh.log.lines.some((l) => l.msg === 'reply delivered' && l.trace_id === accepted!.trace_id)).toBe(true);
  });

  test('GIVEN a DM THEN Helix replies in the DM', async () => {
    const { fake } = mesh;
    model.setReply('Of course, just between us.');
    const asked = fake.sendMessage({ channelId: '@alice', author: 'alice', content: 'can I ask you something privately?' });
    await eventually(() => answersTo('@alice', asked.id).length === 1, 15_000, 'the DM reply');
    expect(answersTo('@alice', asked.id)[0]!.content).toBe('Of course, just between us.');
  });

  test('GIVEN a gateway resume that replays the event (and a re-sent MESSAGE_CREATE) THEN there is no second reply', async () => {
    const { fake, bot } = mesh;
    model.setReply('Answered once.');
    const requestsBefore = model.requests.length;
    fake.forceReconnect();
    const asked = fake.sendMessage({ channelId: 'general', author: 'bob', content: `<@${fake.botUserId}> did you get this during the reconnect?` });
    await eventually(() => answersTo('general', asked.id).length === 1, 15_000, 'the reply after the resume');
    expect(fake.records.resumes.at(-1)).toMatchObject({ outcome: 'resumed', replayed: 1 });

    // Discord sends it again (a replay, then a re-send to a client that lost its cache).
    fake.replayLast('MESSAGE_CREATE');
    const payload = fake.records.dispatches.find((d) => d.t === 'MESSAGE_CREATE' && (d.d as { id: string }).id === asked.id)!.d;
    (bot.client.channels.cache.get(fake.channel('general').id) as { messages: { cache: Map<string, unknown> } }).messages.cache.clear();
    fake.dispatch('MESSAGE_CREATE', payload, { guildId: fake.guild().id });
    await sleep(1_500);
    expect(answersTo('general', asked.id)).toHaveLength(1);
    expect(model.requests.length - requestsBefore).toBe(1);
  });

  test('GIVEN a 3,500-character answer THEN it arrives as two messages', async () => {
    const { fake } = mesh;
    const sentence = 'Helix explains the incident timeline in patient detail. ';
    const long = sentence.repeat(Math.ceil(3_500 / sentence.length)).slice(0, 3_500).trim();
    model.setReply(long);
    const asked = fake.sendMessage({ channelId: 'general', author: 'alice', content: `<@${fake.botUserId}> explain everything` });
    await eventually(() => botMessages(fake, 'general').filter((m) => m.content.startsWith('Helix explains') || m.content.includes('patient detail')).length >= 2, 15_000, 'two messages');
    await sleep(300);
    const parts = botMessages(fake, 'general').filter((m) => m.content.includes('patient detail'));
    expect(parts).toHaveLength(2);
    expect(parts.every((m) => m.content.length <= 2_000)).toBe(true);
    expect((parts[0]!.message_reference as { message_id: string }).message_id).toBe(asked.id);
    expect(parts.map((m) => m.content).join(' ').replace(/\s+/g, ' ')).toBe(long.replace(/\s+/g, ' '));
  });

  test('GIVEN Discord answers 429 on send THEN the reply is delayed by Retry-After and still arrives once', async () => {
    const { fake } = mesh;
    model.setReply('Worth the wait.');
    fake.failNext('POST /channels/:channelId/messages', { retryAfterSec: 1 });
    const asked = fake.sendMessage({ channelId: 'general', author: 'bob', content: `<@${fake.botUserId}> quick question` });
    await eventually(() => answersTo('general', asked.id).length === 1, 15_000, 'the reply after the limit');
    await sleep(500);
    expect(answersTo('general', asked.id).map((m) => m.content)).toEqual(['Worth the wait.']);
    const posts = fake.records.rest.filter((r) => r.method === 'POST' && r.route === '/channels/:channelId/messages');
    const limited = posts.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    expect(posts[limited + 1]!.status).toBe(200);
    expect(posts[limited + 1]!.at - posts[limited]!.at).toBeGreaterThanOrEqual(1_000);
  });

  test('GIVEN a click on an ops button THEN an OpsAction with the clicker id and roles reaches ops-actions', async () => {
    const { fake } = mesh;
    await mesh.reply({ channelId: fake.channel('alerts').id, parts: ['Incident inc-42: disk full'], buttons: [{ action: 'ops:ack:inc-42', label: 'Ack', style: 'success' }] });
    await eventually(() => botMessages(fake, 'alerts').length === 1, 10_000, 'the incident message');
    const click = fake.sendInteraction({ type: 3, customId: 'ops:ack:inc-42', user: 'alice', messageId: botMessages(fake, 'alerts')[0]!.id });
    const callback = await click.waitForCallback();
    expect(callback.type).toBe(5);
    expect(callback.elapsedMs).toBeLessThan(3_000);
    const [action] = await mesh.ops.waitFor(1);
    expect(action).toMatchObject({ action: 'ack', incidentId: 'inc-42', actor: { accountId: fake.user('alice').id } });
    expect([...action!.actor.roles].sort()).toEqual([fake.role('admin').id, fake.role('on-call').id].sort());
  });
});
