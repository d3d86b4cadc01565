// Speech-to-text over Wyoming (wyoming-faster-whisper, handler.py): `transcribe`, `audio-start`,
// `audio-chunk`s, `audio-stop` → `transcript {text}`, after which the server closes the connection.
import { HelixError } from '../../mesh/index.ts';
import { samplesToBytes } from '../audio/pcm.ts';
import { connectWyoming } from '../wyoming/connect.ts';
import { encodeWyomingEvent, WyomingReader } from '../wyoming/framing.ts';
import { STT_RATE, type SttEngine, type SttResult } from './engine.ts';

/** Options of {@link WyomingStt}. */
export interface WyomingSttOptions {
  /** `tcp://host:port` of the server (wyoming-faster-whisper listens on 10300). */
  url: string;
  /** Language hint, e.g. `en`; unset lets the model detect it. */
  language?: string;
  /** Model name to ask for; unset uses the server's. */
  model?: string;
}

/** Samples per `audio-chunk`, as Wyoming's own clients send (wyoming/audio.py AudioChunkConverter). */
const CHUNK_SAMPLES = 1_024;

/** A Wyoming speech-to-text client. */
export class WyomingStt implements SttEngine {
  readonly name = 'wyoming';
  readonly #opts: WyomingSttOptions;

  constructor(options: WyomingSttOptions) {
    this.#opts = options;
  }

  async transcribe(samples: Int16Array, { signal }: { signal: AbortSignal }): Promise<SttResult> {
    const socket = await connectWyoming(this.#opts.url, signal);
    const reader = new WyomingReader(socket);
    try {
      const fmt = { rate: STT_RATE, width: 2, channels: 1 };
      const transcribe: Record<string, unknown> = {};
      if (this.#opts.language) transcribe.language = this.#opts.language;
      if (this.#opts.model) transcribe.name = this.#opts.model;
      const out = [encodeWyomingEvent({ type: 'transcribe', data: transcribe }), encodeWyomingEvent({ type: 'audio-start', data: { ...fmt, timestamp: 0 } })];
      for (let at = 0; at < samples.length; at += CHUNK_SAMPLES) {
        const chunk = samples.subarray(at, at + CHUNK_SAMPLES);
        out.push(encodeWyomingEvent({ type: 'audio-chunk', data: { ...fmt, timestamp: Math.round((at / STT_RATE) * 1_000) }, payload: Buffer.from(samplesToBytes(chunk)) }));
      }
      out.push(encodeWyomingEvent({ type: 'audio-stop', data: { timestamp: Math.round((samples.length / STT_RATE) * 1_000) } }));
      socket.write(Buffer.concat(out));
      for (;;) {
        const event = await reader.next(signal);
        if (event.type === 'transcript') {
          const text = typeof event.data.text === 'string' ? event.data.text : '';
          const language = typeof event.data.language === 'string' ? event.data.language : undefined;
          return language ? { text, language } : { text };
        }
        if (event.type === 'error') {
          throw new HelixError('voice_engine_rejected', `Wyoming speech-to-text at ${this.#opts.url} answered an error: ${String(event.data.text ?? 'no reason')} (${String(event.data.code ?? 'no code')}).`);
        }
        // Other events (e.g. `transcript-start`/`-chunk` of streaming servers) are skipped.
      }
    } finally {
      socket.destroy();
    }
  }
}
