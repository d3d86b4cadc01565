// The receive path on real audio: espeak-ng speech as Discord-style Opus packets → decode → 16 kHz →
// VAD → endpointing → pocketsphinx. The clock is injected, so audio time is exact and no test sleeps.
import { afterEach, describe, expect, test } from 'vitest';
import { VoicePipeline, type DroppedTranscript, type Transcript, type Utterance } from '../../../voice/index.ts';
import { PocketSphinxStt } from '../../../voice/stt/pocketsphinx.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { captureLogger } from './log-capture.ts';
import { espeak, noise, packets, silence } from './speech-audio.ts';

const T0 = 1_000_000;
const PHRASES = ['Helix, what time is it?', 'Tell me a joke', 'good morning helix', 'what is the weather like'];
let pipeline: VoicePipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

async function makePipeline(opts: { silenceMs?: number; maxUtteranceMs?: number; now?: () => number } = {}) {
  const { logger, lines } = captureLogger();
  const stt = new PocketSphinxStt({ phrases: PHRASES, logger });
  const p = await VoicePipeline.create({
    stt,
    logger,
    sttTimeoutMs: 60_000, // pocketsphinx shares two cores with the rest of the suite
    now: opts.now ?? (() => T0),
    endpointing: { silenceMs: opts.silenceMs ?? 500, maxUtteranceMs: opts.maxUtteranceMs ?? 15_000, minSpeechMs: 250 },
  });
  pipeline = p;
  const utterances: Utterance[] = [];
  const transcripts: Transcript[] = [];
  const dropped: DroppedTranscript[] = [];
  /** Audio time (ms since the first packet) at which each utterance was emitted: the end of the packet being pushed. */
  const emittedAt: number[] = [];
  let fed = 0;
  p.on('utterance', (u) => {
    utterances.push(u);
    emittedAt.push((fed + 1) * 20);
  });
  p.on('transcript', (t) => transcripts.push(t));
  p.on('transcript-dropped', (d) => dropped.push(d));
  const feed = (userId: string, packets: Buffer[]) => {
    for (const pk of packets) {
      p.push(userId, pk);
      fed++;
    }
  };
  return { p, utterances, transcripts, dropped, emittedAt, feed, lines, stt };
}

