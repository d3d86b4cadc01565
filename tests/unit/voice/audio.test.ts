import { describe, expect, test } from 'vitest';
import { decodeWav, encodeWav, rmsDbfs } from '../../../voice/audio/pcm.ts';
import { Resampler, resampleMono } from '../../../voice/audio/resample.ts';
import { spectralFlatness } from '../../../voice/audio/flatness.ts';
import { isOpusSilenceFrame, OPUS_SILENCE_FRAME } from '../../../voice/audio/opus.ts';
import { toDiscordPcm, toDiscordPcmBlocks } from '../../../voice/tts/speak.ts';

const sine = (rate: number, hz: number, seconds: number, amp = 10_000) => Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)));

/** Amplitude of `hz` in a signal (a single-bin DFT). */
function toneLevel(x: Int16Array, rate: number, hz: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    im += x[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

describe('Resampler', () => {
  test('GIVEN a 1 kHz tone at 48 kHz THEN at 16 kHz it keeps its frequency and level', () => {
    const out = resampleMono(sine(48_000, 1_000, 1), 48_000, 16_000);
    expect(Math.abs(out.length - 16_000)).toBeLessThanOrEqual(1);
    expect(toneLevel(out.subarray(800, 15_200), 16_000, 1_000)).toBeGreaterThan(9_700);
  });

  test('GIVEN a 12 kHz tone (above the 8 kHz Nyquist) THEN it is filtered out, not aliased to 4 kHz', () => {
    const out = resampleMono(sine(48_000, 12_000, 1), 48_000, 16_000);
    expect(toneLevel(out, 16_000, 4_000)).toBeLessThan(100);
    expect(rmsDbfs(out.subarray(800, 15_200))).toBeLessThan(-50);
  });

  test('GIVEN 22050 Hz speech-rate audio THEN upsampling to 48 kHz keeps a 440 Hz tone', () => {
    const out = resampleMono(sine(22_050, 440, 1), 22_050, 48_000);
    expect(Math.abs(out.length - 48_000)).toBeLessThanOrEqual(2);
    expect(toneLevel(out.subarray(2_000, 46_000), 48_000, 440)).toBeGreaterThan(9_700);
  });

  test('GIVEN the input in 20 ms blocks THEN the output equals one-shot resampling', () => {
    const x = sine(48_000, 700, 0.5);
    const r = new Resampler(48_000, 16_000);
    const parts: Int16Array[] = [];
    for (let at = 0; at < x.length; at += 960) parts.push(r.push(x.subarray(at, at + 960)));
    parts.push(r.flush());
    const streamed = Int16Array.from(parts.flatMap((p) => Array.from(p)));
    expect(Array.from(streamed)).toEqual(Array.from(resampleMono(x, 48_000, 16_000)));
  });
});

describe('WAV and levels', () => {
  test('GIVEN PCM THEN encodeWav/decodeWav round-trip', () => {
    const samples = sine(16_000, 300, 0.1);
    expect(decodeWav(encodeWav({ sampleRate: 16_000, channels: 1, samples }))).toEqual({ sampleRate: 16_000, channels: 1, samples });
  });

  test('GIVEN a non-WAV or 8-bit WAV THEN voice_audio_invalid', () => {
    expect(() => decodeWav(Buffer.from('hello world, not a wav'))).toThrow(expect.objectContaining({ code: 'voice_audio_invalid' }));
    const wav = encodeWav({ sampleRate: 8_000, channels: 1, samples: new Int16Array(10) });
    wav.writeUInt16LE(8, 34);
    expect(() => decodeWav(wav)).toThrow(/8-bit/);
  });

  test('GIVEN a tone and white noise THEN flatness tells them apart', () => {
    let s = 1;
    const noise = Int16Array.from({ length: 320 }, () => ((s = (Math.imul(s, 1_103_515_245) + 12_345) & 0x7fffffff) / 0x7fffffff - 0.5) * 8_000);
    expect(spectralFlatness(sine(16_000, 440, 0.02), 16_000)).toBeLessThan(0.1);
    expect(spectralFlatness(noise, 16_000)).toBeGreaterThan(0.4);
  });
});

describe('toDiscordPcmBlocks', () => {
  test('GIVEN engine audio at 22.05 kHz and 24 kHz, mono and stereo THEN the blocks joined are exactly toDiscordPcm (48 kHz stereo), the first block short', () => {
    for (const [rate, channels] of [[22_050, 1], [24_000, 2], [48_000, 1]] as const) {
      const mono = sine(rate, 440, 0.7);
      const samples = channels === 1 ? mono : Int16Array.from({ length: mono.length * 2 }, (_, i) => mono[i >> 1]!);
      const pcm = { samples, sampleRate: rate, channels };
      const blocks = [...toDiscordPcmBlocks(pcm)];
      const joined = new Int16Array(blocks.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of blocks) {
        joined.set(b, at);
        at += b.length;
      }
      expect(joined).toEqual(toDiscordPcm(pcm));
      if (rate !== 48_000) expect(blocks[0]!.length).toBeLessThan(48_000 * 2 * 0.07);
    }
  });
});

describe('Opus silence frame', () => {
  test('GIVEN the 3-byte silence frame THEN it is recognized; other packets are not', () => {
    expect(isOpusSilenceFrame(OPUS_SILENCE_FRAME)).toBe(true);
    expect(isOpusSilenceFrame(Buffer.from([0xf8, 0xff, 0xfe]))).toBe(true);
    expect(isOpusSilenceFrame(Buffer.from([0xf8, 0xff, 0xfe, 0x00]))).toBe(false);
    expect(isOpusSilenceFrame(Buffer.from([0xf8, 0xff, 0xfd]))).toBe(false);
  });
});
