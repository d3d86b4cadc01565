// Discord voice end to end: the real bot (discord.js + @discordjs/voice, in-process) in a voice channel of the fake
// voice server, the REAL brain process (`node brain/main.ts`) with a fake model, and real audio both ways: users
// speak espeak-ng speech as Opus over UDP, the local engines transcribe it (pocketsphinx, phrase list) and speak the
// reply (espeak-ng), and the fake voice server decodes what Helix plays.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VoiceConversation } from '../../bots/discord/voice/voice-conversation.ts';
import type { InboundTurn } from '../../mesh/index.ts';
import { speechPcm, voicedMs, type ReceivedPacket } from '../fakes/discord-voice/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { startBrainProcess, type BrainProcess } from '../helpers/brain-process.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { startVoiceBrainMesh, type VoiceBrainMesh } from '../integration/discord-voice/brain-harness.ts';
import { noise, packets, silence } from '../integration/voice/speech-audio.ts';

let model: FakeOpenAi;
let mesh: VoiceBrainMesh;
let brain: BrainProcess;
let conversation: VoiceConversation;
const turns: InboundTurn[] = [];
const bargeIns: number[] = [];
/** Reply id → when its first frame went to the player. */
const replyAudio = new Map<string, number>();

beforeAll(async () => {
  model = await startFakeOpenAi();
  mesh = await startVoiceBrainMesh({ collectInbound: false });
  brain = await startBrainProcess(mesh.prefix, model.url);
  await mesh.enter('alice');
  await mesh.enter('bob');
  ({ conversation } = await mesh.join('alice'));
  conversation.on('turn', (t) => turns.push(t));
  conversation.on('barge-in', () => bargeIns.push(Date.now()));
  conversation.on('reply-audio', (id, at) => replyAudio.set(id, at));
}, 180_000);

afterAll(async () => {
  await brain?.stop();
  await mesh?.cleanup();
  await model?.close();
});

/** Bob's voice (espeak-ng): another speaker, and one pocketsphinx reliably hears "good morning helix" in (it often misses "hello helix my name is bob"). */
const BOB = { voice: 'en+m3', wpm: 150 };

/** Bot log lines "voice reply said" so far. */
const said = () => mesh.log.lines.filter((l) => l.msg === 'voice reply said');
/** The fake model's requests that carry `words`. */
const asked = (words: string) => model.requests.filter((r) => JSON.stringify(r.body.messages).toLowerCase().includes(words));

/** Asks as `user`, waits for the spoken reply, and returns the turn and the audio Helix played for it. */
async function exchange(user: string, question: string, heard: string, answer: string, voice?: { voice: string; wpm: number }): Promise<{ turn: InboundTurn; audio: ReceivedPacket[] }> {
  model.setReply(answer);
  const turnsBefore = turns.length;
  const saidBefore = said().length;
  const audioBefore = mesh.audio().length;
  const askedBefore = asked(heard).length;
  await mesh.say(user, question, voice);
  await eventually(() => turns.length > turnsBefore, 30_000, `${user}'s turn`);
  await eventually(() => asked(heard).length > askedBefore, 30_000, 'the model asked with the words');
  await eventually(() => said().length > saidBefore, 60_000, 'the reply spoken');
  expect(said().at(-1)).toMatchObject({ outcome: 'spoken' });
  return { turn: turns[turnsBefore]!, audio: mesh.audio().slice(audioBefore) };
}

/** Voiced time of the reply vs espeak-ng saying the same text (Helix's local voice: en-us, 175 wpm). */
async function expectSpeechOf(audio: ReceivedPacket[], text: string): Promise<void> {
  const decoded = mesh.voice.decodePlayed(audio);
  expect(decoded.rejected).toBe(0);
  const voiced = voicedMs(decoded.pcm);
  const reference = voicedMs(await speechPcm(text, { voice: 'en-us', wpm: 175 }));
  expect(voiced).toBeGreaterThan(reference * 0.7);
  expect(voiced).toBeLessThan(reference * 1.4);
  // And plausible for the text's length: espeak at 175 wpm says roughly 12-20 characters a second.
  expect(voiced).toBeGreaterThan(text.length * 25);
  expect(voiced).toBeLessThan(text.length * 110);
}

