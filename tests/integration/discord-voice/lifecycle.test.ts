// Staying connected and leaving: /leave, leaving when the last human leaves, and the voice link dropping
// (resume on the same session, or a full rejoin) with receiving working again afterwards.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { VOICE_REPLIES } from '../../../bots/discord/voice/voice-channels.ts';
import { VoiceClose, VoiceOp, encodeOpus, speechPcm } from '../../fakes/discord-voice/index.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { sample } from '../discord/harness.ts';
import { collectPackets, enterVoice, startVoiceMesh, type VoiceMesh } from './harness.ts';

let mesh: VoiceMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

let speech: Buffer[];
beforeAll(async () => {
  speech = encodeOpus(await speechPcm('Are you still there?'));
}, 30_000);

/** The bot's own op 4s, as the fake gateway recorded them. */
const botOp4 = (m: VoiceMesh) => m.fake.records.gatewayOps.filter((o) => o.op === 4).map((o) => (o.d as { channel_id: string | null }).channel_id);

describe('discord voice: staying and leaving', () => {
  test('GIVEN Helix is in a channel WHEN alice runs /leave THEN it leaves the channel and tells her', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    const closed: string[] = [];
    session.on('closed', (r) => closed.push(r));
    const i = mesh.fake.sendInteraction({ type: 2, commandName: 'leave', user: 'alice', channelId: 'general' });
    const cb = await i.waitForCallback(5_000);
    expect(cb.body).toMatchObject({ type: 4, data: { content: VOICE_REPLIES.left(mesh.fake.channel('Lounge').id), flags: 64 } });
    await eventually(() => botOp4(mesh!).length === 2, 5_000, 'op 4 leaving');
    expect(botOp4(mesh)).toEqual([mesh.fake.channel('Lounge').id, null]);
    expect(closed).toEqual(['left']);
    expect(mesh.bot.voice?.session(mesh.guildId)).toBeUndefined();
    await eventually(() => !mesh!.fake.voiceStates().has(mesh!.fake.botUserId), 5_000, 'bot out of voice in the fake');
  }, 60_000);

  test('GIVEN alice and bob are in the channel with Helix WHEN bob leaves THEN Helix stays; WHEN alice, the last human, leaves THEN Helix leaves after leaveWhenEmptyMs', async () => {
    mesh = await startVoiceMesh({ leaveWhenEmptyMs: 400 });
    await enterVoice(mesh, 'alice');
    await enterVoice(mesh, 'bob');
    const session = await mesh.join();
    const gone: string[] = [];
    session.on('speakerGone', (id) => gone.push(id));
    mesh.voice.announceSpeaker(mesh.fake.user('bob').id);
    await eventually(() => mesh!.voice.ops.some((o) => o.dir === 'out' && o.op === VoiceOp.Speaking), 5_000, 'op 5');

    mesh.fake.leaveVoice('bob');
    await eventually(() => gone.includes(mesh!.fake.user('bob').id), 5_000, 'bob gone');
    const bobLeft = Date.now();
    await eventually(() => Date.now() - bobLeft > 800, 2_000, 'twice the leave delay');
    expect(session.state).toBe('ready');

    mesh.fake.leaveVoice('alice');
    const aliceLeft = Date.now();
    await eventually(() => session.state === 'closed', 5_000, 'Helix leaves the empty channel');
    expect(Date.now() - aliceLeft).toBeGreaterThanOrEqual(350);
    await eventually(() => botOp4(mesh!).at(-1) === null, 5_000, 'op 4 leaving');
    expect(sample(await mesh.bot.metrics.registry.metrics(), 'helix_discord_voice_leaves_total', { reason: 'empty_channel' })).toBe(1);
  }, 60_000);

  test('GIVEN the channel empties WHEN a human comes back within leaveWhenEmptyMs THEN Helix stays', async () => {
    mesh = await startVoiceMesh({ leaveWhenEmptyMs: 1_000 });
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    mesh.fake.leaveVoice('alice');
    const left = Date.now();
    await eventually(() => mesh!.bot.client.guilds.cache.get(mesh!.guildId)?.voiceStates.cache.get(mesh!.fake.user('alice').id)?.channelId == null, 5_000, 'alice out (bot cache)');
    await enterVoice(mesh, 'bob');
    await eventually(() => Date.now() - left > 1_600, 3_000, 'past the leave delay');
    expect(session.state).toBe('ready');
    expect(botOp4(mesh)).toHaveLength(1);
  }, 60_000);

  test('GIVEN a moderator disconnects Helix from voice THEN its session ends (no rejoin) and a later /join works again', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    const closed: string[] = [];
    session.on('closed', (r) => closed.push(r));
    mesh.fake.leaveVoice('helix');
    await eventually(() => closed.length === 1, 10_000, 'session closed');
    expect(closed).toEqual(['disconnected']);
    expect(mesh.bot.voice?.session(mesh.guildId)).toBeUndefined();
    await eventually(() => mesh!.voice.closes.some((c) => c.code === VoiceClose.Disconnected && c.by === 'server'), 5_000, 'voice socket closed with 4014');
    mesh.fake.clearRecords();
    const again = await mesh.join();
    expect(again).not.toBe(session);
    expect(again.state).toBe('ready');
  }, 60_000);

  test('GIVEN the voice websocket drops abruptly THEN the bot resumes the same voice session and alice is heard again', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    const got = collectPackets(session);
    const aliceId = mesh.fake.user('alice').id;
    await mesh.voice.speak(aliceId, speech);
    await eventually(() => (got.get(aliceId)?.length ?? 0) >= speech.length, 5_000, 'first utterance');
    const states: string[] = [];
    session.on('state', (s) => states.push(s));

    const vs = mesh.voice.session()!;
    mesh.voice.drop();
    await eventually(() => vs.resumes === 1 && vs.ws !== null, 10_000, 'RESUME');
    await eventually(() => session.state === 'ready' && states.includes('reconnecting'), 10_000, 'ready again');
    const resume = mesh.voice.ops.find((o) => o.dir === 'in' && o.op === VoiceOp.Resume)?.d;
    expect(resume).toMatchObject({ server_id: mesh.guildId, session_id: vs.sessionId, seq_ack: vs.seq - 1 });
    expect(mesh.voice.sessions()).toHaveLength(1);

    got.clear();
    await mesh.voice.speak(aliceId, speech);
    await eventually(() => (got.get(aliceId)?.length ?? 0) >= speech.length, 5_000, 'utterance after resume');
    expect(got.get(aliceId)!.slice(0, speech.length)).toEqual(speech);
    expect(sample(await mesh.bot.metrics.registry.metrics(), 'helix_discord_voice_reconnects_total')).toBe(1);
  }, 60_000);

  test('GIVEN the voice server ends the session (4006) THEN the bot rejoins through the gateway with a new voice session and alice is heard again', async () => {
    mesh = await startVoiceMesh();
    await enterVoice(mesh, 'alice');
    const session = await mesh.join();
    const got = collectPackets(session);
    const aliceId = mesh.fake.user('alice').id;
    const first = mesh.voice.session()!;

    mesh.voice.drop(VoiceClose.SessionInvalid);
    await eventually(() => mesh!.voice.sessions().length === 2 && mesh!.voice.session()?.ready === true, 15_000, 'a new voice session');
    await eventually(() => session.state === 'ready', 10_000, 'ready again');
    expect(botOp4(mesh)).toEqual([mesh.fake.channel('Lounge').id, mesh.fake.channel('Lounge').id]);
    expect(mesh.voice.closes.find((c) => c.session === first.id)).toMatchObject({ code: VoiceClose.SessionInvalid, by: 'server' });
    expect(mesh.voice.session()!.ssrc).not.toBe(first.ssrc);

    await mesh.voice.speak(aliceId, speech);
    await eventually(() => (got.get(aliceId)?.length ?? 0) >= speech.length, 5_000, 'utterance after rejoin');
    expect(got.get(aliceId)!.slice(0, speech.length)).toEqual(speech);
  }, 60_000);
});
