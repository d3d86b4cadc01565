// Builds the configured speech engines from the `voice` config section.
import type { HelixConfig } from '../config/index.ts';
import type { Logger } from '../mesh/index.ts';
import type { SttEngine } from './stt/engine.ts';
import { OpenAiStt } from './stt/openai.ts';
import { PocketSphinxStt } from './stt/pocketsphinx.ts';
import { WyomingStt } from './stt/wyoming.ts';
import type { TtsEngine } from './tts/engine.ts';
import { EspeakTts } from './tts/espeak.ts';
import { OpenAiTts } from './tts/openai.ts';
import { WyomingTts } from './tts/wyoming.ts';

/** The `voice` section of the config. */
export type VoiceConfig = HelixConfig['voice'];

/** The speech-to-text engine `voice.stt` names (the config schema has checked its URL). */
export function createSttEngine(stt: VoiceConfig['stt'], logger: Logger): SttEngine {
  switch (stt.engine) {
    case 'wyoming':
      return new WyomingStt({ url: stt.url!, ...(stt.model ? { model: stt.model } : {}) });
    case 'openai':
      return new OpenAiStt({ url: stt.url!, ...(stt.model ? { model: stt.model } : {}), ...(stt.apiKey ? { apiKey: stt.apiKey } : {}) });
    case 'local':
      return new PocketSphinxStt({ phrases: stt.phrases, logger });
  }
}

/** The text-to-speech engine `voice.tts` names. */
export function createTtsEngine(tts: VoiceConfig['tts']): TtsEngine {
  switch (tts.engine) {
    case 'wyoming':
      return new WyomingTts({ url: tts.url!, ...(tts.voice ? { voice: tts.voice } : {}) });
    case 'openai':
      return new OpenAiTts({ url: tts.url!, ...(tts.voice ? { voice: tts.voice } : {}), ...(tts.model ? { model: tts.model } : {}), ...(tts.apiKey ? { apiKey: tts.apiKey } : {}) });
    case 'local':
      return new EspeakTts(tts.voice ? { voice: tts.voice } : {});
  }
}

/** VoicePipeline options from the config (add `stt` and `logger`). */
export function pipelineOptionsFrom(voice: VoiceConfig): { sttTimeoutMs: number; vad: { aggressiveness: 0 | 1 | 2 | 3 }; endpointing: VoiceConfig['endpointing']; bargeIn: VoiceConfig['bargeIn'] } {
  return {
    sttTimeoutMs: voice.stt.timeoutMs,
    vad: { aggressiveness: voice.vad.aggressiveness as 0 | 1 | 2 | 3 },
    endpointing: voice.endpointing,
    bargeIn: voice.bargeIn,
  };
}
