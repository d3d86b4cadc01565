// VoicePipeline with a Wyoming engine (fake server, real wire format): an engine that hangs or
// hallucinates costs one utterance and nothing else; barge-in fires on real speech over playback only.
import { afterEach, describe, expect, test } from 'vitest';
import { VoicePipeline, type DroppedTranscript, type Transcript } from '../../../voice/index.ts';
import { WyomingStt } from '../../../voice/stt/wyoming.ts';
import { startFakeWyoming, type FakeWyoming } from '../../fakes/wyoming/server.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { captureLogger } from './log-capture.ts';
import { espeak, packets, silence } from './speech-audio.ts';

const T0 = 5_000_000;
let fake: FakeWyoming | undefined;
let pipeline: VoicePipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  await fake?.close();
  pipeline = fake = undefined;
});

async function setup(sttTimeoutMs = 400) {
  fake = await startFakeWyoming();
  const { logger, lines } = captureLogger();
  const p = await VoicePipeline.create({ stt: new WyomingStt({ url: fake.url }), logger, sttTimeoutMs, now: () => T0, endpointing: { silenceMs: 500 }, bargeIn: { thresholdMs: 400 } });
  pipeline = p;
  const transcripts: Transcript[] = [];
  const dropped: DroppedTranscript[] = [];
  const bargeIns: Array<{ userId: string; at: number }> = [];
  p.on('transcript', (t) => transcripts.push(t));
  p.on('transcript-dropped', (d) => dropped.push(d));
  p.on('barge-in', (b) => bargeIns.push(b));
  return { p, fake, lines, transcripts, dropped, bargeIns };
}

describe('VoicePipeline with a speech-to-text server', () => {
  test('GIVEN the engine hangs on one utterance THEN it is dropped at the timeout and logged, and the next utterance and other speakers are transcribed', async () => {
    const h = await setup(400);
    h.fake.set({ sttMode: 'hang' });
    for (const pk of packets(espeak('Tell me a joke'), silence(800))) h.p.push('alice', pk);
    await eventually(() => h.dropped.length === 1, 10_000, 'the timed-out utterance');
    expect(h.dropped[0]).toMatchObject({ userId: 'alice', reason: 'timeout' });
    expect(h.lines.some((l) => l.msg === 'voice: speech-to-text timed out; utterance dropped')).toBe(true);
    h.fake.set({ sttMode: 'answer', transcript: 'tell me a joke' });
    for (const pk of packets(espeak('Tell me a joke'), silence(800))) {
      h.p.push('alice', pk);
      h.p.push('bob', pk);
    }
    await eventually(() => h.transcripts.length === 2, 10_000, 'both transcripts');
    expect(h.transcripts.map((t) => t.userId).sort()).toEqual(['alice', 'bob']);
    expect(h.transcripts[0]).toMatchObject({ text: 'tell me a joke', engine: 'wyoming' });
    expect(h.transcripts[0]!.sttMs).toBeGreaterThanOrEqual(0);
  });

  test('GIVEN a speaker keeps talking while the engine is stuck THEN at most 3 utterances wait and the rest are dropped as backlog', async () => {
    const h = await setup(30_000);
    h.fake.set({ sttMode: 'hang' });
    const phrase = espeak('Tell me a joke');
    for (const pk of packets(phrase, silence(800), phrase, silence(800), phrase, silence(800), phrase, silence(800), phrase, silence(800))) h.p.push('zoe', pk);
    expect(h.p.stats.utterances).toBe(5);
    expect(h.dropped.map((d) => d.reason)).toEqual(['backlog', 'backlog']);
    expect(h.lines.filter((l) => l.msg === 'voice: speech-to-text is behind; utterance dropped')).toHaveLength(2);
  });

  test('GIVEN the engine answers a known hallucination THEN no transcript is emitted', async () => {
    const h = await setup(5_000);
    h.fake.set({ transcript: 'Thank you.' });
    for (const pk of packets(espeak('Tell me a joke'), silence(800))) h.p.push('carol', pk);
    await eventually(() => h.dropped.length === 1, 10_000, 'the dropped transcript');
    expect(h.dropped[0]).toMatchObject({ userId: 'carol', reason: 'hallucination', text: 'Thank you.' });
    expect(h.transcripts).toEqual([]);
  });
});

describe('VoicePipeline barge-in', () => {
  test('GIVEN Helix is playing and someone talks over it THEN barge-in fires once, within the threshold of speech, and the utterance is kept', async () => {
    const h = await setup(5_000);
    const utterances: string[] = [];
    h.p.on('utterance', (u) => utterances.push(u.userId));
    h.p.setPlaying(true);
    const fed: number[] = [];
    let n = 0;
    h.p.on('speaking', (s) => s.speaking && fed.push(n));
    h.p.on('barge-in', () => fed.push(n));
    for (const pk of packets(silence(300), espeak('Helix, what time is it?'), silence(800))) {
      n++;
      h.p.push('dave', pk);
    }
    expect(h.bargeIns).toHaveLength(1);
    expect(h.bargeIns[0]!.userId).toBe('dave');
    // From speech onset to barge-in: 400 ms of speech, plus at most a short pause inside it.
    const [onset, fired] = fed as [number, number];
    expect((fired - onset) * 20).toBeGreaterThanOrEqual(380);
    expect((fired - onset) * 20).toBeLessThanOrEqual(700);
    expect(utterances).toEqual(['dave']);
  });

  test('GIVEN a short backchannel while playing, or speech while not playing THEN no barge-in', async () => {
    const h = await setup(5_000);
    h.p.setPlaying(true);
    // 260 ms of real speech (a slice of a phrase): an "mm-hm" is about that long.
    const bytesPerMs = 48 * 2 * 2;
    const blip = espeak('Helix, what time is it?').raw.subarray(300 * bytesPerMs, 560 * bytesPerMs);
    for (const pk of packets(silence(300), blip, silence(800))) h.p.push('erin', pk);
    h.p.setPlaying(false);
    for (const pk of packets(espeak('Helix, what time is it?'), silence(800))) h.p.push('erin', pk);
    expect(h.bargeIns).toEqual([]);
  });
});
