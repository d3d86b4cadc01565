// /join and receiving speech: the real discord.js + @discordjs/voice bot joins the fake voice server (wss, UDP,
// AES-GCM rtpsize, DAVE declined) and yields each speaker's Opus packets, which must decode to the speech sent.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { VOICE_REPLIES } from '../../../bots/discord/voice/voice-channels.ts';
import { AES_GCM_MODE, VoiceOp, correlation, decodeOpus, encodeOpus, frameRms, speechPcm, voicedMs } from '../../fakes/discord-voice/index.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { sample } from '../discord/harness.ts';
import { collectPackets, enterVoice, startVoiceMesh, type VoiceMesh } from './harness.ts';

let mesh: VoiceMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

let aliceSpeech: Buffer[];
let bobSpeech: Buffer[];
beforeAll(async () => {
  aliceSpeech = encodeOpus(await speechPcm('Hello Helix, what is the weather like today?', { voice: 'en' }));
  bobSpeech = encodeOpus(await speechPcm('Remind me to water the plants at seven.', { voice: 'en+f3', wpm: 150 }));
}, 30_000);

/** Checks that `got` (packets the bot yielded) is the speech `sent`: duration within 20 %, envelope correlated. */
function expectSameSpeech(got: Buffer[] | undefined, sent: Buffer[]): void {
  expect(got).toBeDefined();
  const received = decodeOpus(got!);
  const reference = decodeOpus(sent);
  expect(received.rejected).toBe(0);
  expect(got!.length).toBeGreaterThanOrEqual(Math.floor(sent.length * 0.8));
  expect(got!.length).toBeLessThanOrEqual(Math.ceil(sent.length * 1.2) + 5);
  const voiced = voicedMs(received.pcm);
  expect(voiced).toBeGreaterThan(voicedMs(reference.pcm) * 0.8);
  expect(voiced).toBeLessThan(voicedMs(reference.pcm) * 1.2);
  expect(correlation(frameRms(received.pcm), frameRms(reference.pcm))).toBeGreaterThan(0.9);
}

