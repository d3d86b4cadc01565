// discord.js REST calls against the fake: messages, edits, typing, rate limits, Discord errors, commands.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, DiscordAPIError, EmbedBuilder, Events, MessageType, RESTJSONErrorCodes, Routes, type Client, type Message, type TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordErrors } from '../../fakes/discord/index.ts';
import { nextEvent, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function general(client: Client, h: Harness): Promise<TextChannel> {
  return client.channels.cache.get(h.fake.channel('general').id) as TextChannel;
}

describe('discord fake: REST', () => {
  it('channel.send with a reply reference, an embed and a button row lands in the fake store', async () => {
    h = await startHarness();
    const client = await h.client();
    const question = h.fake.sendMessage({ content: 'can someone page on-call?' });
    const channel = await general(client, h);

    const sent = await channel.send({
      content: 'Paging now.',
      reply: { messageReference: question.id },
      embeds: [new EmbedBuilder().setTitle('Incident').setDescription('db latency').setColor(0xff0000)],
      components: [new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('ack').setLabel('Ack').setStyle(ButtonStyle.Primary))],
    });

    expect(sent.type).toBe(MessageType.Reply);
    expect(sent.author.id).toBe(h.fake.botUserId);
    const stored = h.fake.message('general', sent.id);
    expect(stored?.content).toBe('Paging now.');
    expect(stored?.message_reference).toMatchObject({ message_id: question.id, channel_id: question.channel_id });
    expect((stored?.referenced_message as { id: string }).id).toBe(question.id);
    expect(stored?.embeds).toEqual([expect.objectContaining({ type: 'rich', title: 'Incident', description: 'db latency', color: 0xff0000 })]);
    expect(stored?.components).toEqual([expect.objectContaining({ type: 1, components: [expect.objectContaining({ type: 2, custom_id: 'ack', label: 'Ack', style: 1 })] })]);
    // Replies ping the replied-to author by default.
    expect((stored?.mentions as Array<{ id: string }>).map((u) => u.id)).toContain(h.fake.user('alice').id);
    expect(h.fake.records.messages.filter((m) => m.kind === 'create' && m.via === 'rest')).toHaveLength(1);
  });

  it('message.edit replaces the stored content and sets edited_timestamp', async () => {
    h = await startHarness();
    const client = await h.client();
    const channel = await general(client, h);
    const sent = await channel.send('Thinking...');
    const edited = await sent.edit('The answer is 42.');
    expect(edited.content).toBe('The answer is 42.');
    expect(edited.editedTimestamp).not.toBeNull();
    const stored = h.fake.messages('general').filter((m) => m.author.id === h?.fake.botUserId);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.content).toBe('The answer is 42.');
    expect(h.fake.records.messages.map((m) => m.kind)).toEqual(['create', 'edit']);
  });

  it('sendTyping is recorded and answered 204 without a content-type', async () => {
    h = await startHarness();
    const client = await h.client();
    await (await general(client, h)).sendTyping();
    expect(h.fake.records.typing).toEqual([{ channelId: h.fake.channel('general').id, at: expect.any(Number) }]);
    const res = await fetch(`${h.fake.apiUrl}/v10/channels/${h.fake.channel('general').id}/typing`, { method: 'POST', headers: { authorization: `Bot ${h.fake.token}` } });
    expect(res.status).toBe(204);
    expect(res.headers.get('content-type')).toBeNull();
    expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a scripted 429 on create-message makes discord.js wait Retry-After and then succeed', async () => {
    h = await startHarness();
    const client = await h.client();
    const channel = await general(client, h);
    h.fake.failNext('POST /channels/:channelId/messages', { retryAfterSec: 0.6 });
    const started = Date.now();
    const sent = await channel.send('after the limit');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(600);
    expect(waited).toBeLessThan(3000);
    expect(sent.content).toBe('after the limit');
    const attempts = h.fake.records.rest.filter((r) => r.route === '/channels/:channelId/messages' && r.method === 'POST');
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(600);
  });

  it('a scripted global 429 delays the next request and is replayable n times', async () => {
    h = await startHarness();
    const client = await h.client();
    const channel = await general(client, h);
    h.fake.failNext((r) => r.method === 'POST' && r.route === '/channels/:channelId/messages', { retryAfterSec: 0.25, global: true, times: 2 });
    const started = Date.now();
    await channel.send('global limit');
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(h.fake.records.rest.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([429, 429, 200]);
    const res = await fetch(`${h.fake.apiUrl}/v10/users/@me`, { headers: { authorization: `Bot ${h.fake.token}` } });
    expect(res.headers.get('x-ratelimit-limit')).toBe('50');
  });

  it('the 429 body and headers are Discord-shaped', async () => {
    h = await startHarness();
    h.fake.failNext('GET /users/@me', { retryAfterSec: 1.5 });
    const res = await fetch(`${h.fake.apiUrl}/v10/users/@me`, { headers: { authorization: `Bot ${h.fake.token}` } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1.5');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('x-ratelimit-scope')).toBe('user');
    expect(await res.json()).toEqual({ message: 'You are being rate limited.', retry_after: 1.5, global: false });
  });

  it('a scripted 403 surfaces as DiscordAPIError with code 50001 (Missing Access)', async () => {
    h = await startHarness();
    const client = await h.client();
    const channel = await general(client, h);
    h.fake.failNext('POST /channels/:channelId/messages', DiscordErrors.MissingAccess);
    const err = await channel.send('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ status: 403, code: RESTJSONErrorCodes.MissingAccess, message: 'Missing Access' });
  });

  it('unknown channels, over-long content and missing auth answer as Discord does', async () => {
    h = await startHarness();
    const client = await h.client();
    const unknown = await client.rest.post(Routes.channelMessages('123456789012345678'), { body: { content: 'x' } }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 404, code: RESTJSONErrorCodes.UnknownChannel });

    const tooLong = await (await general(client, h)).send('x'.repeat(2001)).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(DiscordAPIError);
    expect(tooLong).toMatchObject({ status: 400, code: 50035, rawError: { message: 'Invalid Form Body', errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } } });

    const empty = await (await general(client, h)).send({ content: '' }).catch((e: unknown) => e);
    expect(empty).toMatchObject({ code: RESTJSONErrorCodes.CannotSendAnEmptyMessage });

    const noAuth = await fetch(`${h.fake.apiUrl}/v10/users/@me`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ message: '401: Unauthorized', code: 0 });
    expect(h.fake.records.rest.at(-1)).toMatchObject({ auth: 'none', status: 401 });
    expect(h.fake.records.rest.every((r) => !('authorization' in r.headers))).toBe(true);
  });

  it('slash command registration via application.commands.set is recorded, with stable ids on re-registration', async () => {
    h = await startHarness();
    const client = await h.client();
    const commands = [
      { name: 'page', description: 'Page the on-call engineer', options: [{ name: 'who', description: 'Person to page', type: 6, required: false }] },
      { name: 'status', description: 'Current incident status' },
    ];
    const set = await client.application.commands.set(commands);
    expect([...set.values()].map((c) => c.name).sort()).toEqual(['page', 'status']);
    const registered = h.fake.commands();
    expect(registered.map((c) => c.name)).toEqual(['page', 'status']);
    expect(registered[0]).toMatchObject({ application_id: h.fake.applicationId, type: 1, description: 'Page the on-call engineer' });
    const put = h.fake.records.rest.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/applications/${h.fake.applicationId}/commands`);

    const again = await client.application.commands.set([commands[0]!]);
    expect(again.first()?.id).toBe(registered[0]?.id);
    expect(h.fake.commands().map((c) => c.name)).toEqual(['page']);

    const guildId = h.fake.guild().id;
    const guildSet = await client.application.commands.set([{ name: 'ack', description: 'Acknowledge' }], guildId);
    expect(guildSet.first()?.guildId).toBe(guildId);
    expect(h.fake.commands(guildId).map((c) => c.name)).toEqual(['ack']);
    expect((await client.application.commands.fetch({ guildId })).size).toBe(1);

    const bad = await client.application.commands.set([{ name: 'Bad Name', description: 'x' }]).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 50035 });
  });

  it('user.send opens the DM channel and posts into it', async () => {
    h = await startHarness();
    const client = await h.client();
    const alice = h.fake.user('alice');
    const sent = await client.users.send(alice.id, 'You are on call tonight.');
    expect(sent.channelId).toBe(h.fake.channel('@alice').id);
    expect(h.fake.messages('@alice').map((m) => m.content)).toEqual(['You are on call tonight.']);
    expect(h.fake.records.rest.map((r) => `${r.method} ${r.route}`)).toContain('POST /users/@me/channels');
  });

  it('threads: the bot starts one from a message, a user opens another, and messages in both reach the client', async () => {
    h = await startHarness();
    const client = await h.client();
    const channel = await general(client, h);
    const root = await channel.send('Incident 9');
    const thread = await root.startThread({ name: 'incident-9' });
    expect(thread.id).toBe(root.id);
    expect(h.fake.channel(thread.id)).toMatchObject({ type: 11, parent_id: channel.id, name: 'incident-9' });

    const userThread = nextEvent<[{ id: string; name: string }]>(client, Events.ThreadCreate);
    const created = h.fake.createThread({ parentId: 'general', name: 'postmortem', owner: 'bob' });
    expect((await userThread)[0].name).toBe('postmortem');

    const inThread = nextEvent<[Message]>(client, Events.MessageCreate, (m) => m.channelId === created.id);
    h.fake.sendMessage({ channelId: created.id, author: 'bob', content: 'timeline draft' });
    const [msg] = await inThread;
    expect(msg.channel.isThread()).toBe(true);
    expect(msg.content).toBe('timeline draft');
  });

  it('close() is idempotent and frees the port', async () => {
    h = await startHarness();
    const url = h.fake.url;
    await Promise.all([h.fake.close(), h.fake.close()]);
    await h.fake.close();
    await expect(fetch(`${url}/api/v10/gateway`)).rejects.toThrow();
  });

  it('uploads files as multipart and serves them back from the attachment URL', async () => {
    h = await startHarness();
    const client = await h.client();
    const sent = await (await general(client, h)).send({ content: 'log attached', files: [{ attachment: Buffer.from('line 1\nline 2\n'), name: 'incident.log' }] });
    const attachment = sent.attachments.first();
    expect(attachment?.name).toBe('incident.log');
    expect(attachment?.size).toBe(14);
    const body = await (await fetch(attachment!.url)).text();
    expect(body).toBe('line 1\nline 2\n');
    expect(h.fake.records.rest.find((r) => r.method === 'POST')?.files).toEqual([expect.objectContaining({ filename: 'incident.log', size: 14 })]);
  });
});
