// Speech-to-text clients against fake servers that speak the real wire formats, and pocketsphinx for real.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { decodeWav } from '../../../voice/audio/pcm.ts';
import { transcribeBounded } from '../../../voice/stt/engine.ts';
import { OpenAiStt } from '../../../voice/stt/openai.ts';
import { PocketSphinxStt } from '../../../voice/stt/pocketsphinx.ts';
import { WyomingStt } from '../../../voice/stt/wyoming.ts';
import { startFakeAudioOpenAi, type FakeAudioOpenAi } from '../../fakes/audio-openai/server.ts';
import { startFakeWyoming, type FakeWyoming } from '../../fakes/wyoming/server.ts';
import { captureLogger } from './log-capture.ts';
import { espeak } from './speech-audio.ts';

// Generous: pocketsphinx shares two cores with the rest of the suite.
const signal = () => AbortSignal.timeout(60_000);
const speech16k = () => decodeWav(readFileSync(espeak('Helix, what time is it?').wav16k)).samples;
const open: Array<FakeWyoming | FakeAudioOpenAi> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
const wyoming = async (...a: Parameters<typeof startFakeWyoming>) => {
  const s = await startFakeWyoming(...a);
  open.push(s);
  return s;
};
const openai = async (...a: Parameters<typeof startFakeAudioOpenAi>) => {
  const s = await startFakeAudioOpenAi(...a);
  open.push(s);
  return s;
};

describe('Wyoming speech-to-text', () => {
  test('GIVEN wyoming-faster-whisper THEN the client sends transcribe, audio-start, 1024-sample audio-chunks, audio-stop, framed as wyoming does, and reads the transcript', async () => {
    const fake = await wyoming({ transcript: ' What time is it? ' });
    const samples = speech16k();
    const r = await new WyomingStt({ url: fake.url, language: 'en' }).transcribe(samples, { signal: signal() });
    expect(r).toEqual({ text: ' What time is it? ', language: 'en' });
    const events = fake.connections[0]!;
    expect(events.map((e) => e.type).filter((t, i, a) => a[i - 1] !== t)).toEqual(['transcribe', 'audio-start', 'audio-chunk', 'audio-stop']);
    expect(events[0]!.data).toEqual({ language: 'en' });
    expect(events[1]!.data).toMatchObject({ rate: 16_000, width: 2, channels: 1 });
    for (const e of events) {
      expect(e.header.version).toMatch(/^1\./);
      expect(e.header.data).toBeUndefined(); // data is split out, with data_length
      if (Object.keys(e.data).length) expect(e.header.data_length).toBe(Buffer.byteLength(JSON.stringify(e.data)));
    }
    const chunks = events.filter((e) => e.type === 'audio-chunk');
    expect(chunks[0]!.header.payload_length).toBe(2_048);
    expect(chunks[0]!.data).toMatchObject({ rate: 16_000, width: 2, channels: 1, timestamp: 0 });
    expect(Buffer.concat(chunks.map((c) => c.payload))).toEqual(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  });

  test('GIVEN a server that puts data inline in the header THEN the transcript is still read', async () => {
    const fake = await wyoming({ transcript: 'inline works', inlineData: true });
    expect((await new WyomingStt({ url: fake.url }).transcribe(new Int16Array(1_600), { signal: signal() })).text).toBe('inline works');
  });

  test('GIVEN an error event, a dropped connection, or no server THEN the codes say rejected / unavailable', async () => {
    const fake = await wyoming({ sttMode: 'error' });
    const stt = new WyomingStt({ url: fake.url });
    await expect(stt.transcribe(new Int16Array(1_600), { signal: signal() })).rejects.toMatchObject({ code: 'voice_engine_rejected', message: expect.stringContaining('model failed to load') });
    fake.set({ sttMode: 'close' });
    await expect(stt.transcribe(new Int16Array(1_600), { signal: signal() })).rejects.toMatchObject({ code: 'voice_engine_unavailable' });
    const url = fake.url;
    await fake.close();
    await expect(new WyomingStt({ url }).transcribe(new Int16Array(1_600), { signal: signal() })).rejects.toMatchObject({ code: 'voice_engine_unavailable' });
  });

  test('GIVEN a server that never answers THEN the bounded call gives up at the timeout and logs it', async () => {
    const fake = await wyoming({ sttMode: 'hang' });
    const { logger, lines } = captureLogger();
    const t0 = performance.now();
    const r = await transcribeBounded(new WyomingStt({ url: fake.url }), new Int16Array(1_600), { timeoutMs: 300, logger });
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(lines.some((l) => l.level === 'warn' && l.msg === 'voice: speech-to-text timed out; utterance dropped')).toBe(true);
  });

  test('GIVEN a near-silence hallucination THEN the bounded call drops it; real text passes', async () => {
    const fake = await wyoming({ transcript: ' Thanks for watching!' });
    const { logger } = captureLogger();
    const stt = new WyomingStt({ url: fake.url });
    expect(await transcribeBounded(stt, new Int16Array(1_600), { timeoutMs: 5_000, logger })).toMatchObject({ ok: false, reason: 'hallucination' });
    fake.set({ transcript: 'Thank you for the reminder about the meeting.' });
    expect(await transcribeBounded(stt, new Int16Array(1_600), { timeoutMs: 5_000, logger })).toMatchObject({ ok: true, text: 'Thank you for the reminder about the meeting.' });
  });
});

describe('OpenAI-compatible speech-to-text', () => {
  test('GIVEN POST /v1/audio/transcriptions THEN the multipart carries a 16 kHz mono WAV file, model and response_format, with the bearer key', async () => {
    const fake = await openai({ transcript: 'what time is it' });
    const samples = speech16k();
    const r = await new OpenAiStt({ url: fake.url, model: 'Systran/faster-whisper-small', apiKey: 'sk-test-key', language: 'en' }).transcribe(samples, { signal: signal() });
    expect(r.text).toBe('what time is it');
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/audio/transcriptions');
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.headers.authorization).toBe('Bearer sk-test-key');
    expect(req.form).toMatchObject({ model: 'Systran/faster-whisper-small', response_format: 'json', language: 'en' });
    const file = req.form!.file as { filename: string; type: string; bytes: Buffer };
    expect(file).toMatchObject({ filename: 'utterance.wav', type: 'audio/wav' });
    const wav = decodeWav(file.bytes);
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(Array.from(wav.samples)).toEqual(Array.from(samples));
  });

  test('GIVEN 500, 400 or a hang THEN unavailable, rejected, and a bounded timeout', async () => {
    const fake = await openai({ status: 500 });
    const stt = new OpenAiStt({ url: fake.url });
    await expect(stt.transcribe(new Int16Array(160), { signal: signal() })).rejects.toMatchObject({ code: 'voice_engine_unavailable' });
    fake.set({ status: 400 });
    await expect(stt.transcribe(new Int16Array(160), { signal: signal() })).rejects.toMatchObject({ code: 'voice_engine_rejected' });
    fake.set({ status: 200, hang: true });
    const { logger } = captureLogger();
    expect(await transcribeBounded(stt, new Int16Array(160), { timeoutMs: 300, logger })).toMatchObject({ ok: false, reason: 'timeout' });
  });
});