describe('discord voice: joining and receiving', () => {
  test('GIVEN alice is in a voice channel WHEN she runs /join THEN the bot joins it undeafened, the voice session reaches Ready with AES-GCM and DAVE declined, and her answer says so', async () => {
    mesh = await startVoiceMesh();
    const { fake, voice } = mesh;
    await enterVoice(mesh, 'alice');
    const session = await mesh.join('alice');
    const lounge = fake.channel('Lounge').id;
    expect(session.channelId).toBe(lounge);
    expect(session.state).toBe('ready');

    const op4 = fake.records.gatewayOps.filter((o) => o.op === 4);
    expect(op4[0]?.d).toMatchObject({ guild_id: mesh.guildId, channel_id: lounge, self_deaf: false, self_mute: false });
    const identify = voice.ops.find((o) => o.dir === 'in' && o.op === VoiceOp.Identify)?.d as Record<string, unknown>;
    expect(identify).toMatchObject({ server_id: mesh.guildId, user_id: fake.botUserId, token: '[redacted]' });
    expect(identify.max_dave_protocol_version).toBeGreaterThanOrEqual(1); // the default daveEncryption is kept
    const select = voice.ops.find((o) => o.dir === 'in' && o.op === VoiceOp.SelectProtocol)?.d;
    expect(select).toMatchObject({ protocol: 'udp', data: { address: '127.0.0.1', mode: AES_GCM_MODE } });
    expect(voice.ops.find((o) => o.dir === 'out' && o.op === VoiceOp.SessionDescription)?.d).toMatchObject({ mode: AES_GCM_MODE, dave_protocol_version: 0 });
    const s = voice.session()!;
    expect(s.ready).toBe(true);
    expect(s.udp?.port).toBe((select as { data: { port: number } }).data.port);
    const events = fake.records.interactions.map((e) => `${e.kind}${e.type ?? ''}`);
    expect(events).toEqual(['callback5', 'edit-original']);
    expect((fake.records.interactions[1]!.body as { content: string }).content).toBe(VOICE_REPLIES.joined(lounge));

    // A second /join while there: the same session, no second op 4 or voice session.
    expect(await mesh.join('alice')).toBe(session);
    expect(fake.records.gatewayOps.filter((o) => o.op === 4)).toHaveLength(1);
    expect(voice.sessions()).toHaveLength(1);
  }, 60_000);

  test('GIVEN bob is in no voice channel WHEN he runs /join THEN he is told politely, privately, and the bot does not join', async () => {
    mesh = await startVoiceMesh();
    const i = mesh.fake.sendInteraction({ type: 2, commandName: 'join', user: 'bob', channelId: 'general' });
    const cb = await i.waitForCallback(5_000);
    expect(cb).toMatchObject({ type: 4, body: { type: 4, data: { content: VOICE_REPLIES.notInVoice, flags: 64 } } });
    expect(mesh.fake.records.gatewayOps.filter((o) => o.op === 4)).toHaveLength(0);
    expect(mesh.bot.voice?.session(mesh.guildId)).toBeUndefined();
    expect(mesh.inbound.items).toHaveLength(0);
  }, 60_000);

  test('GIVEN alice speaks (espeak, real time) THEN the session yields her Opus packets, tagged with her id, that decode to the same speech', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    const got = collectPackets(session);
    const aliceId = mesh.fake.user('alice').id;
    await mesh.voice.speak(aliceId, aliceSpeech);
    await eventually(() => (got.get(aliceId)?.length ?? 0) >= aliceSpeech.length, 5_000, "alice's packets");
    expect([...got.keys()]).toEqual([aliceId]);
    expectSameSpeech(got.get(aliceId)!.slice(0, aliceSpeech.length), aliceSpeech);
  }, 60_000);

  test('GIVEN alice and bob talk at the same time THEN each one gets their own packets, and each decodes to what that person said', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    await enterVoice(mesh, 'bob');
    const session = await mesh.join();
    const got = collectPackets(session);
    const aliceId = mesh.fake.user('alice').id;
    const bobId = mesh.fake.user('bob').id;
    await Promise.all([mesh.voice.speak(aliceId, aliceSpeech), mesh.voice.speak(bobId, bobSpeech)]);
    await eventually(() => (got.get(aliceId)?.length ?? 0) >= aliceSpeech.length && (got.get(bobId)?.length ?? 0) >= bobSpeech.length, 5_000, 'both speakers');
    const alice = got.get(aliceId)!.slice(0, aliceSpeech.length);
    const bob = got.get(bobId)!.slice(0, bobSpeech.length);
    expectSameSpeech(alice, aliceSpeech);
    expectSameSpeech(bob, bobSpeech);
    // Attributed, not mixed: alice's audio resembles alice's speech more than bob's.
    const env = (p: Buffer[]) => frameRms(decodeOpus(p).pcm);
    expect(correlation(env(alice), env(aliceSpeech))).toBeGreaterThan(correlation(env(alice), env(bobSpeech)) + 0.3);
  }, 60_000);

  test('GIVEN packets from an SSRC nobody announced, packets that fail decryption and malformed Opus amid alice speaking THEN they are dropped and her speech still arrives whole', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    const got = collectPackets(session);
    const aliceId = mesh.fake.user('alice').id;
    const bad = { 'unknown-ssrc': 0, 'bad-opus': 0, 'bad-tag': 0 };
    const inject = (kind: keyof typeof bad) => (bad[kind]++, [kind]);
    await mesh.voice.speak(aliceId, aliceSpeech, { inject: (i) => (i % 10 === 3 ? inject('unknown-ssrc') : i % 10 === 5 ? inject('bad-opus') : i % 25 === 7 ? inject('bad-tag') : []) });
    await eventually(() => (got.get(aliceId)?.length ?? 0) >= aliceSpeech.length, 5_000, "alice's packets");
    expect([...got.keys()]).toEqual([aliceId]);
    // Every good packet arrived, and nothing else did (the bad ones never reach the pipeline).
    const alice = got.get(aliceId)!;
    expect(alice.slice(0, aliceSpeech.length).every((p, i) => p.equals(aliceSpeech[i]!))).toBe(true);
    expectSameSpeech(alice.slice(0, aliceSpeech.length), aliceSpeech);
    expect(bad['unknown-ssrc']).toBeGreaterThan(5);
    const counted = async (outcome: string) => sample(await mesh!.bot.metrics.registry.metrics(), 'helix_discord_voice_packets_total', { outcome });
    // The last injected packets trail the last good one by a few ms.
    await eventually(async () => (await counted('malformed_opus')) === bad['bad-opus'] && (await counted('decrypt_failed')) === bad['bad-tag'], 5_000, 'drop counters');
    expect(await counted('received')).toBe(aliceSpeech.length + 5);
  }, 60_000);

  test('GIVEN the voice server says alice left the call (op 13) THEN the session reports her gone', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    await enterVoice(mesh, 'bob');
    const session = await mesh.join();
    const gone: string[] = [];
    session.on('speakerGone', (id) => gone.push(id));
    const bobId = mesh.fake.user('bob').id;
    mesh.voice.announceSpeaker(bobId);
    await eventually(() => mesh!.voice.ops.some((o) => o.op === VoiceOp.Speaking && o.dir === 'out'), 5_000, 'op 5 sent');
    mesh.voice.clientDisconnect(bobId);
    await eventually(() => gone.includes(bobId), 5_000, 'speakerGone(bob)');
    expect(gone).toEqual([bobId]);
  }, 60_000);
});
