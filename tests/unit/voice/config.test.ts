import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../config/index.ts';
import { createSttEngine, createTtsEngine, pipelineOptionsFrom } from '../../../voice/engines.ts';
import { createLogger } from '../../../mesh/index.ts';

const cwd = () => mkdtempSync(join(tmpdir(), 'helix-voice-cfg-'));
const log = createLogger('test', 'silent');

describe('voice config', () => {
  test('GIVEN nothing set THEN the local engines and the documented defaults', () => {
    const { config } = loadConfig({ env: {}, cwd: cwd() });
    expect(config.voice).toEqual({
      stt: { engine: 'local', timeoutMs: 15_000, phrases: [] },
      tts: { engine: 'local', timeoutMs: 15_000 },
      vad: { aggressiveness: 2 },
      endpointing: { silenceMs: 700, maxUtteranceMs: 15_000, minSpeechMs: 250 },
      bargeIn: { thresholdMs: 400 },
      textEcho: false,
    });
    expect(createSttEngine(config.voice.stt, log).name).toBe('local');
    expect(createTtsEngine(config.voice.tts).name).toBe('local');
    expect(pipelineOptionsFrom(config.voice)).toMatchObject({ sttTimeoutMs: 15_000, vad: { aggressiveness: 2 }, endpointing: { silenceMs: 700 } });
  });

  test('GIVEN environment variables THEN engines, URLs, numbers and the phrase list are read', () => {
    const { config } = loadConfig({
      cwd: cwd(),
      env: {
        HELIX_VOICE__STT__ENGINE: 'wyoming',
        HELIX_VOICE__STT__URL: 'tcp://127.0.0.1:10300',
        HELIX_VOICE__TTS__ENGINE: 'openai',
        HELIX_VOICE__TTS__URL: 'http://127.0.0.1:8000/v1',
        HELIX_VOICE__STT__PHRASES: 'helix what time is it, tell me a joke',
        HELIX_VOICE__VAD__AGGRESSIVENESS: '3',
        HELIX_VOICE__BARGE_IN__THRESHOLD_MS: '300',
      },
    });
    expect(config.voice.stt).toMatchObject({ engine: 'wyoming', url: 'tcp://127.0.0.1:10300', phrases: ['helix what time is it', 'tell me a joke'] });
    expect(config.voice.vad.aggressiveness).toBe(3);
    expect(config.voice.bargeIn.thresholdMs).toBe(300);
    expect(createSttEngine(config.voice.stt, log).name).toBe('wyoming');
    expect(createTtsEngine(config.voice.tts).name).toBe('openai');
  });

  test('GIVEN a server engine without a usable URL THEN the config is refused, naming the key', () => {
    expect(() => loadConfig({ cwd: cwd(), env: { HELIX_VOICE__STT__ENGINE: 'wyoming', HELIX_VOICE__STT__URL: 'http://x:1' } })).toThrow(/voice\.stt\.url/);
    expect(() => loadConfig({ cwd: cwd(), env: { HELIX_VOICE__TTS__ENGINE: 'openai' } })).toThrow(/voice\.tts\.url/);
    expect(() => loadConfig({ cwd: cwd(), env: { HELIX_VOICE__VAD__AGGRESSIVENESS: '4' } })).toThrow(/voice\.vad\.aggressiveness/);
  });
});
