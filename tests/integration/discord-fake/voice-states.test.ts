// The fake gateway's voice states: users in voice channels (GUILD_CREATE voice_states, VOICE_STATE_UPDATE),
// and the bot's op 4 answered with VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE when a voice server is attached.
import { Events, GatewayIntentBits, type VoiceState } from 'discord.js';
import { afterEach, describe, expect, test } from 'vitest';
import { Intent } from '../../fakes/discord/index.ts';
import { ALL_TEST_INTENTS, collect, nextEvent, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const VOICE_INTENTS = [...ALL_TEST_INTENTS, GatewayIntentBits.GuildVoiceStates];

describe('fake discord: voice states', () => {
  test('GIVEN alice sits in Lounge before login THEN GUILD_CREATE carries her voice state; WHEN she leaves THEN VOICE_STATE_UPDATE has channel_id null', async () => {
    h = await startHarness();
    const { fake } = h;
    fake.joinVoice('alice', 'Lounge');
    const client = await h.client({ intents: VOICE_INTENTS });
    const guild = client.guilds.cache.get(fake.guild().id)!;
    const aliceId = fake.user('alice').id;
    expect(guild.voiceStates.cache.get(aliceId)?.channelId).toBe(fake.channel('Lounge').id);
    expect(guild.members.cache.has(aliceId)).toBe(true); // members in voice come with GUILD_CREATE

    const left = nextEvent<[VoiceState, VoiceState]>(client, Events.VoiceStateUpdate, (_o, n) => n.id === aliceId);
    fake.leaveVoice('alice');
    const [oldState, newState] = await left;
    expect(oldState.channelId).toBe(fake.channel('Lounge').id);
    expect(newState.channelId).toBeNull();
    expect(fake.voiceStates().size).toBe(0);
  });

  test('GIVEN a client without GUILD_VOICE_STATES THEN it gets no VOICE_STATE_UPDATE for users', async () => {
    h = await startHarness();
    const client = await h.client();
    const seen = collect<unknown>(client, Events.Raw);
    h.fake.joinVoice('bob', 'Lounge');
    // A message sent after the join arrives; by then a VOICE_STATE_UPDATE would have too.
    h.fake.sendMessage({ content: 'after the join' });
    await nextEvent<[{ content: string }]>(client, Events.MessageCreate, (m) => m.content === 'after the join');
    expect(h.fake.records.identifies[0]!.intents & Intent.GuildVoiceStates).toBe(0);
    expect(h.fake.voiceStates().get(h.fake.user('bob').id)).toBe(h.fake.channel('Lounge').id);
    expect((seen as Array<{ t?: string }>).filter((p) => p.t === 'VOICE_STATE_UPDATE')).toHaveLength(0);
  });

  test('GIVEN a voice server is attached WHEN the bot sends op 4 THEN it gets its VOICE_STATE_UPDATE (session_id) and VOICE_SERVER_UPDATE (token, endpoint), and the server gets the same credentials; op 4 with channel null takes it out', async () => {
    h = await startHarness();
    const { fake } = h;
    const grants: Array<{ guildId: string; userId: string; sessionId: string; token: string }> = [];
    fake.setVoiceServer({ endpoint: '127.0.0.1:4567', grant: (g) => grants.push(g) });
    const client = await h.client({ intents: VOICE_INTENTS });
    const raw = collect<{ t?: string; d?: Record<string, unknown> }>(client, Events.Raw);
    const guildId = fake.guild().id;
    const lounge = fake.channel('Lounge').id;
    client.guilds.cache.get(guildId)!.shard.send({ op: 4, d: { guild_id: guildId, channel_id: lounge, self_mute: false, self_deaf: false } });
    const server = await nextEvent<[{ t?: string; d?: Record<string, unknown> }]>(client, Events.Raw, (p) => p.t === 'VOICE_SERVER_UPDATE');
    const state = raw.find((p) => p.t === 'VOICE_STATE_UPDATE')?.d;
    expect(state).toMatchObject({ guild_id: guildId, channel_id: lounge, user_id: fake.botUserId, self_deaf: false });
    expect(server[0].d).toMatchObject({ guild_id: guildId, endpoint: '127.0.0.1:4567' });
    expect(grants).toEqual([{ guildId, userId: fake.botUserId, sessionId: state!.session_id, token: server[0].d!.token }]);
    expect(fake.voiceStates().get(fake.botUserId)).toBe(lounge);

    client.guilds.cache.get(guildId)!.shard.send({ op: 4, d: { guild_id: guildId, channel_id: null, self_mute: false, self_deaf: false } });
    await nextEvent<[{ t?: string; d?: Record<string, unknown> }]>(client, Events.Raw, (p) => p.t === 'VOICE_STATE_UPDATE' && p.d?.channel_id === null);
    expect(fake.voiceStates().has(fake.botUserId)).toBe(false);
    expect(grants).toHaveLength(1);
  });
});
