// Speech-to-text over an OpenAI-compatible `POST /v1/audio/transcriptions` (OpenAI, whisper.cpp
// server, faster-whisper-server / speaches): multipart with `file` (a WAV) and `model`; JSON `{text}` back.
// @see https://platform.openai.com/docs/api-reference/audio/createTranscription
import { z } from 'zod';
import { HelixError } from '../../mesh/index.ts';
import { encodeWav } from '../audio/pcm.ts';
import { engineFetch } from '../http-errors.ts';
import { STT_RATE, type SttEngine, type SttResult } from './engine.ts';

/** Options of {@link OpenAiStt}. */
export interface OpenAiSttOptions {
  /** Base URL up to and including `/v1`, e.g. `http://127.0.0.1:8000/v1`. */
  url: string;
  /** @defaultValue `whisper-1` */
  model?: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Language hint (ISO-639-1). */
  language?: string;
}

const TranscriptionResponse = z.object({ text: z.string(), language: z.string().optional() });

/** An OpenAI-compatible speech-to-text client. */
export class OpenAiStt implements SttEngine {
  readonly name = 'openai';
  readonly #opts: OpenAiSttOptions;
  readonly #endpoint: string;

  constructor(options: OpenAiSttOptions) {
    this.#opts = options;
    this.#endpoint = `${options.url.replace(/\/+$/, '')}/audio/transcriptions`;
  }

  async transcribe(samples: Int16Array, { signal }: { signal: AbortSignal }): Promise<SttResult> {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(encodeWav({ sampleRate: STT_RATE, channels: 1, samples }))], { type: 'audio/wav' }), 'utterance.wav');
    form.set('model', this.#opts.model ?? 'whisper-1');
    form.set('response_format', 'json');
    if (this.#opts.language) form.set('language', this.#opts.language);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#opts.apiKey) headers.authorization = `Bearer ${this.#opts.apiKey}`;
    const res = await engineFetch('Speech-to-text', this.#endpoint, { method: 'POST', body: form, headers, signal });
    const parsed = TranscriptionResponse.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new HelixError('voice_engine_rejected', `Speech-to-text at ${this.#endpoint} answered without a text field: ${z.prettifyError(parsed.error)}`);
    return parsed.data.language ? { text: parsed.data.text, language: parsed.data.language } : { text: parsed.data.text };
  }
}
