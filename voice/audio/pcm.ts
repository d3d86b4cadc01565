// 16-bit PCM helpers: the one sample format every stage hands to the next (Int16Array, interleaved).
import { HelixError } from '../../mesh/index.ts';

/** A block of 16-bit signed PCM, channels interleaved. */
export interface Pcm {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

/** Duration of a PCM block in milliseconds. */
export function pcmDurationMs(pcm: Pcm): number {
  return (pcm.samples.length / pcm.channels / pcm.sampleRate) * 1_000;
}

/** Averages interleaved channels into one. */
export function downmixToMono(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const out = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0, j = 0; i < out.length; i++, j += channels) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[j + c]!;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/** Copies a mono signal into every channel. */
export function upmix(mono: Int16Array, channels: number): Int16Array {
  if (channels === 1) return mono;
  const out = new Int16Array(mono.length * channels);
  for (let i = 0, j = 0; i < mono.length; i++) for (let c = 0; c < channels; c++) out[j++] = mono[i]!;
  return out;
}

/** Root-mean-square level in dBFS (full scale 32768); -Infinity for digital silence. */
export function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  const rms = Math.sqrt(sum / samples.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32_768);
}

/** Views little-endian 16-bit bytes as samples (copies when the bytes are not 2-aligned). */
export function bytesToSamples(bytes: Uint8Array): Int16Array {
  const even = bytes.byteLength - (bytes.byteLength % 2);
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, even / 2);
  return new Int16Array(bytes.slice(0, even).buffer);
}

/** The samples' bytes (little-endian, as every engine and Opus expect), without copying. */
export function samplesToBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Concatenates sample blocks. */
export function concatSamples(blocks: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** A canonical 44-byte RIFF/WAVE header + 16-bit PCM data. */
export function encodeWav(pcm: Pcm): Buffer {
  const data = samplesToBytes(pcm.samples);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(pcm.channels, 22);
  header.writeUInt32LE(pcm.sampleRate, 24);
  header.writeUInt32LE(pcm.sampleRate * pcm.channels * 2, 28);
  header.writeUInt16LE(pcm.channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * Reads a 16-bit PCM WAV by walking its chunks (espeak-ng and servers add LIST chunks, and streamed
 * WAVs carry a data size of 0 or 0xFFFFFFFF, which means "to the end").
 */
export function decodeWav(wav: Uint8Array): Pcm {
  const buf = Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength);
  const bad = (why: string) => new HelixError('voice_audio_invalid', `Not a 16-bit PCM WAV (${why}). Set the engine to return 16-bit PCM WAV.`);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw bad('no RIFF/WAVE header');
  let at = 12;
  let fmt: { channels: number; sampleRate: number; bits: number; format: number } | undefined;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (body + 16 > buf.length) throw bad('truncated fmt chunk');
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw bad('data before fmt');
      // 0xFFFE = WAVE_FORMAT_EXTENSIBLE, which carries PCM too.
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16) throw bad(`format ${fmt.format}, ${fmt.bits}-bit`);
      if (fmt.channels < 1 || fmt.sampleRate < 1_000) throw bad(`${fmt.channels} channels at ${fmt.sampleRate} Hz`);
      const end = size === 0 || size === 0xffffffff || body + size > buf.length ? buf.length : body + size;
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples: bytesToSamples(buf.subarray(body, end)) };
    }
    at = body + size + (size % 2);
  }
  throw bad('no data chunk');
}
