// Real audio for the voice tests: espeak-ng speech -> sox (48 kHz stereo s16le) -> Opus (opusscript, pure JS)
// in 20 ms frames, Opus -> PCM, and the measures the tests compare (energy envelope, voiced duration).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpusScript from 'opusscript';

const run = promisify(execFile);

export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;
/** Samples per channel in one 20 ms frame. */
export const FRAME_SAMPLES = 960;
/** Bytes of one 20 ms frame of 48 kHz stereo s16le. */
export const FRAME_BYTES = FRAME_SAMPLES * CHANNELS * 2;

export interface SpeechOptions {
  /** espeak-ng voice (e.g. `en`, `en+f3`). @defaultValue `en` */
  voice?: string;
  /** Words per minute. @defaultValue `160` */
  wpm?: number;
}

/** Speaks `text` with espeak-ng and returns 48 kHz stereo 16-bit PCM (whole 20 ms frames). */
export async function speechPcm(text: string, opts: SpeechOptions = {}): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'helix-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    const raw = join(dir, 'speech.raw');
    await run('espeak-ng', ['-v', opts.voice ?? 'en', '-s', String(opts.wpm ?? 160), '-w', wav, text]);
    await run('sox', [wav, '-r', String(SAMPLE_RATE), '-c', String(CHANNELS), '-b', '16', '-e', 'signed-integer', '-t', 'raw', raw]);
    const pcm = await readFile(raw);
    const whole = Math.ceil(pcm.length / FRAME_BYTES) * FRAME_BYTES;
    return Buffer.concat([pcm, Buffer.alloc(whole - pcm.length)]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Encodes PCM (48 kHz stereo s16le) into 20 ms Opus packets. */
export function encodeOpus(pcm: Buffer): Buffer[] {
  const encoder = new OpusScript(SAMPLE_RATE, CHANNELS, OpusScript.Application.AUDIO);
  try {
    const frames: Buffer[] = [];
    for (let off = 0; off < pcm.length; off += FRAME_BYTES) {
      const frame = pcm.subarray(off, off + FRAME_BYTES);
      const whole = frame.length === FRAME_BYTES ? frame : Buffer.concat([frame, Buffer.alloc(FRAME_BYTES - frame.length)]);
      frames.push(Buffer.from(encoder.encode(whole, FRAME_SAMPLES)));
    }
    return frames;
  } finally {
    encoder.delete();
  }
}

/** Decodes Opus packets in order with one decoder; a packet the decoder rejects becomes 20 ms of silence. */
export function decodeOpus(packets: readonly Buffer[]): { pcm: Buffer; rejected: number } {
  const decoder = new OpusScript(SAMPLE_RATE, CHANNELS, OpusScript.Application.AUDIO);
  let rejected = 0;
  try {
    const out: Buffer[] = [];
    for (const p of packets) {
      try {
        out.push(Buffer.from(decoder.decode(p)));
      } catch {
        rejected++;
        out.push(Buffer.alloc(FRAME_BYTES));
      }
    }
    return { pcm: Buffer.concat(out), rejected };
  } finally {
    decoder.delete();
  }
}

/** RMS (0..1) of each 20 ms frame of 48 kHz stereo s16le PCM. */
export function frameRms(pcm: Buffer): number[] {
  const out: number[] = [];
  for (let off = 0; off + FRAME_BYTES <= pcm.length; off += FRAME_BYTES) {
    let sum = 0;
    for (let i = off; i < off + FRAME_BYTES; i += 2) {
      const s = pcm.readInt16LE(i) / 32768;
      sum += s * s;
    }
    out.push(Math.sqrt(sum / (FRAME_BYTES / 2)));
  }
  return out;
}

/** Milliseconds of frames louder than `threshold` RMS (speech, not silence). */
export function voicedMs(pcm: Buffer, threshold = 0.01): number {
  return frameRms(pcm).filter((r) => r > threshold).length * 20;
}

/** Pearson correlation of two envelopes, over the shorter length. */
export function correlation(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va && vb ? cov / Math.sqrt(va * vb) : 0;
}
