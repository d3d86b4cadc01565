// Text-to-speech: espeak-ng for real, Wyoming and OpenAI-compatible clients against fakes of the real
// wire formats, and speak(): sentences streamed in → 20 ms Opus frames out.
import OpusScript from 'opusscript';
import { afterEach, describe, expect, test } from 'vitest';
import { rmsDbfs } from '../../../voice/audio/pcm.ts';
import { EspeakTts } from '../../../voice/tts/espeak.ts';
import { OpenAiTts } from '../../../voice/tts/openai.ts';
import { speak } from '../../../voice/tts/speak.ts';
import { WyomingTts } from '../../../voice/tts/wyoming.ts';
import type { TtsEngine } from '../../../voice/tts/engine.ts';
import { startFakeAudioOpenAi, type FakeAudioOpenAi } from '../../fakes/audio-openai/server.ts';
import { startFakeWyoming, tone, type FakeWyoming } from '../../fakes/wyoming/server.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { captureLogger } from './log-capture.ts';

const signal = () => AbortSignal.timeout(60_000);
const open: Array<FakeWyoming | FakeAudioOpenAi> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Decodes Opus frames with an independent decoder: 48 kHz stereo samples. */
function decodeFrames(frames: Buffer[]): Int16Array {
  const dec = new OpusScript(48_000, 2);
  const parts = frames.map((f) => {
    const pcm = dec.decode(f);
    return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength));
  });
  dec.delete();
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const f of it) out.push(f);
  return out;
}

describe('espeak-ng (local) text-to-speech', () => {
  test('GIVEN a sentence THEN a WAV of plausible length comes back', async () => {
    const pcm = await new EspeakTts().synthesize('-- It is ten past three in the afternoon.', { signal: signal() });
    expect(pcm).toMatchObject({ sampleRate: 22_050, channels: 1 });
    const seconds = pcm.samples.length / pcm.sampleRate;
    // 9 words at 175 words per minute is ~3 s; espeak adds a little lead-in and tail.
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(5);
    expect(rmsDbfs(pcm.samples)).toBeGreaterThan(-40);
  });
});

