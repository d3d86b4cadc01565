// Text-to-speech over Wyoming (wyoming-piper, handler.py): `synthesize {text, voice?}` →
// `audio-start {rate, width, channels}`, `audio-chunk`s, `audio-stop`. The server keeps the
// connection open afterwards; we close it.
import { HelixError } from '../../mesh/index.ts';
import { bytesToSamples, type Pcm } from '../audio/pcm.ts';
import { connectWyoming } from '../wyoming/connect.ts';
import { encodeWyomingEvent, WyomingReader } from '../wyoming/framing.ts';
import type { TtsEngine } from './engine.ts';

/** Options of {@link WyomingTts}. */
export interface WyomingTtsOptions {
  /** `tcp://host:port` of the server (wyoming-piper listens on 10200). */
  url: string;
  /** Voice name, e.g. `en_US-lessac-medium`; unset uses the server's default. */
  voice?: string;
}

/** A Wyoming text-to-speech client. */
export class WyomingTts implements TtsEngine {
  readonly name = 'wyoming';
  readonly #opts: WyomingTtsOptions;

  constructor(options: WyomingTtsOptions) {
    this.#opts = options;
  }

  async synthesize(text: string, { signal }: { signal: AbortSignal }): Promise<Pcm> {
    const socket = await connectWyoming(this.#opts.url, signal);
    const reader = new WyomingReader(socket);
    try {
      const data: Record<string, unknown> = { text };
      if (this.#opts.voice) data.voice = { name: this.#opts.voice };
      socket.write(encodeWyomingEvent({ type: 'synthesize', data }));
      let format: { rate: number; width: number; channels: number } | undefined;
      const chunks: Buffer[] = [];
      for (;;) {
        const event = await reader.next(signal);
        if (event.type === 'audio-start' || (event.type === 'audio-chunk' && !format)) {
          format = this.#format(event.data);
        }
        if (event.type === 'audio-chunk' && event.payload) chunks.push(event.payload);
        else if (event.type === 'audio-stop') break;
        else if (event.type === 'error') {
          throw new HelixError('voice_engine_rejected', `Wyoming text-to-speech at ${this.#opts.url} answered an error: ${String(event.data.text ?? 'no reason')} (${String(event.data.code ?? 'no code')}).`);
        }
      }
      if (!format) throw new HelixError('voice_audio_invalid', `Wyoming text-to-speech at ${this.#opts.url} sent audio-stop without audio-start.`);
      return { sampleRate: format.rate, channels: format.channels, samples: bytesToSamples(Buffer.concat(chunks)) };
    } finally {
      socket.destroy();
    }
  }

  #format(d: Record<string, unknown>): { rate: number; width: number; channels: number } {
    const rate = Number(d.rate);
    const width = Number(d.width);
    const channels = Number(d.channels);
    if (!(rate >= 1_000) || width !== 2 || !(channels >= 1)) {
      throw new HelixError('voice_audio_invalid', `Wyoming text-to-speech at ${this.#opts.url} sent ${String(d.width)}-byte samples at ${String(d.rate)} Hz, ${String(d.channels)} channels; Helix reads 16-bit PCM.`);
    }
    return { rate, width, channels };
  }
}
