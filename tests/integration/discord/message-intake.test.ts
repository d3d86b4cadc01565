// Messages from the fake gateway to `inbound`: what Helix answers, what it ignores, and "never twice".
import { afterEach, describe, expect, test } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { INBOUND_QUEUE } from '../../../mesh/index.ts';
import { defaultSeed } from '../../fakes/discord/seed.ts';
import { REDIS_URL, eventually } from '../../helpers/mesh-harness.ts';
import { botMessages, sample, sleep, startDiscordMesh, type DiscordMesh } from './harness.ts';

let mesh: DiscordMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

const mention = (m: DiscordMesh) => `<@${m.fake.botUserId}>`;

describe('discord bot: messages in', () => {
  test('GIVEN a guild message that mentions Helix THEN exactly one InboundTurn with the message id, channel route, author and mentions', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const sent = fake.sendMessage({ channelId: 'general', author: 'alice', content: `${mention(mesh)} is the   database down? cc <@${fake.user('bob').id}>` });
    const [turn] = await mesh.inbound.waitFor(1);
    expect(mesh.inbound.items[0]!.jobId).toBe(`discord-${sent.id}`);
    const general = fake.channel('general');
    expect(turn).toMatchObject({
      v: 1,
      platform: 'discord',
      eventId: sent.id,
      conversation: { id: general.id, kind: 'group', title: '#general', route: { channelId: general.id, guildId: fake.guild().id, messageId: sent.id } },
      author: { accountId: fake.user('alice').id, displayName: 'Alice', isBot: false },
      text: 'is the database down? cc @Bob',
      modality: 'text',
      attachments: [],
    });
    expect(turn!.mentions).toEqual(expect.arrayContaining([
      { accountId: fake.botUserId, displayName: 'helix', isHelix: true },
      { accountId: fake.user('bob').id, displayName: 'Bob', isHelix: false },
    ]));
    expect(Date.parse(turn!.receivedAt)).toBeGreaterThan(Date.now() - 10_000);
    const accepted = mesh.log.lines.find((l) => l.msg === 'message accepted');
    expect(accepted).toMatchObject({ event_id: sent.id, trace_id: turn!.traceparent.split('-')[1] });
  });

  test('GIVEN guild messages that neither mention nor reply to Helix THEN they are ignored; a reply to Helix and a message in an own channel are accepted', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const alerts = fake.channel('alerts').id;
    await mesh.bot.close();
    mesh.bot = await mesh.startBot({ ownChannels: [alerts] });
    fake.sendMessage({ channelId: 'general', author: 'bob', content: 'just chatting among humans' });
    const own = fake.sendMessage({ channelId: 'alerts', author: 'bob', content: 'no mention needed here' });
    await mesh.inbound.waitFor(1);
    expect(mesh.inbound.data.map((t) => t.eventId)).toEqual([own.id]);

    // Helix says something; a reply to it needs no mention.
    await mesh.reply({ parts: ['I am Helix.'] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'Helix posted');
    const helixMessage = botMessages(fake, 'general')[0]!;
    const reply = fake.sendMessage({ channelId: 'general', author: 'bob', content: 'thanks!', referencedMessage: helixMessage.id });
    await mesh.inbound.waitFor(2);
    expect(mesh.inbound.data[1]).toMatchObject({ eventId: reply.id, replyToEventId: helixMessage.id, text: 'thanks!' });
    await sleep(200);
    expect(mesh.inbound.items).toHaveLength(2);
    const metrics = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(sample(metrics, 'helix_discord_messages_total', { outcome: 'ignored', reason: 'not_addressed' })).toBe(1);
    expect(sample(metrics, 'helix_discord_messages_total', { outcome: 'ignored', reason: 'own' })).toBe(1);
  });

  test('GIVEN a DM THEN it is accepted as a dm conversation without any mention', async () => {
    mesh = await startDiscordMesh();
    const dm = mesh.fake.sendMessage({ channelId: '@alice', author: 'alice', content: 'hey, private question' });
    const [turn] = await mesh.inbound.waitFor(1);
    expect(turn).toMatchObject({ eventId: dm.id, conversation: { id: mesh.fake.channel('@alice').id, kind: 'dm' }, text: 'hey, private question' });
    expect(turn!.conversation.route?.guildId).toBeUndefined();
  });

  test('GIVEN messages from Helix itself and from another bot THEN both are ignored (even in an own channel)', async () => {
    const seed = defaultSeed();
    seed.users.push({ username: 'otherbot', bot: true });
    seed.guilds[0]!.members!.push({ user: 'otherbot' });
    mesh = await startDiscordMesh({ fake: { users: seed.users, guilds: seed.guilds, dms: seed.dms } });
    const { fake } = mesh;
    await mesh.bot.close();
    mesh.bot = await mesh.startBot({ ownChannels: [fake.channel('general').id] });
    fake.sendMessage({ channelId: 'general', author: 'otherbot', content: `${mention(mesh)} beep boop` });
    await mesh.reply({ parts: [`${mention(mesh)} talking to myself`] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'Helix posted');
    const human = fake.sendMessage({ channelId: 'general', author: 'alice', content: 'a human' });
    await mesh.inbound.waitFor(1);
    await sleep(200);
    expect(mesh.inbound.data.map((t) => t.eventId)).toEqual([human.id]);
    const metrics = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(sample(metrics, 'helix_discord_messages_total', { outcome: 'ignored', reason: 'bot' })).toBe(1);
    expect(sample(metrics, 'helix_discord_messages_total', { outcome: 'ignored', reason: 'own' })).toBe(1);
  });

  test('GIVEN the same MESSAGE_CREATE replayed, resumed over a reconnect, and re-sent to a restarted bot THEN there is still one turn', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const sent = fake.sendMessage({ content: `${mention(mesh)} only once please` });
    await mesh.inbound.waitFor(1);
    const payload = fake.records.dispatches.find((d) => d.t === 'MESSAGE_CREATE' && (d.d as { id: string }).id === sent.id)!.d;

    // 1. The same dispatch again, same sequence number.
    expect(fake.replayLast('MESSAGE_CREATE')).not.toBeNull();
    // 2. A reconnect: the client resumes and gets what it missed (a new message) replayed once.
    fake.forceReconnect();
    const gap = fake.sendMessage({ content: `${mention(mesh)} sent during the reconnect` });
    await mesh.inbound.waitFor(2, 10_000);
    // 3. A restarted bot process (empty caches) gets the first message again.
    await mesh.bot.close();
    mesh.bot = await mesh.startBot();
    fake.dispatch('MESSAGE_CREATE', payload, { guildId: fake.guild().id });
    // The new process (empty caches) takes it again; the job id (discord-<message id>) keeps it one turn.
    await eventually(() => mesh!.log.lines.filter((l) => l.msg === 'message accepted' && l.event_id === sent.id).length === 2, 5_000, 'the restarted bot saw the message');
    await sleep(300);
    expect(mesh.inbound.data.map((t) => t.eventId)).toEqual([sent.id, gap.id]);
    const redis = new Redis(REDIS_URL);
    const queue = new Queue(INBOUND_QUEUE, { connection: redis, prefix: mesh.prefix });
    try {
      expect(await queue.getJobCounts('completed', 'wait', 'active', 'delayed')).toMatchObject({ completed: 2, wait: 0, active: 0, delayed: 0 });
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });

  test('GIVEN a message in a thread THEN the thread is its own conversation (kind thread, parent in the route)', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const thread = fake.createThread({ parentId: 'general', name: 'incident-9', owner: 'bob' });
    await sleep(100);
    const sent = fake.sendMessage({ channelId: thread.id, author: 'bob', content: `${mention(mesh)} timeline?` });
    const [turn] = await mesh.inbound.waitFor(1);
    expect(turn).toMatchObject({
      eventId: sent.id,
      conversation: { id: thread.id, kind: 'thread', title: 'incident-9', route: { channelId: thread.id, parentId: fake.channel('general').id } },
    });
  });

  test('GIVEN a message with attachments THEN the turn carries their metadata (name, type, size, url), never the bytes', async () => {
    mesh = await startDiscordMesh();
    mesh.fake.sendMessage({ content: `${mention(mesh)} see the log`, attachments: [{ filename: 'incident.log', data: 'line 1\nline 2\n', contentType: 'text/plain' }] });
    const [turn] = await mesh.inbound.waitFor(1);
    expect(turn!.attachments).toEqual([{ name: 'incident.log', contentType: 'text/plain', sizeBytes: 14, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/attachments\//) }]);
    expect(JSON.stringify(turn)).not.toContain('line 2');
  });
});
