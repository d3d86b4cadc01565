// Engines that hang or fail during a call (speech-to-text and text-to-speech on a fake Wyoming server, real wire
// format): each costs one utterance or one sentence, bounded by its timeout and logged, and the call goes on.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeWyoming, type FakeWyoming } from '../../fakes/wyoming/server.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { startVoiceBrainMesh, type VoiceBrainMesh } from './brain-harness.ts';

let wyoming: FakeWyoming;
let mesh: VoiceBrainMesh;
beforeAll(async () => {
  wyoming = await startFakeWyoming({ transcript: 'tell me a joke' });
  mesh = await startVoiceBrainMesh({
    voice: { stt: { engine: 'wyoming', url: wyoming.url, timeoutMs: 1_000 }, tts: { engine: 'wyoming', url: wyoming.url, timeoutMs: 1_000 } },
  });
  await mesh.enter('alice');
  await mesh.enter('bob');
  await mesh.join('alice');
}, 90_000);

afterAll(async () => {
  await mesh?.cleanup();
  await wyoming?.close();
});

const logged = (msg: string) => mesh.log.lines.filter((l) => l.msg === msg);

describe('discord voice: engines that hang', () => {
  test('GIVEN speech-to-text hangs on alice\'s utterance THEN it is dropped after voice.stt.timeoutMs and logged, and bob\'s next utterance still becomes his turn', async () => {
    wyoming.set({ sttMode: 'hang' });
    await mesh.say('alice', 'Tell me a joke.');
    await eventually(() => logged('voice: speech-to-text timed out; utterance dropped').length === 1, 15_000, 'the timeout logged');
    expect(mesh.inbound!.items).toHaveLength(0);
    wyoming.set({ sttMode: 'answer' });
    await mesh.say('bob', 'Tell me a joke.', { voice: 'en+m3', wpm: 150 });
    const [turn] = await mesh.inbound!.waitFor(1, 15_000);
    expect(turn).toMatchObject({ text: 'tell me a joke', author: { accountId: mesh.fake.user('bob').id, displayName: 'Bob' }, modality: 'voice' });
  }, 60_000);

  test('GIVEN text-to-speech hangs THEN the sentence is skipped after voice.tts.timeoutMs and logged, the delivery ends, and the next reply is spoken', async () => {
    wyoming.set({ ttsMode: 'hang' });
    const before = mesh.audio().length;
    const stuck = await mesh.reply({ parts: ['This sentence never gets a voice.'] });
    await eventually(() => logged('voice reply said').some((l) => l.reply_id === stuck.replyId), 15_000, 'the stuck reply to end');
    expect(logged('voice reply said').find((l) => l.reply_id === stuck.replyId)).toMatchObject({ outcome: 'spoken', frames: 0 });
    expect(logged('voice: text-to-speech timed out; sentence skipped')).toHaveLength(1);
    expect(logged('voice: the reply produced no audio (text-to-speech failed for every sentence)')).toHaveLength(1);
    expect(mesh.audio().length).toBe(before);

    wyoming.set({ ttsMode: 'answer' });
    const next = await mesh.reply({ parts: ['Now I can speak again.'] });
    await eventually(() => logged('voice reply said').some((l) => l.reply_id === next.replyId), 15_000, 'the next reply');
    expect(logged('voice reply said').find((l) => l.reply_id === next.replyId)).toMatchObject({ outcome: 'spoken' });
    // The fake speaks 50 ms of tone per character: 22 characters → about 1.1 s, i.e. some 55 frames.
    expect(mesh.audio().length - before).toBeGreaterThan(40);
    expect(mesh.audio().length - before).toBeLessThan(70);
  }, 60_000);
});
