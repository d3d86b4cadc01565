import { z } from 'zod';
import { listOf } from './fields.ts';

/** Discord voice: speech-to-text, text-to-speech, voice-activity detection, endpointing, barge-in (voice/). */
export const VoiceSection = z
  .object({
    stt: z
      .object({
        /** `local` (pocketsphinx, offline), `wyoming` (wyoming-faster-whisper) or `openai` (POST /v1/audio/transcriptions). @defaultValue `local` */
        engine: z.enum(['local', 'wyoming', 'openai']).default('local'),
        /** Server URL: `tcp://host:10300` for Wyoming, `http://host:8000/v1` for OpenAI-compatible. */
        url: z.string().min(1).optional(),
        /** Model name to ask the server for (OpenAI-compatible: e.g. `whisper-1`). */
        model: z.string().min(1).optional(),
        /** API key for an OpenAI-compatible server (secret: prefer HELIX_VOICE__STT__API_KEY_FILE). */
        apiKey: z.string().min(1).optional(),
        /** Longest one transcription may take before it is abandoned. @defaultValue `15000` */
        timeoutMs: z.number().int().min(100).default(15_000),
        /** `local` only: the phrases pocketsphinx may recognize (a grammar); empty uses its general model. @defaultValue `[]` */
        phrases: listOf(z.string().min(1)).default([]),
      })
      .prefault({}),
    tts: z
      .object({
        /** `local` (espeak-ng), `wyoming` (wyoming-piper) or `openai` (POST /v1/audio/speech). @defaultValue `local` */
        engine: z.enum(['local', 'wyoming', 'openai']).default('local'),
        /** Server URL: `tcp://host:10200` for Wyoming, `http://host:8000/v1` for OpenAI-compatible. */
        url: z.string().min(1).optional(),
        /** Voice: espeak-ng voice (default `en-us`), Piper voice name, or OpenAI voice (default `alloy`). */
        voice: z.string().min(1).optional(),
        /** Model for an OpenAI-compatible server. @defaultValue `tts-1` (there) */
        model: z.string().min(1).optional(),
        /** API key for an OpenAI-compatible server (secret: prefer HELIX_VOICE__TTS__API_KEY_FILE). */
        apiKey: z.string().min(1).optional(),
        /** Longest one sentence's synthesis may take before it is skipped. @defaultValue `15000` */
        timeoutMs: z.number().int().min(100).default(15_000),
      })
      .prefault({}),
    vad: z
      .object({
        /** WebRTC VAD mode: 0 (lenient) to 3 (strict). @defaultValue `2` */
        aggressiveness: z.number().int().min(0).max(3).default(2),
      })
      .prefault({}),
    endpointing: z
      .object({
        /** Silence that ends a turn. @defaultValue `700` */
        silenceMs: z.number().int().min(100).max(10_000).default(700),
        /** Longest utterance; a speaker who never pauses is cut here. @defaultValue `15000` */
        maxUtteranceMs: z.number().int().min(1_000).max(120_000).default(15_000),
        /** Less speech than this (a cough, a click) is dropped. @defaultValue `250` */
        minSpeechMs: z.number().int().min(0).max(5_000).default(250),
      })
      .prefault({}),
    bargeIn: z
      .object({
        /** Speech over Helix that stops its playback; shorter backchannels ("mm-hm") do not. @defaultValue `400` */
        thresholdMs: z.number().int().min(100).max(5_000).default(400),
      })
      .prefault({}),
    /** Also post what was heard and what Helix said as text in the voice channel's chat. @defaultValue `false` */
    textEcho: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    for (const side of ['stt', 'tts'] as const) {
      const { engine, url: u } = v[side];
      if (engine === 'wyoming' && !(u && /^tcp:\/\/[^/]+:\d+\/?$/.test(u))) ctx.addIssue({ code: 'custom', path: [side, 'url'], message: `required when voice.${side}.engine is wyoming: tcp://host:port (e.g. tcp://127.0.0.1:${side === 'stt' ? 10300 : 10200})` });
      if (engine === 'openai' && !(u && /^https?:\/\//.test(u))) ctx.addIssue({ code: 'custom', path: [side, 'url'], message: `required when voice.${side}.engine is openai: the base URL up to /v1 (e.g. http://127.0.0.1:8000/v1)` });
    }
    if (v.endpointing.minSpeechMs > v.endpointing.maxUtteranceMs) ctx.addIssue({ code: 'custom', path: ['endpointing', 'minSpeechMs'], message: 'must not exceed voice.endpointing.maxUtteranceMs' });
  });
