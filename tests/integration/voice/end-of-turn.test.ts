// When a turn ends, on the wall clock: espeak-ng speech as Discord-style Opus packets at 20 ms pace (fake timers,
// so the timeline is exact), then what Discord does when someone stops talking: five Opus silence frames and then
// nothing, or (an older or lossy client) just nothing. Either way the utterance must end exactly silenceMs after the
// end of the speech: not at the next packet, not at a polling tick, and without the VAD's hangover on top.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { VoicePipeline, type Utterance } from '../../../voice/index.ts';
import { OPUS_SILENCE_FRAME } from '../../../voice/audio/opus.ts';
import type { SttEngine } from '../../../voice/stt/engine.ts';
import { loadVad } from '../../../voice/vad.ts';
import { captureLogger } from './log-capture.ts';
import { espeak, packets } from './speech-audio.ts';

const nullStt: SttEngine = { name: 'null', transcribe: () => Promise.resolve({ text: 'hello' }) };
let pipeline: VoicePipeline | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await pipeline?.close();
  pipeline = undefined;
});

async function run(tail: 'silence-frames' | 'nothing', silenceMs: number, stallMs = 0) {
  const { logger } = captureLogger();
  await loadVad();
  // Faked before the pipeline starts, so that its gap check runs on the fake clock too.
  vi.useFakeTimers({ now: 1_000_000 });
  const p = await VoicePipeline.create({ stt: nullStt, logger, endpointing: { silenceMs }, now: () => Date.now() });
  pipeline = p;
  const t0 = Date.now();
  const ended: Array<{ u: Utterance; at: number }> = [];
  p.on('utterance', (u) => ended.push({ u, at: Date.now() }));
  const speech = packets(espeak('Helix, what time is it?'));
  const sent = tail === 'silence-frames' ? [...speech, ...Array.from({ length: 5 }, () => Buffer.from(OPUS_SILENCE_FRAME))] : speech;
  // Packet i carries the audio of [20i, 20i + 20) and arrives when that audio ends; with `stallMs`, the receiver
  // was busy at the start and takes the first packets in one go, late.
  const stalled = stallMs / 20;
  for (const [i, pk] of sent.entries()) {
    if (i === 0) await vi.advanceTimersByTimeAsync(20 + stallMs);
    else if (i > stalled) await vi.advanceTimersByTimeAsync(20);
    p.push('alice', pk);
  }
  await vi.advanceTimersByTimeAsync(silenceMs + 1_000);
  return { ended, t0, speechMs: speech.length * 20 };
}

describe('VoicePipeline end of turn on the wall clock', () => {
  for (const tail of ['silence-frames', 'nothing'] as const) {
    test(`GIVEN speech followed by ${tail === 'nothing' ? 'no more packets' : 'Opus silence frames and then no more packets'} THEN the utterance ends exactly silenceMs after the end of speech`, async () => {
      const { ended, t0, speechMs } = await run(tail, 700);
      expect(ended).toHaveLength(1);
      const { u, at } = ended[0]!;
      expect(u.reason).toBe('silence');
      // The end of speech lies inside the audio sent (espeak's own trailing silence follows it).
      expect(u.endedAt - t0).toBeGreaterThan(speechMs / 2);
      expect(u.endedAt - t0).toBeLessThanOrEqual(speechMs);
      expect(at - u.endedAt).toBe(700);
    });
  }

  test('GIVEN the first packets of the spurt were taken late (a busy receiver) and the rest on time THEN the end is still silenceMs after the end of speech on the wall clock', async () => {
    const { ended } = await run('silence-frames', 700, 60);
    expect(ended).toHaveLength(1);
    const { u, at } = ended[0]!;
    // The utterance's own timestamps start from the late first packet: 60 ms behind the audio.
    expect(at - u.endedAt).toBe(700 - 60);
  });

  test('GIVEN a short silenceMs and packets that just stop THEN the end waits for the packet gap (100 ms, checked every 50 ms), no longer', async () => {
    const { ended } = await run('nothing', 200);
    expect(ended.length).toBeGreaterThanOrEqual(1); // 200 ms also splits the phrase at its comma
    const { u, at } = ended.at(-1)!;
    expect(at - u.endedAt).toBeGreaterThanOrEqual(200);
    expect(at - u.endedAt).toBeLessThanOrEqual(200 + 100 + 50 + 20);
  });
});
