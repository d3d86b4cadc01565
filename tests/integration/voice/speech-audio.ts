// Real speech for the voice tests: espeak-ng speaks a phrase, sox converts it to Discord's format
// (48 kHz stereo), and opusscript cuts it into 20 ms Opus packets, as a Discord client sends them.
// Cached per test process in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpusScript from 'opusscript';

const dir = mkdtempSync(join(tmpdir(), 'helix-voice-test-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const cache = new Map<string, { raw: Buffer; wav16k: string }>();
let seq = 0;

const FRAME_BYTES = 960 * 2 * 2;

/** espeak-ng saying `text`: 48 kHz stereo PCM bytes (Discord's format), and the path of a 16 kHz mono WAV of it. */
export function espeak(text: string): { raw: Buffer; wav16k: string; ms: number } {
  let hit = cache.get(text);
  if (!hit) {
    const base = join(dir, `p${++seq}`);
    execFileSync('espeak-ng', ['-w', `${base}.wav`, text]);
    execFileSync('sox', [`${base}.wav`, '-r', '48000', '-c', '2', '-b', '16', '-e', 'signed-integer', '-t', 'raw', `${base}.raw`]);
    execFileSync('sox', [`${base}.wav`, '-r', '16000', '-c', '1', '-b', '16', `${base}-16k.wav`]);
    hit = { raw: readFileSync(`${base}.raw`), wav16k: `${base}-16k.wav` };
    cache.set(text, hit);
  }
  return { ...hit, ms: (hit.raw.length / FRAME_BYTES) * 20 };
}

/** `ms` of digital silence, 48 kHz stereo PCM bytes. */
export function silence(ms: number): Buffer {
  return Buffer.alloc(Math.round(ms / 20) * FRAME_BYTES);
}

/** `ms` of uniform white noise of peak `amplitude` (same on both channels), 48 kHz stereo PCM bytes. */
export function noise(ms: number, amplitude: number, seed = 1): Buffer {
  let s = seed;
  // 32-bit LCG (Math.imul: a plain multiply loses bits past 2^53 and the sequence turns periodic, i.e. tonal).
  const rand = () => ((s = (Math.imul(s, 1_103_515_245) + 12_345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  const raw = Buffer.alloc(Math.round(ms / 20) * FRAME_BYTES);
  for (let i = 0; i < raw.length; i += 4) {
    const v = Math.round(rand() * amplitude);
    raw.writeInt16LE(v, i);
    raw.writeInt16LE(v, i + 2);
  }
  return raw;
}

/**
 * One speaker's stream as a Discord client sends it: the pieces back to back, encoded by one Opus
 * encoder (its state runs across the pieces) into 20 ms packets; the last frame padded with silence.
 */
export function packets(...pieces: Array<Buffer | { raw: Buffer }>): Buffer[] {
  const raw = Buffer.concat(pieces.map((p) => (Buffer.isBuffer(p) ? p : p.raw)));
  const enc = new OpusScript(48_000, 2, OpusScript.Application.VOIP);
  const frames: Buffer[] = [];
  for (let at = 0; at < raw.length; at += FRAME_BYTES) {
    const frame = Buffer.alloc(FRAME_BYTES);
    raw.copy(frame, 0, at, Math.min(raw.length, at + FRAME_BYTES));
    frames.push(Buffer.from(enc.encode(frame, 960)));
  }
  enc.delete();
  return frames;
}