describe('VoicePipeline receive on espeak-ng speech', () => {
  test('GIVEN one phrase then silence THEN exactly one utterance, ended after the configured silence, transcribed by pocketsphinx', async () => {
    const h = await makePipeline({ silenceMs: 500 });
    const speech = espeak('Helix, what time is it?');
    h.feed('alice', packets(silence(400), speech, silence(1_500)));
    expect(h.utterances).toHaveLength(1);
    const u = h.utterances[0]!;
    expect(u.userId).toBe('alice');
    expect(u.reason).toBe('silence');
    // Speech starts after the 400 ms lead-in (minus the 200 ms preroll) and lasts about as long as espeak spoke.
    expect(u.startedAt - T0).toBeGreaterThanOrEqual(180);
    expect(u.startedAt - T0).toBeLessThanOrEqual(500);
    const spokenMs = speech.ms;
    expect(u.endedAt - u.startedAt).toBeGreaterThan(spokenMs * 0.6);
    expect(u.endedAt - T0).toBeLessThanOrEqual(400 + spokenMs + 40);
    // The end is detected once 500 ms of silence followed the last speech frame.
    expect(h.emittedAt[0]! - (u.endedAt - T0)).toBeGreaterThanOrEqual(500);
    expect(h.emittedAt[0]! - (u.endedAt - T0)).toBeLessThanOrEqual(560);
    expect(u.pcm16k.length).toBe(Math.round(((u.pcm16k.length / 16) * 16) / 1)); // whole samples
    expect(u.pcm16k.length / 16).toBeGreaterThan(u.speechMs);
    await eventually(() => h.transcripts.length + h.dropped.length === 1, 60_000, 'the transcript');
    expect(h.transcripts[0]).toMatchObject({ userId: 'alice', text: 'helix what time is it', engine: 'local', startedAt: u.startedAt, endedAt: u.endedAt });
  }, 90_000);

  test('GIVEN two phrases with a pause longer than silenceMs THEN two utterances; a shorter pause keeps one', async () => {
    const h = await makePipeline({ silenceMs: 600 });
    const a = espeak('Tell me a joke');
    const b = espeak('good morning helix');
    h.feed('bob', packets(a, silence(1_000), b, silence(1_000)));
    expect(h.utterances.map((u) => u.reason)).toEqual(['silence', 'silence']);
    // espeak-ng's own lead-in and tail make a pause of ~250 ms between the two: under silenceMs.
    h.feed('bob', packets(a, b, silence(1_000)));
    expect(h.utterances).toHaveLength(3);
    expect(h.utterances[2]!.endedAt - h.utterances[2]!.startedAt).toBeGreaterThan((a.ms + b.ms) * 0.7);
  });

  test('GIVEN digital silence, low-level noise and moderate white noise THEN no utterance ever reaches speech-to-text', async () => {
    const h = await makePipeline();
    h.feed('carol', packets(silence(3_000), noise(3_000, 200, 7) /* ~-49 dBFS hiss */, noise(5_000, 4_000, 8) /* ~-23 dBFS: WebRTC VAD alone calls this speech */, silence(1_000)));
    h.feed('carl', packets(noise(3_000, 12_000, 9) /* ~-13 dBFS */, silence(1_000)));
    expect(h.utterances).toEqual([]);
    expect(h.p.stats.frames).toBeGreaterThan(700);
  });

  test('GIVEN two speakers interleaved packet by packet THEN each gets their own utterance and transcript', async () => {
    const h = await makePipeline({ silenceMs: 500 });
    const a = packets(silence(200), espeak('Tell me a joke'), silence(1_200));
    const b = packets(espeak('what is the weather like'), silence(1_200));
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) h.p.push('alice', a[i]!);
      if (b[i]) h.p.push('bob', b[i]!);
    }
    expect(h.utterances.map((u) => u.userId).sort()).toEqual(['alice', 'bob']);
    await eventually(() => h.transcripts.length + h.dropped.length === 2, 60_000, 'two transcripts');
    const byUser = Object.fromEntries(h.transcripts.map((t) => [t.userId, t.text]));
    expect(byUser).toEqual({ alice: 'tell me a joke', bob: 'what is the weather like' });
  }, 90_000);

  test('GIVEN corrupt packets among one speaker\'s speech THEN they are dropped and logged, and both speakers still get their utterance', async () => {
    const h = await makePipeline();
    const speech = packets(espeak('good morning helix'));
    const garbage = [Buffer.alloc(0), Buffer.from([0xff, 0xff, 0xff]), Buffer.alloc(5_000, 7)];
    speech.forEach((pk, i) => {
      h.p.push('dave', pk);
      if (i % 10 === 0) for (const g of garbage) h.p.push('dave', g);
      h.p.push('erin', pk);
    });
    h.feed('dave', packets(silence(1_000)));
    h.feed('erin', packets(silence(1_000)));
    expect(h.p.stats.corruptPackets).toBeGreaterThan(0);
    expect(h.utterances.map((u) => u.userId).sort()).toEqual(['dave', 'erin']);
    expect(h.lines.some((l) => l.msg === 'voice: dropped an undecodable Opus packet' && l.userId === 'dave')).toBe(true);
  });

  test('GIVEN a speaker who never pauses THEN the utterance is cut at maxUtteranceMs and the next one starts at once', async () => {
    const h = await makePipeline({ silenceMs: 3_000, maxUtteranceMs: 2_000 });
    const speech = espeak('Helix, what time is it?');
    h.feed('frank', packets(speech, speech, speech));
    const cut = h.utterances.filter((u) => u.reason === 'max');
    expect(cut.length).toBeGreaterThanOrEqual(2);
    for (const u of cut) expect(u.pcm16k.length / 16).toBeLessThanOrEqual(2_000);
  });

  test('GIVEN a speaker whose packets simply stop (as Discord does) THEN the utterance ends on the wall clock after silenceMs', async () => {
    let now = T0;
    const h = await makePipeline({ silenceMs: 400, now: () => now });
    h.feed('gina', packets(espeak('Tell me a joke')));
    expect(h.utterances).toHaveLength(0);
    now += 2_000; // the pipeline's gap filler (every 50 ms) sees that no packet came for 2 s
    await eventually(() => h.utterances.length === 1, 5_000, 'the utterance after packets stopped');
    expect(h.utterances[0]!.reason).toBe('silence');
  });

  test('GIVEN close() twice THEN both resolve and later packets are ignored', async () => {
    const h = await makePipeline();
    await Promise.all([h.p.close(), h.p.close()]);
    h.p.push('x', packets(espeak('Tell me a joke'))[0]!);
    expect(h.p.stats.packets).toBe(0);
  });
});
