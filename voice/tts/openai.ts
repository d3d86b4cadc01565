// Text-to-speech over an OpenAI-compatible `POST /v1/audio/speech` (OpenAI, openedai-speech, Kokoro-FastAPI,
// speaches): JSON `{model, input, voice, response_format}`; the body is the audio. We ask for `wav`
// (any rate, read from the header) or `pcm` (raw 24 kHz 16-bit mono little-endian, per OpenAI's docs).
// @see https://platform.openai.com/docs/api-reference/audio/createSpeech
import { bytesToSamples, decodeWav, type Pcm } from '../audio/pcm.ts';
import { engineFetch } from '../http-errors.ts';
import type { TtsEngine } from './engine.ts';

/** Options of {@link OpenAiTts}. */
export interface OpenAiTtsOptions {
  /** Base URL up to and including `/v1`. */
  url: string;
  /** @defaultValue `tts-1` */
  model?: string;
  /** @defaultValue `alloy` */
  voice?: string;
  apiKey?: string;
  /** @defaultValue `wav` */
  responseFormat?: 'wav' | 'pcm';
}

/** OpenAI's `pcm` format: 24 kHz, 16-bit, mono. */
export const OPENAI_PCM_RATE = 24_000;

/** An OpenAI-compatible text-to-speech client. */
export class OpenAiTts implements TtsEngine {
  readonly name = 'openai';
  readonly #opts: OpenAiTtsOptions;
  readonly #endpoint: string;

  constructor(options: OpenAiTtsOptions) {
    this.#opts = options;
    this.#endpoint = `${options.url.replace(/\/+$/, '')}/audio/speech`;
  }

  async synthesize(text: string, { signal }: { signal: AbortSignal }): Promise<Pcm> {
    const format = this.#opts.responseFormat ?? 'wav';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#opts.apiKey) headers.authorization = `Bearer ${this.#opts.apiKey}`;
    const body = JSON.stringify({ model: this.#opts.model ?? 'tts-1', input: text, voice: this.#opts.voice ?? 'alloy', response_format: format });
    const res = await engineFetch('Text-to-speech', this.#endpoint, { method: 'POST', headers, body, signal });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (format === 'pcm') return { sampleRate: OPENAI_PCM_RATE, channels: 1, samples: bytesToSamples(bytes) };
    return decodeWav(bytes);
  }
}
