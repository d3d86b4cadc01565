// The real discord.js client logging in to the fake gateway, receiving messages, and failing the ways Discord makes it fail.
import { ChannelType, DiscordjsErrorCodes, Events, GatewayIntentBits, Partials, type GuildMember, type Message } from 'discord.js';
import { createInflate, constants as zc } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Intent } from '../../fakes/discord/index.ts';
import { nextEvent, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('discord fake: login and gateway', () => {
  it('login reaches ready with the guild, its channels, roles and the bot user cached', async () => {
    h = await startHarness();
    const client = await h.client();
    const { fake } = h;

    expect(client.user.id).toBe(fake.botUserId);
    expect(client.user.bot).toBe(true);
    expect(client.application.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guild().id);
    expect(guild?.name).toBe('Helix Test Guild');
    expect(guild?.available).toBe(true);
    const general = client.channels.cache.get(fake.channel('general').id);
    expect(general?.type).toBe(ChannelType.GuildText);
    expect(client.channels.cache.get(fake.channel('Lounge').id)?.type).toBe(ChannelType.GuildVoice);
    expect(guild?.roles.cache.find((r) => r.name === 'on-call')).toBeDefined();
    expect(guild?.members.me?.id).toBe(fake.botUserId);

    const [identify] = fake.records.identifies;
    expect(fake.records.identifies).toHaveLength(1);
    expect(identify?.intents).toBe(Intent.Guilds | Intent.GuildMessages | Intent.DirectMessages | Intent.MessageContent);
    expect(identify?.shard).toEqual([0, 1]);
    expect(fake.records.rest.some((r) => r.route === '/gateway/bot' && r.auth === 'bot' && r.status === 200)).toBe(true);
    expect(JSON.stringify(fake.records)).not.toContain(fake.token);
  });

  it('a MESSAGE_CREATE from the fake arrives as messageCreate with content, author and member', async () => {
    h = await startHarness();
    const client = await h.client();
    const got = nextEvent<[Message]>(client, Events.MessageCreate);
    const sent = h.fake.sendMessage({ channelId: 'general', author: 'alice', content: 'is the database down?' });
    const [msg] = await got;
    expect(msg.id).toBe(sent.id);
    expect(msg.content).toBe('is the database down?');
    expect(msg.author.username).toBe('alice');
    expect(msg.member?.roles.cache.some((r) => r.name === 'on-call')).toBe(true);
    expect(msg.channelId).toBe(h.fake.channel('general').id);
  });

  it('without the MessageContent intent guild content is blank unless the bot is mentioned, and DMs keep content', async () => {
    h = await startHarness();
    const client = await h.client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages], partials: [Partials.Channel] });
    const { fake } = h;

    let got = nextEvent<[Message]>(client, Events.MessageCreate);
    fake.sendMessage({ content: 'secret plans', embeds: [{ title: 'hidden' }] });
    let [msg] = await got;
    expect(msg.content).toBe('');
    expect(msg.embeds).toHaveLength(0);

    got = nextEvent<[Message]>(client, Events.MessageCreate);
    fake.sendMessage({ content: `<@${fake.botUserId}> status please` });
    [msg] = await got;
    expect(msg.content).toBe(`<@${fake.botUserId}> status please`);
    expect(msg.mentions.users.has(fake.botUserId)).toBe(true);

    got = nextEvent<[Message]>(client, Events.MessageCreate);
    fake.sendMessage({ channelId: '@alice', author: 'alice', content: 'private hello' });
    [msg] = await got;
    expect(msg.channel.type).toBe(ChannelType.DM);
    expect(msg.content).toBe('private hello');
  });

  it('a reply from a user carries message_reference and the referenced message', async () => {
    h = await startHarness();
    const client = await h.client();
    const first = h.fake.sendMessage({ content: 'first' });
    const got = nextEvent<[Message]>(client, Events.MessageCreate, (m) => m.content === 'second');
    h.fake.sendMessage({ content: 'second', author: 'bob', referencedMessage: first.id });
    const [msg] = await got;
    expect(msg.reference?.messageId).toBe(first.id);
    expect((await msg.fetchReference()).content).toBe('first');
  });

  it('members: fetched over the gateway (op 8) and REST, and role changes arrive as guildMemberUpdate', async () => {
    h = await startHarness();
    const client = await h.client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers] });
    const { fake } = h;
    const guild = client.guilds.cache.get(fake.guild().id)!;
    expect(guild.members.cache.size).toBe(1); // GUILD_CREATE without GUILD_PRESENCES lists only the bot
    const all = await guild.members.fetch();
    expect([...all.values()].map((m) => m.user.username).sort()).toEqual(['alice', 'bob', 'helix']);
    expect(fake.records.gatewayOps.some((o) => o.op === 8)).toBe(true);
    const bob = await guild.members.fetch({ user: fake.user('bob').id, force: true });
    expect(bob.roles.cache.has(fake.role('on-call').id as string)).toBe(false);

    const updated = nextEvent<[GuildMember, GuildMember]>(client, Events.GuildMemberUpdate);
    fake.setMemberRoles('bob', ['on-call']);
    const [, after] = await updated;
    expect([...after.roles.cache.values()].map((r) => r.name)).toContain('on-call');
  });

  it('a bad token makes login reject (REST 401 on /gateway/bot) and never identifies', async () => {
    h = await startHarness();
    const client = h.rawClient();
    await expect(client.login('not-the-token')).rejects.toMatchObject({ code: DiscordjsErrorCodes.TokenInvalid });
    expect(h.fake.records.rest.find((r) => r.route === '/gateway/bot')?.status).toBe(401);
    expect(h.fake.records.identifies).toHaveLength(0);
  });

  it('IDENTIFY with a bad token is closed with 4004, and a session revoked with 4004 is not retried', async () => {
    h = await startHarness();
    const { fake } = h;
    // Raw IDENTIFY with a wrong token.
    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    const hello = await new Promise<{ op: number; d: { heartbeat_interval: number } }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
    expect(hello.op).toBe(10);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: { os: 'linux', browser: 'x', device: 'x' } } }));
    expect(await closed).toBe(4004);

    // A logged-in client whose token is revoked: shardDisconnect, no reconnect.
    const client = await h.client();
    const disconnected = nextEvent<[{ code: number }]>(client, Events.ShardDisconnect);
    client.on(Events.ShardError, () => {}); // "Authentication failed" is emitted as a shard error
    fake.closeWithCode(4004);
    const [event] = await disconnected;
    expect(event.code).toBe(4004);
    await new Promise((r) => setTimeout(r, 700));
    expect(fake.records.identifies.filter((i) => i.tokenValid)).toHaveLength(1);
    expect(fake.records.resumes).toHaveLength(0);
  });

  it('disallowed privileged intents close with 4014 and login rejects', async () => {
    h = await startHarness({ allowedPrivilegedIntents: 0 });
    const client = h.rawClient({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.MessageContent] });
    client.on(Events.ShardError, () => {});
    await expect(client.login(h.fake.token)).rejects.toThrow(/disallowed intents/i);
    await expect.poll(() => h?.fake.records.connections[0]?.closeCode).toBe(4014);
  });

  it('garbage frames close that socket with 4002 and the server keeps serving', async () => {
    h = await startHarness();
    const { fake } = h;
    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    await new Promise((resolve) => ws.once('message', resolve)); // HELLO
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{"op": 2, "d": {this is not json');
    expect(await closed).toBe(4002);

    const ws2 = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    await new Promise((resolve) => ws2.once('message', resolve));
    const closed2 = new Promise<number>((resolve) => ws2.once('close', (code) => resolve(code)));
    ws2.send(JSON.stringify({ hello: 'no op field' }));
    expect(await closed2).toBe(4002);

    const ws3 = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    await new Promise((resolve) => ws3.once('message', resolve));
    const closed3 = new Promise<number>((resolve) => ws3.once('close', (code) => resolve(code)));
    ws3.send(JSON.stringify({ op: 3, d: { status: 'online' } })); // before IDENTIFY
    expect(await closed3).toBe(4003);

    const client = await h.client();
    expect(client.isReady()).toBe(true);
  });

  it('speaks zlib-stream when a client asks for compress=zlib-stream (what discord.js does if zlib-sync is installed)', async () => {
    h = await startHarness();
    const { fake } = h;
    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    const inflate = createInflate({ finishFlush: zc.Z_SYNC_FLUSH });
    const payloads: Array<{ op: number; t: string | null }> = [];
    let pending = '';
    inflate.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      try {
        payloads.push(JSON.parse(pending));
        pending = '';
      } catch {
        // partial frame, wait for more
      }
    });
    ws.on('message', (data: Buffer) => {
      const b = Buffer.from(data);
      expect(b.subarray(-4)).toEqual(Buffer.from([0, 0, 0xff, 0xff]));
      inflate.write(b);
    });
    await new Promise((r) => ws.once('open', r));
    await expect.poll(() => payloads[0]?.op).toBe(10);
    ws.send(JSON.stringify({ op: 2, d: { token: fake.token, intents: 1, properties: { os: 'linux', browser: 'x', device: 'x' } } }));
    await expect.poll(() => payloads.map((p) => p.t)).toEqual([null, 'READY', 'GUILD_CREATE']);
    ws.close(1000);
  });
});