describe('PocketSphinx (local) speech-to-text, for real', () => {
  const PHRASES = ['Helix, what time is it?', 'tell me a joke', 'good morning helix', 'what is the weather like', 'stop'];

  test('GIVEN a phrase list THEN espeak-ng speech of each listed phrase comes back as exactly its words', async () => {
    const stt = new PocketSphinxStt({ phrases: PHRASES });
    try {
      for (const [said, expected] of [
        ['Helix, what time is it?', 'helix what time is it'],
        ['What is the weather like?', 'what is the weather like'],
      ] as const) {
        const samples = decodeWav(readFileSync(espeak(said).wav16k)).samples;
        expect((await stt.transcribe(samples, { signal: signal() })).text).toBe(expected);
      }
    } finally {
      stt.close();
    }
  }, 90_000);

  test('GIVEN no phrase list THEN the general model answers with words (rough, as documented)', async () => {
    const stt = new PocketSphinxStt();
    const samples = decodeWav(readFileSync(espeak('Tell me a joke.').wav16k)).samples;
    const { text } = await stt.transcribe(samples, { signal: signal() });
    expect(text).toMatch(/^[a-z' ]+$/);
    stt.close();
  }, 90_000);

  test('GIVEN an aborted call THEN the pocketsphinx process is killed and the call rejects', async () => {
    const stt = new PocketSphinxStt();
    const ctl = new AbortController();
    const p = stt.transcribe(speech16k(), { signal: ctl.signal });
    ctl.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    stt.close();
  });
});
