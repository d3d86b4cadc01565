// Malformed gateway payloads, unknown interactions, huge attachments and odd content: logged and skipped or
// answered politely; the bot never crashes and keeps serving.
import { afterEach, describe, expect, test } from 'vitest';
import { deadLettersOf } from '../../helpers/mesh-harness.ts';
import { sleep, sample, startDiscordMesh, type DiscordMesh } from './harness.ts';

let mesh: DiscordMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

describe('discord bot: bad input', () => {
  test('GIVEN garbage dispatches, malformed interactions, 25 huge attachments and odd content THEN nothing crashes and the next good message is still a turn', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const guildId = fake.guild().id;
    const general = fake.channel('general').id;
    const helix = `<@${fake.botUserId}>`;

    // Payloads discord.js cannot build objects from.
    fake.dispatch('MESSAGE_CREATE', null);
    fake.dispatch('MESSAGE_CREATE', { id: '1', channel_id: general, guild_id: guildId, author: null, content: 5 }, { guildId });
    fake.dispatch('GUILD_CREATE', 'not a guild');
    fake.dispatch('NOT_A_REAL_EVENT', { weird: true });
    fake.dispatch('INTERACTION_CREATE', { type: 3, data: { custom_id: 'ops:ack:x' } });
    fake.dispatch('INTERACTION_CREATE', { id: '123456789012345678', application_id: fake.applicationId, type: 42, token: 'not-a-real-token' });
    fake.dispatch('INTERACTION_CREATE', 'garbage');

    // 25 large files and odd content, mentioning Helix: accepted, with metadata only.
    const big = Buffer.alloc(512 * 1024, 7);
    const files = Array.from({ length: 25 }, (_, i) => ({ filename: `${'x'.repeat(600)}-${i}.bin`, data: big, contentType: 'application/octet-stream' }));
    const odd = `${helix} \u200b\u0000 ${'🙂'.repeat(500)} <@999999999999999999> <#1> @everyone`;
    const heavy = fake.sendMessage({ content: odd, attachments: files });

    const good = fake.sendMessage({ content: `${helix} are you still there?` });
    const turns = await mesh.inbound.waitFor(2, 10_000);
    expect(turns.map((t) => t.eventId)).toEqual([heavy.id, good.id]);
    expect(turns[0]!.attachments).toHaveLength(25);
    expect(turns[0]!.attachments.every((a) => a.name.length <= 512 && a.sizeBytes === big.length)).toBe(true);
    expect(turns[1]!.text).toBe('are you still there?');
    await sleep(200);
    expect(mesh.bot.client.isReady()).toBe(true);

    const metrics = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(sample(metrics, 'helix_discord_bad_payloads_total', { type: 'MESSAGE_CREATE' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'helix_discord_bad_payloads_total', { type: 'GUILD_CREATE' })).toBe(1);
    expect(sample(metrics, 'helix_discord_interactions_total', { kind: 'drop', outcome: 'dropped' })).toBe(2);
    const health = await fetch(`${mesh.bot.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { redis: { ok: true }, gateway: { ok: true } } });
    expect(mesh.log.lines.some((l) => l.msg === 'malformed gateway payload skipped')).toBe(true);
  });

  test('GIVEN bad outbound jobs THEN they are dead-lettered with the reason and good replies still go out', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    await mesh.reply({ conversation: { id: 'web-abc', kind: 'dm' }, parts: ['nowhere to go'] });
    await mesh.reply({ parts: ['private without an interaction'], private: true });
    await mesh.reply({ parts: ['good one'] });
    await expect.poll(() => fake.messages('general').filter((m) => m.author.id === fake.botUserId).map((m) => m.content), { timeout: 5_000 }).toEqual(['good one']);
    await expect.poll(async () => (await deadLettersOf(mesh!.prefix)).map((l) => l.code), { timeout: 5_000 }).toEqual(['platform_rejected', 'platform_rejected']);
    const reasons = (await deadLettersOf(mesh.prefix)).map((l) => l.reason).join('\n');
    expect(reasons).toMatch(/not a Discord channel/);
    expect(reasons).toMatch(/private.*not posting it publicly/);
  });
});