describe('discord voice + brain (e2e)', () => {
  test('GIVEN alice says "Helix, what time is it?" THEN the brain gets her words as a voice turn by her, and the reply comes back as speech of its length', async () => {
    const { fake, loungeId } = mesh;
    const answer = 'It is three o\'clock in the afternoon. Is there anything else you need?';
    const { turn, audio } = await exchange('alice', 'Helix, what time is it?', 'what time is it', answer);
    expect(turn).toMatchObject({
      modality: 'voice',
      text: 'helix what time is it',
      author: { accountId: fake.user('alice').id, displayName: 'Alice' },
      conversation: { id: `voice-${loungeId}`, kind: 'voice' },
    });
    const prompt = JSON.stringify(asked('what time is it').at(-1)!.body.messages);
    expect(prompt).toContain('Alice');
    expect(prompt).toContain('voice channel');
    // One trace from the utterance through the brain process to the spoken reply.
    const queued = mesh.log.lines.find((l) => l.msg === 'voice turn queued' && l.event_id === turn.eventId);
    expect(queued?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    await eventually(() => brain.lines.some((l) => l.msg === 'turn answered' && l.trace_id === queued!.trace_id), 10_000, 'the brain log of the turn');
    expect(said().at(-1)!.trace_id).toBe(queued!.trace_id);
    await expectSpeechOf(audio, answer);
  }, 120_000);

  test('GIVEN bob and then alice speak in turn THEN each turn is attributed to its speaker and each gets its reply', async () => {
    const { fake } = mesh;
    const bob = await exchange('bob', 'Good morning, Helix.', 'good morning helix', 'Nice to meet you, Bob.', BOB);
    const alice = await exchange('alice', 'Tell me a joke.', 'tell me a joke', 'Why did the robot cross the road? It was programmed to.');
    expect([bob.turn, alice.turn].map((t) => [t.author.accountId, t.author.displayName, t.text])).toEqual([
      [fake.user('bob').id, 'Bob', 'good morning helix'],
      [fake.user('alice').id, 'Alice', 'tell me a joke'],
    ]);
    expect(bob.turn.conversation.id).toBe(alice.turn.conversation.id);
    expect(JSON.stringify(asked('good morning helix').at(-1)!.body.messages)).toContain('Bob');
    await expectSpeechOf(alice.audio, 'Why did the robot cross the road? It was programmed to.');
  }, 150_000);

  test('GIVEN silence from bob and steady noise from alice THEN no turn is made and the model is not asked', async () => {
    const stats = conversation.pipeline!.stats;
    const utterancesBefore = stats.utterances;
    const turnsBefore = turns.length;
    const requestsBefore = model.requests.length;
    await Promise.all([
      mesh.sendFrames('bob', packets(silence(1_500))),
      mesh.sendFrames('alice', packets(noise(1_500, 4_000, 7))),
    ]);
    // Absence is checked over a window longer than end-of-turn silence plus a transcription.
    const t0 = Date.now();
    await eventually(() => Date.now() - t0 >= 3_000, 5_000, 'observation window');
    expect(stats.packets).toBeGreaterThan(0);
    expect(stats.utterances).toBe(utterancesBefore);
    expect(turns.length).toBe(turnsBefore);
    expect(model.requests.length).toBe(requestsBefore);
  }, 60_000);

  test('GIVEN Helix is speaking WHEN bob says "yeah" THEN it keeps talking; WHEN he talks over it THEN no packet arrives 200 ms after the barge-in decision, and what he said is answered', async () => {
    const long = 'Here is a long story about a lighthouse keeper. Every night she climbed the stairs. She lit the lamp and watched the ships. One night a storm came in from the sea. The waves were taller than the tower.';
    model.setReply(long);
    const saidBefore = said().length;
    const audioBefore = mesh.audio().length;
    const requestsBefore = model.requests.length;
    await mesh.say('alice', 'Tell me a joke.');
    await eventually(() => mesh.audio().length - audioBefore >= 40, 60_000, 'Helix speaking for almost a second');

    // A backchannel: short speech over Helix neither stops it nor makes a turn.
    const turnsBefore = turns.length;
    await mesh.say('bob', 'Yeah.', BOB);
    const afterYeah = Date.now();
    await eventually(() => mesh.audio().some((p) => p.at > afterYeah + 800), 10_000, 'playback going on after the backchannel');
    expect(bargeIns).toEqual([]);

    // Talking over it: barge-in, and the packets stop.
    model.setReply('Okay, I am listening.');
    await mesh.say('bob', 'Please stop talking now Helix and listen to me.', BOB);
    await eventually(() => bargeIns.length === 1, 10_000, 'the barge-in');
    const decidedAt = bargeIns[0]!;
    await eventually(() => said().length > saidBefore, 10_000, 'the interrupted reply to end');
    expect(said()[saidBefore]).toMatchObject({ outcome: 'interrupted' });
    const interrupted = String(said()[saidBefore]!.reply_id);
    expect(replyAudio.has(interrupted)).toBe(true);

    // What bob said is his next turn, and it is answered (in voice).
    await eventually(() => turns.slice(turnsBefore).some((t) => t.text === 'please stop talking now helix and listen to me'), 30_000, "bob's barge-in turn");
    expect(turns.slice(turnsBefore).map((t) => t.author.displayName)).toEqual(['Bob']);
    await eventually(() => said().length > saidBefore + 1, 60_000, 'the answer to bob');
    expect(said()[saidBefore + 1]).toMatchObject({ outcome: 'spoken' });
    expect(model.requests.length - requestsBefore).toBe(2);
    const nextReplyAt = replyAudio.get(String(said()[saidBefore + 1]!.reply_id))!;
    expect(nextReplyAt).toBeGreaterThan(decidedAt);

    // Between the barge-in decision + 200 ms and the next reply, nothing was played (silence frames included).
    const late = mesh.voice.played().filter((p) => p.at > decidedAt + 200 && p.at < nextReplyAt);
    expect(late).toEqual([]);
    const lastBefore = mesh.voice.played().filter((p) => p.at <= decidedAt + 200).at(-1)!;
    expect(lastBefore.at - decidedAt).toBeLessThanOrEqual(200);
    // Most of the long story was never played.
    const storyFrames = mesh.audio().slice(audioBefore).filter((p) => p.at < decidedAt + 200).length;
    expect(storyFrames * 20).toBeLessThan(voicedMs(await speechPcm(long, { voice: 'en-us', wpm: 175 })));
  }, 150_000);
});
