// Two bot processes with disjoint shard ranges: each identifies with its own shard, and a guild's
// messages reach only the process that owns the guild's shard (one turn, never two).
import { afterEach, describe, expect, test } from 'vitest';
import { sleep, startDiscordMesh, type DiscordMesh } from './harness.ts';

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
});
