// Two bot processes with disjoint shard ranges: each identifies with its own shard, and a guild's
// messages reach only the process that owns the guild's shard (one turn, never two); the typing shown by the
// process that took a message stops when the other process delivers its reply.
import { Events } from 'discord.js';
import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from '../../helpers/mesh-harness.ts';
import { botMessages, sleep, startDiscordMesh, type DiscordMesh } from './harness.ts';

let mesh: DiscordMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

describe('discord bot: sharding', () => {
  test('GIVEN shards 2 split over two processes THEN each identifies as its shard and a guild message is one turn', async () => {
    mesh = await startDiscordMesh({ fake: { shards: 2 }, discord: { shards: 2, shardIds: [0] } });
    const { fake } = mesh;
    const other = await mesh.startBot({ shards: 2, shardIds: [1] });
    expect(other.client.ws.shards.map((s) => s.id)).toEqual([1]);
    expect(mesh.bot.client.ws.shards.map((s) => s.id)).toEqual([0]);
    expect(fake.records.identifies.map((i) => i.shard).filter(Boolean)).toEqual(expect.arrayContaining([[0, 2], [1, 2]]));
    const sent = fake.sendMessage({ content: `<@${fake.botUserId}> which shard am I on?` });
    await mesh.inbound.waitFor(1);
    await sleep(300);
    expect(mesh.inbound.data.map((t) => t.eventId)).toEqual([sent.id]);
  });

  test('GIVEN the process that took a message shows typing WHEN the other process delivers the reply THEN the typing stops there too', async () => {
    mesh = await startDiscordMesh({ fake: { shards: 2 }, discord: { shards: 2, shardIds: [0], typingIntervalMs: 150, typingDelayMs: 0 } });
    const { fake } = mesh;
    const other = await mesh.startBot({ shards: 2, shardIds: [1], typingIntervalMs: 150, typingDelayMs: 0 });
    const bots = [mesh.bot, other];
    const took = new Promise<(typeof bots)[number]>((resolve) => {
      for (const b of bots) b.client.once(Events.MessageCreate, () => resolve(b));
    });
    const general = fake.channel('general').id;
    const asked = fake.sendMessage({ content: `<@${fake.botUserId}> think hard` });
    const [turn] = await mesh.inbound.waitFor(1);
    // Only the other process may deliver: the one showing typing does not hear of the reply itself.
    const typingBot = await took;
    await typingBot.delivery.worker.pause();
    await eventually(() => fake.records.typing.filter((t) => t.channelId === general).length >= 2, 5_000, 'typing while thinking');

    await mesh.reply({ conversation: turn!.conversation, inReplyTo: asked.id, parts: ['done thinking'] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'the reply, from the other process');
    await sleep(400); // a renewal in flight when the reply landed may still go out
    const afterReply = fake.records.typing.length;
    await sleep(600);
    expect(fake.records.typing.length).toBe(afterReply);
  });

  test('GIVEN the other process delivers the reply before the typing delay is over THEN no typing is shown at all', async () => {
    const discord = { shards: 2, typingIntervalMs: 150, typingDelayMs: 1_000 };
    mesh = await startDiscordMesh({ fake: { shards: 2 }, discord: { ...discord, shardIds: [0] } });
    const { fake } = mesh;
    const other = await mesh.startBot({ ...discord, shardIds: [1] });
    const took = new Promise<typeof other>((resolve) => {
      for (const b of [mesh!.bot, other]) b.client.once(Events.MessageCreate, () => resolve(b));
    });
    const asked = fake.sendMessage({ content: `<@${fake.botUserId}> quick one` });
    const [turn] = await mesh.inbound.waitFor(1);
    await (await took).delivery.worker.pause();
    await mesh.reply({ conversation: turn!.conversation, inReplyTo: asked.id, parts: ['quick answer'] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'the reply, from the other process');
    await sleep(1_500);
    expect(fake.records.typing).toHaveLength(0);
  });
});