describe('speak(): streamed text → Opus frames', () => {
  test('GIVEN the default engine THEN every frame is one 20 ms Opus packet and the audio lasts about as long as the text takes to say', async () => {
    const { logger } = captureLogger();
    const text = 'Good morning. It is ten past three, and the weather is fine.';
    const frames = await collect(speak(text, new EspeakTts(), { logger }));
    const pcm = decodeFrames(frames);
    expect(pcm.length).toBe(frames.length * 960 * 2); // every packet decodes to exactly 20 ms of stereo
    const seconds = frames.length * 0.02;
    const words = text.split(/\s+/).length; // 12 words at 175 wpm ≈ 4.1 s
    expect(seconds).toBeGreaterThan((words / 175) * 60 * 0.6);
    expect(seconds).toBeLessThan((words / 175) * 60 * 2);
    expect(rmsDbfs(pcm)).toBeGreaterThan(-40);
    // Both channels carry the same (mono) speech.
    let diff = 0;
    for (let i = 0; i < pcm.length; i += 2) diff += Math.abs(pcm[i]! - pcm[i + 1]!);
    expect(diff / (pcm.length / 2)).toBeLessThan(200);
  });

  test('GIVEN text that streams in THEN the first sentence is synthesized and playing before the rest of the text has arrived', async () => {
    const { logger } = captureLogger();
    const synthesized: string[] = [];
    let release!: () => void;
    const rest = new Promise<void>((r) => (release = r));
    let restSent = false;
    async function* reply() {
      yield 'Hello there';
      yield '! I am checking ';
      await rest; // the model is still thinking
      restSent = true;
      yield 'the calendar now. Done.';
    }
    const frames: Buffer[] = [];
    const it = speak(reply(), new EspeakTts(), { logger, onSentence: (s) => synthesized.push(s) });
    for await (const f of it) {
      frames.push(f);
      if (frames.length === 1) {
        expect(restSent).toBe(false);
        expect(synthesized).toEqual(['Hello there!']);
        release();
      }
    }
    expect(synthesized).toEqual(['Hello there!', 'I am checking the calendar now.', 'Done.']);
  });

  test('GIVEN an engine that fails on one sentence and hangs on another THEN both are skipped, logged, and the rest is spoken', async () => {
    const { logger, lines } = captureLogger();
    const flaky: TtsEngine = {
      name: 'flaky',
      synthesize: (text) =>
        text.startsWith('Broken') ? Promise.reject(new Error('engine crashed')) : text.startsWith('Stuck') ? new Promise(() => {}) : Promise.resolve({ sampleRate: 22_050, channels: 1, samples: tone(22_050, 1) }),
    };
    const t0 = performance.now();
    const frames = await collect(speak('Broken sentence. Stuck sentence. Fine sentence.', flaky, { logger, timeoutMs: 500 }));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(frames.length).toBeGreaterThanOrEqual(50); // the 1 s of the fine sentence
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['voice: text-to-speech failed; sentence skipped', 'voice: text-to-speech timed out; sentence skipped']);
  });

  test('GIVEN playback is aborted mid-reply (barge-in) THEN the frames stop within 200 ms', async () => {
    const { logger } = captureLogger();
    const ctl = new AbortController();
    const frames: Buffer[] = [];
    let stoppedAt = 0;
    const long = Array.from({ length: 8 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`).join(' ');
    const t = setInterval(() => {
      if (frames.length > 10 && !ctl.signal.aborted) {
        ctl.abort(new Error('barge-in'));
        stoppedAt = performance.now();
      }
    }, 5);
    for await (const f of speak(long, new EspeakTts(), { logger, signal: ctl.signal })) {
      frames.push(f);
      await new Promise((r) => setImmediate(r)); // a player pulls frames; give the abort a chance
    }
    clearInterval(t);
    expect(ctl.signal.aborted).toBe(true);
    expect(performance.now() - stoppedAt).toBeLessThan(200);
    expect(frames.length).toBeLessThan(8 * 100);
  });
});

describe('Wyoming text-to-speech (wyoming-piper)', () => {
  test('GIVEN synthesize THEN the client sends {text, voice:{name}} and assembles audio-start/chunks/stop into PCM at the voice rate', async () => {
    const fake = await startFakeWyoming({ ttsRate: 22_050, ttsAudio: () => tone(22_050, 1.5) });
    open.push(fake);
    const pcm = await new WyomingTts({ url: fake.url, voice: 'en_US-lessac-medium' }).synthesize('Hello from Piper.', { signal: signal() });
    expect(pcm.sampleRate).toBe(22_050);
    expect(pcm.channels).toBe(1);
    expect(Array.from(pcm.samples)).toEqual(Array.from(tone(22_050, 1.5)));
    const sent = fake.connections[0]!;
    expect(sent.map((e) => e.type)).toEqual(['synthesize']);
    expect(sent[0]!.data).toEqual({ text: 'Hello from Piper.', voice: { name: 'en_US-lessac-medium' } });
    expect(sent[0]!.header.data_length).toBe(Buffer.byteLength(JSON.stringify(sent[0]!.data)));
  });

  test('GIVEN an error event or a hang THEN rejected, and speak() skips it within the timeout', async () => {
    const fake = await startFakeWyoming({ ttsMode: 'error' });
    open.push(fake);
    const tts = new WyomingTts({ url: fake.url });
    await expect(tts.synthesize('x', { signal: signal() })).rejects.toMatchObject({ code: 'voice_engine_rejected', message: expect.stringContaining('voice not found') });
    fake.set({ ttsMode: 'hang' });
    const { logger, lines } = captureLogger();
    expect(await collect(speak('Nothing comes back.', tts, { logger, timeoutMs: 300 }))).toEqual([]);
    expect(lines.some((l) => l.msg === 'voice: text-to-speech timed out; sentence skipped')).toBe(true);
  });
});

describe('OpenAI-compatible text-to-speech', () => {
  test('GIVEN response_format wav THEN the request is the documented JSON and the WAV (with a LIST chunk) is read at its own rate', async () => {
    const fake = await startFakeAudioOpenAi({ speechRate: 44_100 });
    open.push(fake);
    const pcm = await new OpenAiTts({ url: fake.url, voice: 'nova', model: 'tts-1-hd', apiKey: 'sk-k' }).synthesize('Hi there.', { signal: signal() });
    expect(pcm).toMatchObject({ sampleRate: 44_100, channels: 1 });
    expect(pcm.samples.length).toBe(Math.round(44_100 * 0.05 * 'Hi there.'.length));
    const req = fake.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/audio/speech' });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe('Bearer sk-k');
    expect(req.json).toEqual({ model: 'tts-1-hd', input: 'Hi there.', voice: 'nova', response_format: 'wav' });
  });

  test('GIVEN response_format pcm THEN raw 24 kHz mono is read, and speak() turns it into frames of the right length', async () => {
    const fake = await startFakeAudioOpenAi({ speech: (_t, rate) => tone(rate, 1) });
    open.push(fake);
    const tts = new OpenAiTts({ url: fake.url, responseFormat: 'pcm' });
    const pcm = await tts.synthesize('One second.', { signal: signal() });
    expect(pcm).toMatchObject({ sampleRate: 24_000, channels: 1 });
    expect(pcm.samples.length).toBe(24_000);
    const { logger } = captureLogger();
    const frames = await collect(speak('One second.', tts, { logger }));
    expect(frames.length).toBeGreaterThanOrEqual(50);
    expect(frames.length).toBeLessThanOrEqual(51);
    expect(fake.requests.at(-1)!.json).toMatchObject({ response_format: 'pcm', model: 'tts-1', voice: 'alloy' });
  });

  test('GIVEN a 5xx THEN voice_engine_unavailable', async () => {
    const fake = await startFakeAudioOpenAi({ status: 503 });
    open.push(fake);
    await expect(new OpenAiTts({ url: fake.url }).synthesize('x', { signal: signal() })).rejects.toMatchObject({ code: 'voice_engine_unavailable' });
    await eventually(() => fake.requests.length === 1, 1_000, 'the request');
  });
});
