// Opus at Discord's format: 48 kHz, 2 channels, 20 ms frames (960 samples per channel).
//
// The codec is opusscript (libopus compiled to WASM; no native @discordjs/opus here), the same one
// prism-media's opus.Encoder/Decoder load. We call it per packet rather than through prism's Transform
// streams: there a corrupt packet fails `_transform` and destroys the stream for every later packet,
// while here it costs one packet of one speaker, and the caller sees it synchronously.
import OpusScript from 'opusscript';
import { HelixError } from '../../mesh/index.ts';

/** Discord voice: 48 kHz. @see https://discord.com/developers/docs/topics/voice-connections#encrypting-and-sending-voice */
export const OPUS_RATE = 48_000;
/** Discord voice: stereo. */
export const OPUS_CHANNELS = 2;
/** One 20 ms frame per packet. */
export const FRAME_MS = 20;
/** Samples per channel in one 20 ms frame at 48 kHz. */
export const FRAME_SAMPLES = (OPUS_RATE * FRAME_MS) / 1_000;
/**
 * The Opus packet a sender puts at the end of a talk spurt (a 20 ms CELT frame of silence): Discord's clients send
 * five of these when the person stops talking (or lets go of push-to-talk), then nothing until they talk again.
 */
export const OPUS_SILENCE_FRAME: Readonly<Uint8Array> = Uint8Array.of(0xf8, 0xff, 0xfe);

/** True for {@link OPUS_SILENCE_FRAME}: the sender stopped sending. */
export function isOpusSilenceFrame(packet: Uint8Array): boolean {
  return packet.length === 3 && packet[0] === 0xf8 && packet[1] === 0xff && packet[2] === 0xfe;
}

/** Largest Opus packet libopus accepts (RFC 6716 §3.4: 1275 bytes per frame, up to 3 frames per packet here). */
const MAX_PACKET_BYTES = 3_828;
/** Longest packet we accept: 120 ms (RFC 6716 §3.2.5). */
const MAX_PACKET_MS = 120;

/**
 * Decodes one speaker's Opus packets to PCM. One per speaker: the decoder carries state.
 * libopus decodes any stream at any of 8/12/16/24/48 kHz, mono or stereo: asked for 16 kHz mono it
 * band-limits and down-mixes inside the codec (SILK's wide-band layer is 16 kHz natively), which is
 * cheaper than decoding 48 kHz stereo and resampling ourselves.
 */
export class OpusPacketDecoder {
  readonly rate: 8_000 | 12_000 | 16_000 | 24_000 | 48_000;
  readonly channels: 1 | 2;
  #codec: OpusScript | undefined;
  readonly #maxBytes: number;

  constructor(rate: 8_000 | 12_000 | 16_000 | 24_000 | 48_000 = OPUS_RATE, channels: 1 | 2 = OPUS_CHANNELS) {
    this.rate = rate;
    this.channels = channels;
    this.#codec = new OpusScript(rate, channels, OpusScript.Application.VOIP);
    this.#maxBytes = ((rate * MAX_PACKET_MS) / 1_000) * channels * 2;
  }

  /** Interleaved samples of one packet at the decoder's rate and channels. @throws HelixError `voice_opus_invalid` */
  decode(packet: Uint8Array): Int16Array {
    if (!this.#codec) throw new Error('OpusPacketDecoder used after close()');
    if (packet.length === 0 || packet.length > MAX_PACKET_BYTES) {
      throw new HelixError('voice_opus_invalid', `Opus packet of ${packet.length} bytes dropped (expected 1-${MAX_PACKET_BYTES}).`);
    }
    let pcm: Buffer;
    try {
      pcm = this.#codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
    } catch (cause) {
      throw new HelixError('voice_opus_invalid', `Opus packet of ${packet.length} bytes could not be decoded: ${(cause as Error).message}.`, { cause });
    }
    if (pcm.length === 0 || pcm.length > this.#maxBytes) {
      throw new HelixError('voice_opus_invalid', `Opus packet of ${packet.length} bytes decoded to ${pcm.length} bytes; dropped.`);
    }
    // opusscript reuses its output buffer: copy before the next call.
    return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length));
  }

  /** Frees the WASM codec. Safe to call twice. */
  close(): void {
    this.#codec?.delete();
    this.#codec = undefined;
  }
}

/** Encodes 48 kHz stereo PCM into 20 ms Opus packets. */
export class OpusFrameEncoder {
  #codec: OpusScript | undefined = new OpusScript(OPUS_RATE, OPUS_CHANNELS, OpusScript.Application.AUDIO);

  /** Encodes exactly one frame: 960 × 2 interleaved samples. */
  encode(frame: Int16Array): Buffer {
    if (!this.#codec) throw new Error('OpusFrameEncoder used after close()');
    if (frame.length !== FRAME_SAMPLES * OPUS_CHANNELS) throw new RangeError(`an Opus frame is ${FRAME_SAMPLES * OPUS_CHANNELS} samples, got ${frame.length}`);
    // opusscript returns a view of its WASM heap: copy it.
    return Buffer.from(this.#codec.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), FRAME_SAMPLES));
  }

  /** Frees the WASM codec. Safe to call twice. */
  close(): void {
    this.#codec?.delete();
    this.#codec = undefined;
  }
}

/**
 * Cuts a stream of 48 kHz stereo PCM blocks into 20 ms frames and encodes each: an
 * AsyncIterable ready for `createAudioResource(stream, { inputType: StreamType.Opus })`.
 * The last partial frame is padded with silence.
 */
export async function* encodeOpusFrames(blocks: AsyncIterable<Int16Array>): AsyncGenerator<Buffer> {
  const encoder = new OpusFrameEncoder();
  const frameLen = FRAME_SAMPLES * OPUS_CHANNELS;
  let pending = new Int16Array(0);
  try {
    for await (const block of blocks) {
      const joined = new Int16Array(pending.length + block.length);
      joined.set(pending);
      joined.set(block, pending.length);
      let at = 0;
      for (; at + frameLen <= joined.length; at += frameLen) yield encoder.encode(joined.subarray(at, at + frameLen));
      pending = joined.slice(at);
    }
    if (pending.length > 0) {
      const last = new Int16Array(frameLen);
      last.set(pending);
      yield encoder.encode(last);
    }
  } finally {
    encoder.close();
  }
}
